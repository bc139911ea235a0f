import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {mv, type MvResult} from '../core/ops/mv.js'
import {quotePath} from '../core/worktree/paths.js'

export default class Mv extends BlCommand {
  static override summary = 'Move or rename files and directories (work tree and index together).'
  static override description = `bl mv <source> <destination>: rename a tracked file or directory. bl mv <source>... <directory>: move them into an existing directory.
The content is not read again: the next commit records a rename. Modified files move with their changes; the destination's directory must exist.`
  static override examples = ['<%= config.bin %> mv labels.csv labels-v1.csv', '<%= config.bin %> mv raw/2024 archive/', '<%= config.bin %> mv a.csv b.csv data/', '<%= config.bin %> mv -n images/ img']
  static override strict = false
  static override args = {paths: Args.string({description: 'Sources, then the destination.'})}
  static override flags = {
    force: Flags.boolean({char: 'f', description: 'Overwrite a file at the destination.'}),
    'dry-run': Flags.boolean({char: 'n', description: 'Show what would be moved.'}),
    k: Flags.boolean({char: 'k', description: 'Skip sources that cannot be moved instead of failing.'}),
  }

  async run(): Promise<MvResult> {
    const {argv, flags} = await this.parse(Mv)
    const res = mv(this.repo(), {paths: argv as string[], force: flags.force, dryRun: flags['dry-run'], skipErrors: flags.k})
    if (!this.isQuiet(flags)) {
      for (const m of res.moved) this.out(`${flags['dry-run'] ? 'Would rename' : 'Renamed'} ${quotePath(m.from)} to ${quotePath(m.to)}`)
      for (const s of res.skipped) this.warnLine(`skipped ${s.path}: ${s.reason}`)
    }
    return res
  }
}
