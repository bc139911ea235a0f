import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {config, type ConfigResult} from '../core/ops/config.js'

export default class Config extends BlCommand {
  static override summary = 'Get and set repository or user options.'
  static override description = 'Repository settings live in .bl/; --global ones in the user config directory (BL_CONFIG_DIR, or $XDG_CONFIG_HOME/bl). Repository settings win.'
  static override examples = ['<%= config.bin %> config --global user.name "Ada Lovelace"', '<%= config.bin %> config user.email', '<%= config.bin %> config --list', '<%= config.bin %> config --unset user.email']
  static override args = {key: Args.string({description: 'section.name'}), value: Args.string({description: 'Value to set.'})}
  static override flags = {
    global: Flags.boolean({description: 'Use the user-level config.'}),
    unset: Flags.boolean({description: 'Remove the key.'}),
    list: Flags.boolean({char: 'l', description: 'List all settings.'}),
  }

  async run(): Promise<ConfigResult> {
    const {args, flags} = await this.parse(Config)
    const res = config(this.context(), {key: args.key, value: args.value, global: flags.global, unset: flags.unset, list: flags.list})
    if ('entries' in res) for (const e of res.entries) this.out(`${e.key}=${e.value}`)
    else if (res.action === 'get') this.out(res.value ?? '')
    return res
  }
}
