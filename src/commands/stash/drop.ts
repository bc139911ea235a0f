import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {stashDrop, type StashEntry} from '../../core/ops/stash.js'

export default class StashDrop extends BlCommand {
  static override summary = 'Delete one stash (the newest by default).'
  static override description = 'The others keep their order (stash@{N+1} becomes stash@{N}); the dropped commit goes at the next `bl gc`.'
  static override examples = ['<%= config.bin %> stash drop', '<%= config.bin %> stash drop stash@{3}']
  static override args = {stash: Args.string({description: 'stash@{N} (default: the newest).'})}

  async run(): Promise<{dropped: StashEntry}> {
    const {args, flags} = await this.parse(StashDrop)
    const res = stashDrop(this.repo(), args.stash)
    if (!this.isQuiet(flags)) this.out(`Dropped ${res.dropped.name} (${res.dropped.commit.slice(0, 12)})`)
    return res
  }
}
