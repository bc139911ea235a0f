import {Args, Flags} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {stashApply, type StashApplyResult} from '../../core/ops/stash.js'

export default class StashPop extends BlCommand {
  static override summary = 'Apply a stash and drop it (kept when it cannot be applied).'
  static override examples = ['<%= config.bin %> stash pop', '<%= config.bin %> stash pop stash@{1}']
  static override args = {stash: Args.string({description: 'stash@{N} (default: the newest).'})}
  static override flags = {index: Flags.boolean({description: 'Bring the staged changes back staged (refused when they conflict in the index).'})}

  async run(): Promise<StashApplyResult> {
    const {args, flags} = await this.parse(StashPop)
    const res = await stashApply(this.repo(), {stash: args.stash, pop: true, index: flags.index})
    if (!this.isQuiet(flags)) this.out(`Applied and dropped ${res.stash.name} (${res.stash.commit.slice(0, 12)})`)
    return res
  }
}
