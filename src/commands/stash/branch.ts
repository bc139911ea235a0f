import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {stashBranch, type StashApplyResult} from '../../core/ops/stash.js'

export default class StashBranch extends BlCommand {
  static override summary = 'Create a branch at the commit a stash was made on, and pop the stash there.'
  static override description = 'The new branch starts where the stash was made, so the stash applies without conflicts (its staged part staged); it is then dropped. The way out when a stash no longer applies to HEAD.'
  static override examples = ['<%= config.bin %> stash branch relabel', '<%= config.bin %> stash branch relabel stash@{1}']
  static override args = {
    branch: Args.string({description: 'Name of the new branch.', required: true}),
    stash: Args.string({description: 'stash@{N} (default: the newest).'}),
  }

  async run(): Promise<StashApplyResult & {branch: string}> {
    const {args, flags} = await this.parse(StashBranch)
    const res = await stashBranch(this.repo(), args.branch, args.stash)
    if (!this.isQuiet(flags)) this.out(`Switched to a new branch '${res.branch}' and dropped ${res.stash.name} (${res.stash.commit.slice(0, 12)})`)
    return res
  }
}
