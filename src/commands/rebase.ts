import {Args, Flags} from '#oclif'
import {autostashFlag} from '../cli/autostash.js'
import {runUserCommand} from '../cli/user-command.js'
import {BlCommand} from '../cli/base-command.js'
import type {AbortResult} from '../core/ops/merge.js'
import {describeSequence, sequenceFlags} from '../cli/sequence-command.js'
import {BlError} from '../core/errors.js'
import {rebase, sequenceAbort, sequenceContinue, sequenceSkip, type ExecRunner, type SequenceResult} from '../core/ops/sequence.js'

export default class Rebase extends BlCommand {
  static override summary = 'Replay the current branch on top of another commit.'
  static override description = `Commits of the current branch that <upstream> lacks are replayed on <upstream> (or on --onto <newbase>), oldest first, keeping author and message; merge commits are left out and commits whose change is already upstream are dropped. Signatures of replayed commits are dropped (they covered the old bytes); a commit that already sits where it would be replayed is kept as it is.
Without <upstream>, the branch's upstream (@{upstream}) is used, with --fork-point: commits the upstream once had, by its reflog (say before a force-push rewrote it), are not replayed.
--exec <cmd> (repeatable) runs <cmd> through the shell in the work tree after each replayed commit, as a check of every step (\`bl rebase -x ./validate.sh main\`); one that fails stops the rebase there (exit 1, EXEC_FAILED) with that commit made: fix the data, \`bl commit\` or \`bl commit --amend\`, then --continue.
Conflicts stop with exit code 3: resolve, then --continue; --skip drops the stopped commit; --abort returns to the original branch.`
  static override examples = [
    '<%= config.bin %> rebase main',
    '<%= config.bin %> rebase',
    '<%= config.bin %> rebase --onto main topic-base',
    "<%= config.bin %> rebase -x 'python validate.py' main",
    '<%= config.bin %> rebase --continue',
    '<%= config.bin %> rebase --skip',
    '<%= config.bin %> rebase --abort',
  ]
  static override args = {upstream: Args.string({description: 'The commit to replay onto (a branch, tag or id); default: the branch\'s upstream.'})}
  static override flags = {
    ...sequenceFlags,
    onto: Flags.string({description: 'Replay onto this commit; <upstream> only bounds which commits are replayed.', exclusive: ['continue', 'abort', 'skip']}),
    autostash: autostashFlag,
    exec: Flags.string({char: 'x', description: 'Run this shell command after each replayed commit; a failure stops the rebase (repeatable).', multiple: true, multipleNonGreedy: true, exclusive: ['continue', 'abort', 'skip']}),
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
    const run = this.execRunner(this.isQuiet(flags))
    if (flags.continue) res = await sequenceContinue(repo, 'rebase', {favor, run})
    else if (flags.skip) res = await sequenceSkip(repo, 'rebase', {run})
    else res = await rebase(repo, {upstream: args.upstream, onto: flags.onto, forkPoint: flags['fork-point'], favor, autostash: flags.autostash, exec: flags.exec, run})
    if (!this.isQuiet(flags)) for (const l of describeSequence(res)) this.out(l)
    this.reportAutostash(res.autostash, this.isQuiet(flags))
    return res
  }

  /** --exec commands run through the shell, on this terminal; with --json their output goes to stderr (stdout carries the result). */
  private execRunner(quiet: boolean): ExecRunner {
    return (command, cwd) => {
      if (!quiet) this.out(`Executing: ${command}`)
      const r = runUserCommand(command, [], {json: this.jsonEnabled(), cwd})
      return {status: r.status, why: r.error ? `could not be run: ${r.error.message}` : r.signal ? `was killed by ${r.signal}` : undefined}
    }
  }
}
