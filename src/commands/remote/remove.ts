import {Args, Flags} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {remoteRemove} from '../../core/ops/remote.js'

export default class RemoteRemove extends BlCommand {
  static override summary = 'Remove a remote, its remote-tracking branches and upstream settings.'
  static override aliases = ['remote rm']
  static override examples = ['<%= config.bin %> remote remove backup']
  static override args = {name: Args.string({required: true, description: 'Remote name.'})}
  static override flags = {
    force: Flags.boolean({char: 'f', description: 'Remove it even when content of this repository is stored only there (a lazy clone or gc --evict).'}),
  }

  async run(): Promise<{removed: string; refs: number}> {
    const {args, flags} = await this.parse(RemoteRemove)
    return remoteRemove(this.repo(), args.name, {force: flags.force})
  }
}
