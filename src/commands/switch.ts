import {Args, Flags} from '#oclif'
import {transferProgress} from '../cli/transfer-progress.js'
import {BlCommand} from '../cli/base-command.js'
import {currentBranch} from '../core/ops/branch.js'
import {switchTo, type SwitchResult} from '../core/ops/checkout.js'

export default class Switch extends BlCommand {
  static override summary = 'Switch branches.'
  static override examples = ['<%= config.bin %> switch main', '<%= config.bin %> switch -c cleanup', '<%= config.bin %> switch -C scratch main', '<%= config.bin %> switch --detach v1']
  static override args = {target: Args.string({description: 'Branch (or, with --detach, any revision); with -c, the start point.'})}
  static override flags = {
    create: Flags.string({char: 'c', description: 'Create a new branch and switch to it.', exclusive: ['force-create']}),
    'force-create': Flags.string({char: 'C', description: 'As -c, but an existing branch of that name is reset to the start point.', exclusive: ['create']}),
    detach: Flags.boolean({char: 'd', description: 'Switch to a commit, detaching HEAD.'}),
    'discard-changes': Flags.boolean({char: 'f', aliases: ['force'], description: 'Discard local changes.'}),
  }

  async run(): Promise<SwitchResult> {
    const {args, flags} = await this.parse(Switch)
    const repo = this.repo()
    const before = currentBranch(repo).branch
    const res = await this.withProgress('switch', (p) => switchTo(repo, {target: args.target, create: flags.create ?? flags['force-create'], resetExisting: flags['force-create'] !== undefined, detach: flags.detach, force: flags['discard-changes'], branchOnly: true, progress: transferProgress(p, 'fetching')}))
    if (!this.isQuiet(flags) && res.tracking) this.out(`branch '${res.branch}' set up to track '${res.tracking}'.`)
    if (!this.isQuiet(flags)) this.out(res.branch ? `${res.created ? 'Switched to a new branch' : res.reset ? (before === res.branch ? 'Reset branch' : 'Switched to and reset branch') : 'Switched to branch'} '${res.branch}'` : `HEAD is now at ${res.commit.slice(0, 12)} (detached)`)
    return res
  }
}
