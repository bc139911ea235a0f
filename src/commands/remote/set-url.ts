import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {remoteFlags, remoteOptionsFrom} from '../../cli/remote-flags.js'
import {remoteSetUrl, type RemoteView} from '../../core/ops/remote.js'

export default class RemoteSetUrl extends BlCommand {
  static override summary = "Change a remote's URL (and optionally its endpoint settings)."
  static override examples = ['<%= config.bin %> remote set-url origin s3://new-bucket/repo']
  static override args = {name: Args.string({required: true, description: 'Remote name.'}), url: Args.string({required: true, description: 'New URL.'})}
  static override flags = remoteFlags

  async run(): Promise<RemoteView> {
    const {args, flags} = await this.parse(RemoteSetUrl)
    return remoteSetUrl(this.repo(), args.name, args.url, {...remoteOptionsFrom(flags), onWarning: (m) => this.warnLine(m)})
  }
}
