import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {stashShow} from '../../core/ops/stash.js'
import {quotePath} from '../../core/worktree/paths.js'

export default class StashShow extends BlCommand {
  static override summary = 'Show the paths a stash changes (status letter and path).'
  static override examples = ['<%= config.bin %> stash show', '<%= config.bin %> stash show stash@{1} --json', '<%= config.bin %> diff stash@{0}^1 stash@{0} --stat']
  static override args = {stash: Args.string({description: 'stash@{N} (default: the newest).'})}

  async run(): Promise<ReturnType<typeof stashShow>> {
    const {args} = await this.parse(StashShow)
    const res = stashShow(this.repo(), args.stash)
    for (const c of res.changes) this.out(c.oldPath ? `R\t${quotePath(c.oldPath)}\t${quotePath(c.path)}` : `${c.status}\t${quotePath(c.path)}`)
    return res
  }
}
