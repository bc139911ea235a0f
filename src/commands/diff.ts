import {Flags} from '@oclif/core'
import {splitDashDash} from '../cli/args.js'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {diff, type DiffResult} from '../core/ops/diff.js'
import {quotePath} from '../core/worktree/paths.js'

export default class Diff extends BlCommand {
  static override summary = 'Show changes between commits, the index and the work tree.'
  static override description = `Without revisions: work tree vs index. --cached: HEAD (or <rev>) vs index. One revision: that commit vs the work tree. Two (or A..B): commit vs commit.
Output is one line per changed path with sizes; a moved file shows as a rename (R) because its id is unchanged.`
  static override examples = ['<%= config.bin %> diff', '<%= config.bin %> diff --cached', '<%= config.bin %> diff HEAD~1 HEAD --stat', '<%= config.bin %> diff v1 v2 --name-status -- images/']
  static override strict = false
  static override flags = {
    cached: Flags.boolean({description: 'Compare the index with HEAD (or the given revision).', aliases: ['staged']}),
    stat: Flags.boolean({description: 'Per-path size change and a summary line.'}),
    'name-status': Flags.boolean({description: 'Status letter and path only.'}),
    'name-only': Flags.boolean({description: 'Paths only.'}),
  }

  async run(): Promise<DiffResult> {
    const {flags} = await this.parse(Diff)
    const {before, after} = splitDashDash(this.argv)
    const res = diff(this.repo(), {revs: before, cached: flags.cached, paths: after})
    if (this.jsonEnabled()) return res
    for (const c of res.conflicts ?? []) {
      const v = (name: string, e: NonNullable<DiffResult['conflicts']>[number]['base']): string => `${name} ${e ? `${e.id.slice(0, 12)} (${formatBytes(e.size)})${e.path !== c.path ? ` at ${quotePath(e.path)}` : ''}` : '-'}`
      this.out(`U  ${quotePath(c.path)}  ${c.kind}  ${v('base', c.base)}  ${v('ours', c.ours)}  ${v('theirs', c.theirs)}`)
    }
    const label = (c: DiffResult['changes'][number]): string => (c.oldPath ? `${quotePath(c.oldPath)} -> ${quotePath(c.path)}` : quotePath(c.path))
    if (flags['name-only']) for (const c of res.changes) this.out(quotePath(c.path))
    else if (flags['name-status']) for (const c of res.changes) this.out(c.oldPath ? `R\t${quotePath(c.oldPath)}\t${quotePath(c.path)}` : `${c.status}\t${quotePath(c.path)}`)
    else if (flags.stat) {
      let grow = 0
      for (const c of res.changes) {
        const a = c.old?.size ?? 0
        const b = c.new?.size ?? 0
        grow += b - a
        this.out(` ${label(c)} | ${c.status === 'R' ? 'renamed' : `${formatBytes(a)} -> ${formatBytes(b)}`}`)
      }
      if (res.changes.length) this.out(` ${res.changes.length} path${res.changes.length === 1 ? '' : 's'} changed, ${grow >= 0 ? '+' : '-'}${formatBytes(Math.abs(grow))}`)
    } else {
      for (const c of res.changes) {
        const sizes = c.status === 'A' ? formatBytes(c.new!.size) : c.status === 'D' ? formatBytes(c.old!.size) : c.status === 'R' ? formatBytes(c.new!.size) : `${formatBytes(c.old!.size)} -> ${formatBytes(c.new!.size)}`
        const ids = `${c.old ? c.old.id.slice(0, 12) : '0'.repeat(12)}..${c.new ? c.new.id.slice(0, 12) : '0'.repeat(12)}`
        this.out(`${c.status}  ${label(c)}  ${ids}  (${sizes})`)
      }
    }
    return res
  }
}
