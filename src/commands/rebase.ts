import {Args, Flags} from '#oclif'
import {autostashFlag} from '../cli/autostash.js'
import {BlCommand} from '../cli/base-command.js'
import type {AbortResult} from '../core/ops/merge.js'
import {describeSequence, sequenceFlags} from '../cli/sequence-command.js'
import {BlError} from '../core/errors.js'
import {rebase, sequenceAbort, sequenceContinue, sequenceSkip, type SequenceResult} from '../core/ops/sequence.js'

export default class Rebase extends BlCommand {
  static override summary = 'Replay the current branch on top of another commit.'
  static override description = `Commits of the current branch that <upstream> lacks are replayed on <upstream> (or on --onto <newbase>), oldest first, keeping author and message; merge commits are left out and commits whose change is already upstream are dropped. Signatures of replayed commits are dropped (they covered the old bytes).
Without <upstream>, the branch's upstream (@{upstream}) is used, with --fork-point: commits the upstream once had, by its reflog (say before a force-push rewrote it), are not replayed.
Conflicts stop with exit code 3: resolve, then --continue; --skip drops the stopped commit; --abort returns to the original branch.`
  static override examples = [
    '<%= config.bin %> rebase main',
    '<%= config.bin %> rebase',
    '<%= config.bin %> rebase --onto main topic-base',
    '<%= config.bin %> rebase --continue',
    '<%= config.bin %> rebase --skip',
    '<%= config.bin %> rebase --abort',
  ]
  static override args = {upstream: Args.string({description: 'The commit to replay onto (a branch, tag or id); default: the branch\'s upstream.'})}
  static override flags = {
    ...sequenceFlags,
    onto: Flags.string({description: 'Replay onto this commit; <upstream> only bounds which commits are replayed.', exclusive: ['continue', 'abort', 'skip']}),
    autostash: autostashFlag,
    'fork-point': Flags.boolean({description: 'Leave out commits <upstream>\'s reflog shows it once had (default: on without <upstream>).', allowNo: true, exclusive: ['continue', 'abort', 'skip']}),
  }

  async run(): Promise<SequenceResult | AbortResult<'rebase' | 'cherry-pick' | 'revert'>> {
    const {args, flags} = await this.parse(Rebase)
    const repo = this.repo()
    if (flags.abort) {
      const res = await sequenceAbort(repo, 'rebase')
      if (!this.isQuiet(flags)) this.out(`Rebase aborted; HEAD is at ${res.head.slice(0, 12)}`)
      this.reportAutostash(res.autostash, this.isQuiet(flags))
      return res
    }
    const favor = flags['strategy-option'] as 'ours' | 'theirs' | undefined
    let res: SequenceResult
    if ((flags.continue || flags.skip) && args.upstream) throw new BlError('INVALID_ARGUMENT', `--${flags.continue ? 'continue' : 'skip'} takes no upstream`, {hint: 'The stopped rebase already knows where it goes.'})
    if (flags.continue) res = await sequenceContinue(repo, 'rebase', {favor})
    else if (flags.skip) res = await sequenceSkip(repo, 'rebase')
    else {
      res = await rebase(repo, {upstream: args.upstream, onto: flags.onto, forkPoint: flags['fork-point'], favor, autostash: flags.autostash})
    }
    if (!this.isQuiet(flags)) for (const l of describeSequence(res)) this.out(l)
    this.reportAutostash(res.autostash, this.isQuiet(flags))
    return res
  }
}
