import {Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {describeSequence, sequenceFlags} from '../cli/sequence-command.js'
import {cherryPick, sequenceAbort, sequenceContinue, sequenceSkip, type SequenceResult} from '../core/ops/sequence.js'

export default class CherryPick extends BlCommand {
  static override summary = 'Apply the changes of existing commits on top of HEAD.'
  static override description = 'Each commit becomes a new commit on HEAD with the same author and message (signatures are not carried over). Ranges A..B pick the commits in them, oldest first. Conflicts stop with exit code 3, as bl merge does.'
  static override examples = ['<%= config.bin %> cherry-pick fix-labels', '<%= config.bin %> cherry-pick a1b2c3d4 e5f6a7b8', '<%= config.bin %> cherry-pick main~3..main', '<%= config.bin %> cherry-pick --continue', '<%= config.bin %> cherry-pick --skip', '<%= config.bin %> cherry-pick -m 1 <merge-commit>']
  static override strict = false
  static override flags = {
    ...sequenceFlags,
    mainline: Flags.integer({char: 'm', min: 1, description: 'For a merge commit: apply its change relative to this parent (1 = the branch it was merged into).', exclusive: ['continue', 'abort', 'skip']}),
    'no-commit': Flags.boolean({char: 'n', description: 'Apply the changes to the index and work tree without committing (one commit only).'}),
  }

  async run(): Promise<SequenceResult | {aborted: string; head: string}> {
    const {argv, flags} = await this.parse(CherryPick)
    const repo = this.repo()
    if (flags.abort) return await sequenceAbort(repo, 'cherry-pick')
    const favor = flags['strategy-option'] as 'ours' | 'theirs' | undefined
    const res = flags.continue ? await sequenceContinue(repo, 'cherry-pick', {favor}) : flags.skip ? await sequenceSkip(repo, 'cherry-pick') : await cherryPick(repo, {revs: argv as string[], favor, noCommit: flags['no-commit'], mainline: flags.mainline})
    if (!this.isQuiet(flags)) for (const l of describeSequence(res)) this.out(l)
    return res
  }
}
