import {Args, Flags} from '#oclif'
import {splitDashDash} from '../../cli/args.js'
import {BlCommand} from '../../cli/base-command.js'
import {BlError} from '../../core/errors.js'
import {stashPush, type StashPushResult} from '../../core/ops/stash.js'

export default class StashPush extends BlCommand {
  static override summary = 'Put local changes aside and go back to HEAD.'
  static override description = 'Saves the staged and unstaged changes of tracked files (with -u also untracked files) as a new stash, stash@{0}, then resets the index and work tree to HEAD. Untracked files stay unless -u. Ignored files always stay.'
  static override examples = [
    '<%= config.bin %> stash push',
    '<%= config.bin %> stash push -m "half-done relabel"',
    '<%= config.bin %> stash push -u',
    '<%= config.bin %> stash push -- labels/ notes.md',
    '<%= config.bin %> stash push --keep-index',
  ]
  static override strict = false
  /** `bl stash` alone: paths only after `--`. */
  static pathsAfterDashDashOnly = false
  static override args = {paths: Args.string({description: 'Pathspecs: stash (and reset) only these paths; everything else stays as it is.'})}
  static override flags = {
    message: Flags.string({char: 'm', description: 'Describe the stash (default: WIP on <branch>: <commit>).'}),
    'include-untracked': Flags.boolean({char: 'u', description: 'Stash untracked files too (they are removed from the work tree).'}),
    'keep-index': Flags.boolean({char: 'k', description: 'Keep the staged changes in the index and the work tree (they are saved in the stash too).'}),
  }

  async run(): Promise<StashPushResult> {
    const {flags} = await this.parse(StashPush)
    const {before, after} = splitDashDash(this.argv, ['-m', '--message'])
    // `bl stash <word>` is a mistyped sub-command more often than a path (Git refuses it too).
    if ((this.constructor as typeof StashPush).pathsAfterDashDashOnly && before.length)
      throw new BlError('INVALID_ARGUMENT', `unknown stash sub-command '${before[0]}'`, {hint: 'Sub-commands: push, list, show, apply, pop, drop, clear, branch. To stash some paths: bl stash -- <paths> (or bl stash push <paths>).', data: {arg: before[0]}})
    const res = await stashPush(this.repo(), {message: flags.message, includeUntracked: flags['include-untracked'], keepIndex: flags['keep-index'], paths: [...before, ...after]})
    if (!this.isQuiet(flags)) this.out(res.saved ? `Saved working directory and index state ${res.saved.message}` : 'No local changes to save')
    return res
  }
}
