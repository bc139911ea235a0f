import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {remoteGet, type RemoteView} from '../../core/ops/remote.js'

export default class RemoteGetUrl extends BlCommand {
  static override summary = "Print a remote's URL (exit 4, REMOTE_NOT_FOUND, when there is no such remote)."
  static override examples = ['<%= config.bin %> remote get-url origin', '<%= config.bin %> remote get-url origin --json']
  static override args = {name: Args.string({required: true, description: 'Remote name.'})}

  async run(): Promise<RemoteView> {
    const {args} = await this.parse(RemoteGetUrl)
    const res = remoteGet(this.repo(), args.name)
    this.out(res.url)
    return res
  }
}
