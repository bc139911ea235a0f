import {Args, Flags} from '#oclif'
import {splitDashDash} from '../cli/args.js'
import {BlCommand} from '../cli/base-command.js'
import {reset, resetArgs, type ResetMode, type ResetResult} from '../core/ops/reset.js'

export default class Reset extends BlCommand {
  static override summary = 'Move the current branch to a commit; unstage paths.'
  static override description = `bl reset [--soft|--mixed|--hard] [<rev>]: point the current branch (or a detached HEAD) at <rev> (default HEAD).
  --soft   only moves the branch: index and files stay, so the commits undone are staged again.
  --mixed  (default) also sets the index to <rev>: their changes stay in the files, unstaged.
  --hard   also makes the files match <rev>: local changes to tracked files are lost.
  --keep   like --hard for the files that differ between HEAD and <rev>, refused if any of them has local changes; other local changes stay (unstaged).
  --merge  sets the index to <rev> and rewrites the files whose staged version differs from it, keeping changes never staged; refused if such a file has unstaged changes. It aborts a merge while keeping unrelated edits.
--mixed, --hard, --keep and --merge also drop a stopped merge, cherry-pick, revert or rebase.
bl reset [<rev>] -- <paths>: set just those index entries back to <rev> (unstage them); HEAD stays.
The commit left behind is still in \`bl reflog\` (e.g. \`bl reset --hard HEAD@{1}\` undoes a reset).`
  static override examples = [
    '<%= config.bin %> reset HEAD~1',
    '<%= config.bin %> reset --soft HEAD~3',
    '<%= config.bin %> reset --hard main',
    '<%= config.bin %> reset --hard HEAD@{1}',
    '<%= config.bin %> reset --keep HEAD~1',
    '<%= config.bin %> reset --merge',
    '<%= config.bin %> reset -- labels.csv',
    '<%= config.bin %> reset v1 -- images/',
  ]
  static override strict = false
  static override args = {rev: Args.string({description: 'Commit to reset to (default HEAD); then -- and paths.'})}
  static override flags = {
    soft: Flags.boolean({description: 'Move the branch only; keep the index and files.', exclusive: ['mixed', 'hard', 'keep', 'merge']}),
    mixed: Flags.boolean({description: 'Move the branch and reset the index (default).', exclusive: ['soft', 'hard', 'keep', 'merge']}),
    hard: Flags.boolean({description: 'Move the branch, reset the index and the files.', exclusive: ['soft', 'mixed', 'keep', 'merge']}),
    keep: Flags.boolean({description: 'Like --hard for files that differ between HEAD and <rev>; refused if those have local changes.', exclusive: ['soft', 'mixed', 'hard', 'merge']}),
    merge: Flags.boolean({description: 'Reset the index and the files it staged; keep unstaged changes (aborts a merge).', exclusive: ['soft', 'mixed', 'hard', 'keep']}),
  }

  async run(): Promise<ResetResult> {
    const {flags} = await this.parse(Reset)
    const {before, after} = splitDashDash(this.argv)
    const mode: ResetMode = flags.soft ? 'soft' : flags.hard ? 'hard' : flags.keep ? 'keep' : flags.merge ? 'merge' : 'mixed'
    const repo = this.repo()
    const res = await reset(repo, {mode, ...resetArgs(repo, before, this.argv.includes('--') ? after : undefined)})
    if (!this.isQuiet(flags) && res.mode === 'hard' && !res.paths) this.out(res.head ? `HEAD is now at ${res.head.slice(0, 12)} ${res.subject ?? ''}`.trimEnd() : 'Index and work tree emptied (no commit yet)')
    return res
  }
}
