import {Args, Flags} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {stashApply, type StashApplyResult} from '../../core/ops/stash.js'

export default class StashApply extends BlCommand {
  static override summary = 'Bring a stash\'s changes back onto the work tree, keeping the stash.'
  static override description = 'A three-way merge of the stash against the commit it was made on, applied to HEAD. Changes come back unstaged, files the stash added staged. Needs a clean index; when the stash would conflict (with HEAD or local changes) nothing changes (exit 5).'
  static override examples = ['<%= config.bin %> stash apply', '<%= config.bin %> stash apply stash@{2}']
  static override args = {stash: Args.string({description: 'stash@{N} (default: the newest).'})}
  static override flags = {index: Flags.boolean({description: 'Bring the staged changes back staged (refused when they conflict in the index).'})}

  async run(): Promise<StashApplyResult> {
    const {args, flags} = await this.parse(StashApply)
    const res = await stashApply(this.repo(), {stash: args.stash, index: flags.index})
    if (!this.isQuiet(flags)) this.out(`Applied ${res.stash.name} (${res.changed.length} path${res.changed.length === 1 ? '' : 's'})`)
    return res
  }
}
