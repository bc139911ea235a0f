import {Args, Flags} from '#oclif'
import {autoMergingLines} from '../cli/merge-report.js'
import {autostashFlag} from '../cli/autostash.js'
import {fastForward} from '../cli/ff-flags.js'
import {BlCommand} from '../cli/base-command.js'
import {describeSequence} from '../cli/sequence-command.js'
import {transferProgress} from '../cli/transfer-progress.js'
import {BlError} from '../core/errors.js'
import {pullLocked, type LockedPullResult} from '../core/ops/pin.js'
import {pull, type PullResult} from '../core/ops/sync.js'

export default class Pull extends BlCommand {
  static override summary = 'Fetch from a remote and merge its branch into the current one.'
  static override description = `Merges the upstream of the current branch (or <remote> <branch>); conflicts stop with exit code 3 exactly as \`bl merge\` does.
--rebase replays the branch's own commits on the fetched branch instead (default from branch.<name>.rebase, then pull.rebase); commits a force-push removed from the remote branch are not replayed (its fork point). Conflicts stop the rebase: resolve, then \`bl rebase --continue\`.
--locked fetches from the remote named in bl.lock and checks out exactly the pinned commit (no merge).`
  static override examples = ['<%= config.bin %> pull', '<%= config.bin %> pull --ff-only', '<%= config.bin %> pull --rebase', '<%= config.bin %> pull origin main', '<%= config.bin %> pull --include \'images/2024/*\'', '<%= config.bin %> pull --locked']
  static override args = {remote: Args.string({description: 'Remote name.'}), branch: Args.string({description: 'Remote branch to merge.'})}
  static override flags = {
    'ff-only': Flags.boolean({description: 'Refuse unless the merge is a fast-forward (or set pull.ff to only); wins over --rebase.', exclusive: ['no-ff', 'ff']}),
    'no-ff': Flags.boolean({description: 'Make a merge commit even when a fast-forward is possible (pull.ff false).', exclusive: ['ff']}),
    ff: Flags.boolean({description: 'Fast-forward when possible (the default; overrides pull.ff and merge.ff).'}),
    autostash: autostashFlag,
    rebase: Flags.boolean({char: 'r', description: 'Rebase the current branch onto the fetched one instead of merging (--no-rebase: merge, whatever pull.rebase says).', allowNo: true}),
    include: Flags.string({description: 'In a sparse work tree: also bring in paths matching this pathspec or glob (repeatable), fetching just their contents.', multiple: true, multipleNonGreedy: true}),
    locked: Flags.boolean({description: 'Fetch and check out the data version pinned by bl.lock.', exclusive: ['ff-only', 'include', 'rebase']}),
    'lock-file': Flags.string({description: 'The bl.lock to use (default: the nearest one from here upwards).', dependsOn: ['locked']}),
  }

  async run(): Promise<PullResult | LockedPullResult> {
    const {args, flags} = await this.parse(Pull)
    const quiet = this.isQuiet(flags)
    if (flags.locked) {
      if (args.remote) throw new BlError('INVALID_ARGUMENT', '--locked takes no remote or branch', {hint: 'They come from bl.lock.'})
      const res = await this.withProgress('pull', (p) => pullLocked(this.repo(), {file: flags['lock-file'], progress: transferProgress(p), onWarning: (m) => p.log(`warning: ${m}`)}))
      if (!quiet) this.out(`HEAD is now at ${res.commit.slice(0, 12)}${res.branch ? ` on branch '${res.branch}'` : ' (detached)'}, pinned by ${res.file}`)
      return res
    }
    const res = await this.withProgress('pull', (p) => pull(this.repo(), {remote: args.remote, branch: args.branch, ...fastForward(flags), rebase: flags.rebase, autostash: flags.autostash, include: flags.include, progress: transferProgress(p), onWarning: (m) => p.log(`warning: ${m}`)}))
    if (!quiet && res.rebase) {
      for (const l of describeSequence(res.rebase)) this.out(l)
      if (res.rebase.status === 'done') this.out(`Successfully rebased; HEAD is at ${res.rebase.head.slice(0, 12)}.`)
    }
    if (!quiet && res.merge) {
      const m = res.merge
      for (const l of autoMergingLines(m.automerged)) this.out(l)
      this.out(m.status === 'up-to-date' ? 'Already up to date.' : m.status === 'fast-forward' ? `Fast-forward to ${m.commit.slice(0, 12)}` : `Merge made: ${m.commit.slice(0, 12)}`)
    }
    this.reportAutostash(res.rebase?.autostash ?? res.merge?.autostash, quiet)
    if (!quiet && res.materialized) this.out(`Checked out ${res.materialized} newly included file(s).`)
    return res
  }
}
