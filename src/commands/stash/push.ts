import {Flags} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {stashPush, type StashPushResult} from '../../core/ops/stash.js'

export default class StashPush extends BlCommand {
  static override summary = 'Put local changes aside and go back to HEAD.'
  static override description = 'Saves the staged and unstaged changes of tracked files (with -u also untracked files) as a new stash, stash@{0}, then resets the index and work tree to HEAD. Untracked files stay unless -u. Ignored files always stay.'
  static override examples = ['<%= config.bin %> stash push', '<%= config.bin %> stash push -m "half-done relabel"', '<%= config.bin %> stash push -u']
  static override flags = {
    message: Flags.string({char: 'm', description: 'Describe the stash (default: WIP on <branch>: <commit>).'}),
    'include-untracked': Flags.boolean({char: 'u', description: 'Stash untracked files too (they are removed from the work tree).'}),
  }

  async run(): Promise<StashPushResult> {
    const {flags} = await this.parse(StashPush)
    const res = await stashPush(this.repo(), {message: flags.message, includeUntracked: flags['include-untracked']})
    if (!this.isQuiet(flags)) this.out(res.saved ? `Saved working directory and index state ${res.saved.message}` : 'No local changes to save')
    return res
  }
}
