import {BlCommand} from '../../cli/base-command.js'
import {remoteList, type RemoteView} from '../../core/ops/remote.js'
import {describe} from './index.js'

export default class RemoteListCmd extends BlCommand {
  static override summary = 'List remotes with their URLs, settings and whether they protect concurrent pushes.'
  static override examples = ['<%= config.bin %> remote list', '<%= config.bin %> remote list --json']

  async run(): Promise<RemoteView[]> {
    await this.parse(RemoteListCmd)
    const list = remoteList(this.repo())
    for (const r of list) this.out(describe(r))
    return list
  }
}
