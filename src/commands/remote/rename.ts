import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {remoteRename} from '../../core/ops/remote.js'

export default class RemoteRename extends BlCommand {
  static override summary = 'Rename a remote: its settings, remote-tracking branches and upstream settings move with it.'
  static override examples = ['<%= config.bin %> remote rename origin upstream']
  static override args = {
    old: Args.string({required: true, description: 'Current remote name.'}),
    new: Args.string({required: true, description: 'New remote name.'}),
  }

  async run(): Promise<{from: string; to: string; refs: number}> {
    const {args} = await this.parse(RemoteRename)
    return remoteRename(this.repo(), args.old, args.new)
  }
}
