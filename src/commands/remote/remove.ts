import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {remoteRemove} from '../../core/ops/remote.js'

export default class RemoteRemove extends BlCommand {
  static override summary = 'Remove a remote, its remote-tracking branches and upstream settings.'
  static override aliases = ['remote rm']
  static override examples = ['<%= config.bin %> remote remove backup']
  static override args = {name: Args.string({required: true, description: 'Remote name.'})}

  async run(): Promise<{removed: string; refs: number}> {
    const {args} = await this.parse(RemoteRemove)
    return remoteRemove(this.repo(), args.name)
  }
}
