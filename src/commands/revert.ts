import {Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {describeSequence, sequenceFlags} from '../cli/sequence-command.js'
import {revert, sequenceAbort, sequenceContinue, sequenceSkip, type SequenceResult} from '../core/ops/sequence.js'

export default class Revert extends BlCommand {
  static override summary = 'Make new commits that undo existing ones.'
  static override description = 'Each named commit is undone by a new commit ("Revert ..."); the history is kept. Conflicts stop with exit code 3, as bl merge does.'
  static override examples = ['<%= config.bin %> revert HEAD', '<%= config.bin %> revert --no-commit a1b2c3d4', '<%= config.bin %> revert --continue', '<%= config.bin %> revert --skip', '<%= config.bin %> revert -m 1 <merge-commit>']
  static override strict = false
  static override flags = {
    ...sequenceFlags,
    mainline: Flags.integer({char: 'm', min: 1, description: 'For a merge commit: undo its change relative to this parent (1 = the branch it was merged into).', exclusive: ['continue', 'abort', 'skip']}),
    'no-commit': Flags.boolean({char: 'n', description: 'Apply the inverse changes to the index and work tree without committing (one commit only).'}),
  }

  async run(): Promise<SequenceResult | {aborted: string; head: string}> {
    const {argv, flags} = await this.parse(Revert)
    const repo = this.repo()
    if (flags.abort) return await sequenceAbort(repo, 'revert')
    const favor = flags['strategy-option'] as 'ours' | 'theirs' | undefined
    const res = flags.continue ? await sequenceContinue(repo, 'revert', {favor}) : flags.skip ? await sequenceSkip(repo, 'revert') : await revert(repo, {revs: argv as string[], favor, noCommit: flags['no-commit'], mainline: flags.mainline})
    if (!this.isQuiet(flags)) for (const l of describeSequence(res)) this.out(l)
    return res
  }
}
