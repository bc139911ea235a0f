import {Args, Flags} from '#oclif'
import {autoMergingLines} from '../cli/merge-report.js'
import {autostashFlag} from '../cli/autostash.js'
import {fastForward} from '../cli/ff-flags.js'
import {BlCommand} from '../cli/base-command.js'
import {BlError} from '../core/errors.js'
import {merge, mergeAbort, mergeContinue, type AbortResult, type MergeResult} from '../core/ops/merge.js'

export default class Merge extends BlCommand {
  static override summary = 'Join another history into the current branch.'
  static override description = `Fast-forwards when HEAD is behind <rev>; otherwise merges path by path against the merge base and commits with both parents.
--squash stages the merged result without committing or recording a merge: the next \`bl commit\` makes an ordinary one-parent commit. --no-commit merges and stops before committing, as on conflicts but with none: \`bl commit\` (or \`bl merge --continue\`) makes the merge commit, \`bl merge --abort\` undoes it.
On conflicts (both sides changed a path differently, modify/delete, file/directory) it stops with exit code 3: \`bl status\` lists them, \`bl show :1:<path>\` / \`:2:\` / \`:3:\` print base/ours/theirs, \`bl checkout --ours|--theirs <path>\` or editing + \`bl add <path>\` resolves, then \`bl merge --continue\`. \`bl merge --abort\` puts files, index and HEAD back as they were.`
  static override examples = [
    '<%= config.bin %> merge feature',
    '<%= config.bin %> merge --ff-only origin/main',
    '<%= config.bin %> merge --no-ff -m "Merge relabeling" relabel',
    '<%= config.bin %> merge -X theirs vendor-update',
    '<%= config.bin %> merge --squash relabel',
    '<%= config.bin %> merge --no-commit relabel',
    '<%= config.bin %> merge --continue',
    '<%= config.bin %> merge --abort',
  ]
  static override args = {rev: Args.string({description: 'Branch or commit to merge.'})}
  static override flags = {
    'ff-only': Flags.boolean({description: 'Refuse unless the merge is a fast-forward.'}),
    'no-ff': Flags.boolean({description: 'Make a merge commit even when a fast-forward is possible.'}),
    ff: Flags.boolean({description: 'Fast-forward when possible (the default; overrides merge.ff).', exclusive: ['ff-only', 'no-ff']}),
    message: Flags.string({char: 'm', description: 'Message of the merge commit.'}),
    'strategy-option': Flags.string({char: 'X', description: 'Settle every conflict with this side.', options: ['ours', 'theirs']}),
    'allow-unrelated-histories': Flags.boolean({description: 'Merge histories that share no commit.'}),
    squash: Flags.boolean({description: 'Stage the merged result; no merge commit, HEAD stays (the next `bl commit` makes one ordinary commit).', exclusive: ['no-ff']}),
    'no-commit': Flags.boolean({description: 'Merge, then stop before committing (`bl commit` or --continue commits, --abort undoes).'}),
    autostash: autostashFlag,
    continue: Flags.boolean({description: 'Commit the merge once every conflict is resolved.', exclusive: ['abort']}),
    abort: Flags.boolean({description: 'Undo the stopped merge: files, index and HEAD as before it.', exclusive: ['continue']}),
  }

  async run(): Promise<MergeResult | AbortResult<'merge'>> {
    const {args, flags} = await this.parse(Merge)
    const repo = this.repo()
    const quiet = this.isQuiet(flags)
    if (flags.abort) {
      const res = await mergeAbort(repo)
      if (!quiet) this.out(`Merge aborted; HEAD is at ${res.head.slice(0, 12)}`)
      this.reportAutostash(res.autostash, quiet)
      return res
    }
    if (flags.continue) {
      const res = await mergeContinue(repo, {message: flags.message})
      if (!quiet) this.out(`[${res.commit.slice(0, 12)}] merge committed`)
      this.reportAutostash(res.autostash, quiet)
      return res
    }
    if (!args.rev) throw new BlError('INVALID_ARGUMENT', 'missing the branch or commit to merge', {hint: 'Usage: bl merge <rev> (or --continue / --abort).'})
    const res = await merge(repo, {rev: args.rev, ...fastForward(flags), message: flags.message, favor: flags['strategy-option'] as 'ours' | 'theirs' | undefined, allowUnrelated: flags['allow-unrelated-histories'], squash: flags.squash, noCommit: flags['no-commit'], autostash: flags.autostash})
    if (!quiet) {
      for (const l of autoMergingLines(res.automerged)) this.out(l)
      if (res.status === 'up-to-date') this.out('Already up to date.')
      else if (res.status === 'squashed') this.out(`Squash commit -- not updating HEAD (${res.changed} path${res.changed === 1 ? '' : 's'} changed)\nAutomatic merge went well; stopped before committing as requested\n(\`bl commit\` without -m uses the squash message)`)
      else if (res.status === 'stopped') this.out(`Automatic merge went well; stopped before committing as requested (${res.changed} path${res.changed === 1 ? '' : 's'} changed)`)
      else if (res.status === 'fast-forward') this.out(`Fast-forward to ${res.commit.slice(0, 12)} (${res.changed} path${res.changed === 1 ? '' : 's'} changed)`)
      else this.out(`Merge made: ${res.commit.slice(0, 12)} (${res.changed} path${res.changed === 1 ? '' : 's'} changed${res.favored ? `, ${res.favored} conflict${res.favored === 1 ? '' : 's'} settled with -X ${flags['strategy-option']}` : ''})`)
    }
    this.reportAutostash(res.autostash, quiet)
    return res
  }
}
