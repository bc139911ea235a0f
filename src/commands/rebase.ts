import {Args} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {describeSequence, sequenceFlags} from '../cli/sequence-command.js'
import {BlError} from '../core/errors.js'
import {rebase, sequenceAbort, sequenceContinue, sequenceSkip, type SequenceResult} from '../core/ops/sequence.js'

export default class Rebase extends BlCommand {
  static override summary = 'Replay the current branch on top of another commit.'
  static override description = `Commits of the current branch that <upstream> lacks are replayed on <upstream>, oldest first, keeping author and message; merge commits are left out and commits whose change is already upstream are dropped. Signatures of replayed commits are dropped (they covered the old bytes).
Conflicts stop with exit code 3: resolve, then --continue; --skip drops the stopped commit; --abort returns to the original branch.`
  static override examples = ['<%= config.bin %> rebase main', '<%= config.bin %> rebase --continue', '<%= config.bin %> rebase --skip', '<%= config.bin %> rebase --abort']
  static override args = {upstream: Args.string({description: 'The commit to replay onto (a branch, tag or id).'})}
  static override flags = {
    ...sequenceFlags,
  }

  async run(): Promise<SequenceResult | {aborted: string; head: string}> {
    const {args, flags} = await this.parse(Rebase)
    const repo = this.repo()
    if (flags.abort) {
      const res = await sequenceAbort(repo, 'rebase')
      if (!this.isQuiet(flags)) this.out(`Rebase aborted; HEAD is at ${res.head.slice(0, 12)}`)
      return res
    }
    const favor = flags['strategy-option'] as 'ours' | 'theirs' | undefined
    let res: SequenceResult
    if (flags.continue) res = await sequenceContinue(repo, 'rebase', {favor})
    else if (flags.skip) res = await sequenceSkip(repo, 'rebase')
    else {
      if (!args.upstream) throw new BlError('INVALID_ARGUMENT', 'missing the upstream to rebase onto', {hint: 'Usage: bl rebase <upstream> (or --continue / --skip / --abort).'})
      res = await rebase(repo, {upstream: args.upstream, favor})
    }
    if (!this.isQuiet(flags)) for (const l of describeSequence(res)) this.out(l)
    return res
  }
}
