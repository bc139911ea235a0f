import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {clean, type CleanResult} from '../core/ops/clean.js'
import {quotePath} from '../core/worktree/paths.js'

export default class Clean extends BlCommand {
  static override summary = 'Delete untracked files from the work tree.'
  static override description = `As git clean: nothing is deleted without -f; -n lists what would be. Untracked directories only with -d, ignored files only with -x (-X: only ignored files). A directory holding another repository (.bl or .git) is left alone. Deleted files cannot be brought back.`
  static override examples = ['<%= config.bin %> clean -n', '<%= config.bin %> clean -f', '<%= config.bin %> clean -fd scratch/', '<%= config.bin %> clean -fX']
  static override strict = false
  static override args = {paths: Args.string({description: 'Only under these paths.'})}
  static override flags = {
    force: Flags.boolean({char: 'f', description: 'Really delete.'}),
    'dry-run': Flags.boolean({char: 'n', description: 'List what would be deleted.'}),
    d: Flags.boolean({char: 'd', description: 'Also untracked directories.'}),
    x: Flags.boolean({char: 'x', description: 'Also ignored files.'}),
    X: Flags.boolean({char: 'X', description: 'Only ignored files.'}),
  }

  async run(): Promise<CleanResult> {
    const {argv, flags} = await this.parse(Clean)
    const res = clean(this.repo(), {paths: argv as string[], force: flags.force, dryRun: flags['dry-run'], directories: flags.d, ignored: flags.x, onlyIgnored: flags.X})
    if (!this.isQuiet(flags)) for (const p of res.removed) this.out(`${res.dryRun ? 'Would remove' : 'Removing'} ${quotePath(p)}`)
    return res
  }
}
