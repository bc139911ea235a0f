import {Flags} from '#oclif'
import {transferProgress} from '../cli/transfer-progress.js'
import {splitDashDash} from '../cli/args.js'
import {BlCommand} from '../cli/base-command.js'
import {currentBranch} from '../core/ops/branch.js'
import {BlError} from '../core/errors.js'
import {restore, switchTo, type RestoreResult, type SwitchResult} from '../core/ops/checkout.js'
import {checkoutSide, recreateConflicts, type RemergeResult, type ResolveResult} from '../core/ops/resolve.js'
import {CONFLICT_STYLES, type ConflictStyle} from '../core/merge/merge-text.js'
import {checkoutLocked, type LockedCheckoutResult} from '../core/ops/pin.js'

export default class Checkout extends BlCommand {
  static override summary = 'Switch branches or restore work tree files.'
  static override description = `bl checkout <branch>: switch to a branch. bl checkout <commit>: detach HEAD there. bl checkout -b <new> [<start>]: create and switch.
bl checkout [<rev>] -- <paths>: overwrite paths from the index, or from <rev> (which also updates the index).
bl checkout --ours|--theirs <paths>: during a merge, cherry-pick, revert or rebase, resolve conflicted paths by taking one side.
bl checkout -m|--conflict=<style> <paths>: merge conflicted files again, with markers (labelled ours, base, theirs) in the style given (default merge.conflictStyle), replacing what they hold; they stay in conflict.
bl checkout --locked: the data version pinned by the nearest bl.lock (\`bl pin\`), verified (and its signer checked when the lock names one); HEAD is detached there unless the current branch is already on it.`
  static override examples = ['<%= config.bin %> checkout main', '<%= config.bin %> checkout -b experiment', '<%= config.bin %> checkout -B scratch main', '<%= config.bin %> checkout HEAD~3', '<%= config.bin %> checkout v1 -- labels.csv', '<%= config.bin %> checkout --theirs data/labels.csv', '<%= config.bin %> checkout --conflict=diff3 data/labels.csv', '<%= config.bin %> checkout --locked']
  static override strict = false
  static override flags = {
    branch: Flags.string({char: 'b', description: 'Create a new branch and switch to it.', exclusive: ['force-branch']}),
    'force-branch': Flags.string({char: 'B', description: 'As -b, but an existing branch of that name is reset to the start point.', exclusive: ['branch']}),
    force: Flags.boolean({char: 'f', description: 'Discard local changes.'}),
    detach: Flags.boolean({description: 'Detach HEAD at the commit even if a branch is named.'}),
    ours: Flags.boolean({description: 'Resolve the named conflicted paths with our version.', exclusive: ['theirs']}),
    theirs: Flags.boolean({description: 'Resolve the named conflicted paths with their version.', exclusive: ['ours']}),
    merge: Flags.boolean({char: 'm', description: 'Merge the named conflicted files again, with conflict markers.', exclusive: ['ours', 'theirs', 'branch', 'detach']}),
    conflict: Flags.string({description: 'Like -m, with markers in this style.', options: [...CONFLICT_STYLES], exclusive: ['ours', 'theirs', 'branch', 'detach']}),
    locked: Flags.boolean({description: 'Check out the data version pinned by bl.lock.', exclusive: ['branch', 'ours', 'theirs', 'detach', 'merge', 'conflict']}),
    'lock-file': Flags.string({description: 'The bl.lock to use (default: the nearest one from here upwards).', dependsOn: ['locked']}),
  }

  async run(): Promise<SwitchResult | RestoreResult | ResolveResult | RemergeResult | LockedCheckoutResult> {
    const {flags} = await this.parse(Checkout)
    const {before, after} = splitDashDash(this.argv, ['-b', '--branch', '-B', '--force-branch', '--lock-file', '--conflict'])
    const hasDashDash = this.argv.includes('--')
    const repo = this.repo()
    if (flags.locked) {
      if (before.length || hasDashDash) throw new BlError('INVALID_ARGUMENT', '--locked takes no revision or paths', {hint: 'The revision comes from bl.lock; use `bl checkout <rev>` for anything else.'})
      const res = await this.withProgress('checkout', (p) => checkoutLocked(repo, {file: flags['lock-file'], force: flags.force, progress: transferProgress(p, 'fetching')}))
      if (!this.isQuiet(flags)) this.out(`HEAD is now at ${res.commit.slice(0, 12)}${res.branch ? ` on branch '${res.branch}'` : ' (detached)'}, pinned by ${res.file}`)
      return res
    }
    if (flags.ours || flags.theirs) {
      const res = await checkoutSide(repo, [...before, ...after].filter((a) => a !== '--ours' && a !== '--theirs'), flags.ours ? 'ours' : 'theirs')
      if (!this.isQuiet(flags)) for (const r of res.resolved) this.out(`Resolved ${r.path} (${r.kind}) with ${res.side === 'ours' ? 'our' : 'their'} version${r.result === 'deleted' ? ' (deleted)' : ''}`)
      return res
    }
    if (flags.merge || flags.conflict) {
      const res = await recreateConflicts(repo, [...before, ...after], flags.conflict as ConflictStyle | undefined)
      for (const r of res.recreated) if (r.markers === 0) this.warnLine(`${r.path}: not merged by lines (binary, a symlink or too big a change); ours written`)
      if (!this.isQuiet(flags)) this.out(`Recreated ${res.recreated.length} merge conflict${res.recreated.length === 1 ? '' : 's'}`)
      return res
    }
    if (hasDashDash || before.length > 1) {
      const source = hasDashDash ? before[0] : before[0]
      const paths = hasDashDash ? after : before.slice(1)
      if (hasDashDash && before.length > 1) throw new BlError('INVALID_ARGUMENT', 'give at most one revision before --', {hint: 'Usage: bl checkout [<rev>] -- <paths>'})
      const res = await this.withProgress('checkout', (p) => restore(repo, {paths, source, staged: source !== undefined, worktree: true, overlay: true, progress: transferProgress(p, 'fetching')}))
      if (!this.isQuiet(flags)) this.out(`Updated ${res.restored.length} path${res.restored.length === 1 ? '' : 's'} from ${source ?? 'the index'}`)
      return res
    }
    const was = currentBranch(repo).branch
    const res = await this.withProgress('checkout', (p) => switchTo(repo, {target: before[0], create: flags.branch ?? flags['force-branch'], resetExisting: flags['force-branch'] !== undefined, force: flags.force, detach: flags.detach, progress: transferProgress(p, 'fetching')}))
    if (!this.isQuiet(flags)) {
      if (res.tracking) this.out(`branch '${res.branch}' set up to track '${res.tracking}'.`)
      if (res.branch) this.out(`${res.created ? 'Switched to a new branch' : res.reset ? (was === res.branch ? 'Reset branch' : 'Switched to and reset branch') : 'Switched to branch'} '${res.branch}'`)
      else this.out(`HEAD is now at ${res.commit.slice(0, 12)} (detached)`)
    }
    return res
  }
}
