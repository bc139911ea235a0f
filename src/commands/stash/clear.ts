import {BlCommand} from '../../cli/base-command.js'
import {stashClear} from '../../core/ops/stash.js'

export default class StashClear extends BlCommand {
  static override summary = 'Delete every stash.'
  static override examples = ['<%= config.bin %> stash clear']

  async run(): Promise<{cleared: number}> {
    const {flags} = await this.parse(StashClear)
    const res = stashClear(this.repo())
    if (!this.isQuiet(flags)) this.out(`Cleared ${res.cleared} stash${res.cleared === 1 ? '' : 'es'}`)
    return res
  }
}
