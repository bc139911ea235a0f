import {Args, Flags} from '#oclif'
import {transferProgress} from '../cli/transfer-progress.js'
import {BlCommand} from '../cli/base-command.js'
import {restore, type RestoreResult} from '../core/ops/checkout.js'

export default class Restore extends BlCommand {
  static override summary = 'Restore work tree files (or the index) from the index or a commit.'
  static override examples = ['<%= config.bin %> restore labels.csv', '<%= config.bin %> restore --staged labels.csv', '<%= config.bin %> restore --source HEAD~2 -- images/']
  static override strict = false
  static override args = {paths: Args.string({description: 'Paths to restore.'})}
  static override flags = {
    source: Flags.string({char: 's', description: 'Take content from this revision.'}),
    staged: Flags.boolean({char: 'S', description: 'Restore the index (default source: HEAD).'}),
    worktree: Flags.boolean({char: 'W', description: 'Restore the work tree (the default without --staged).'}),
  }

  async run(): Promise<RestoreResult> {
    const {argv, flags} = await this.parse(Restore)
    const res = await this.withProgress('restore', (p) => restore(this.repo(), {paths: argv as string[], source: flags.source, staged: flags.staged, worktree: flags.worktree || !flags.staged, progress: transferProgress(p, 'fetching')}))
    if (!this.isQuiet(flags)) this.out(`Restored ${res.restored.length} path${res.restored.length === 1 ? '' : 's'}${res.removed.length ? `, removed ${res.removed.length}` : ''}`)
    return res
  }
}
