import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {init, type InitResult} from '../core/ops/init.js'

export default class Init extends BlCommand {
  static override summary = 'Create an empty bl repository.'
  static override description = 'Creates .bl/ (the SQLite object store) in DIR or the current directory.'
  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init data --initial-branch trunk']
  static override args = {dir: Args.string({description: 'Directory to create the repository in.', required: false})}
  static override flags = {
    'initial-branch': Flags.string({char: 'b', description: 'Name of the first branch.', default: 'main'}),
  }

  async run(): Promise<InitResult> {
    const {args, flags} = await this.parse(Init)
    const res = init(this.context(), {dir: args.dir, initialBranch: flags['initial-branch']})
    if (!this.isQuiet(flags)) this.out(`Initialized empty bl repository in ${res.root}/.bl/`)
    return res
  }
}
