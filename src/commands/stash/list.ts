import {BlCommand} from '../../cli/base-command.js'
import {stashList, type StashEntry} from '../../core/ops/stash.js'

export default class StashList extends BlCommand {
  static override summary = 'List the stashes, newest first.'
  static override examples = ['<%= config.bin %> stash list', '<%= config.bin %> stash list --json']

  async run(): Promise<StashEntry[]> {
    await this.parse(StashList)
    const list = stashList(this.repo())
    for (const s of list) this.out(`${s.name}: ${s.message}`)
    return list
  }
}
