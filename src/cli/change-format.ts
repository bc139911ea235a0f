/** Text lines for a list of changed paths, shared by `bl diff` and `bl log --stat/--name-status/--name-only`. */
import {formatBytes} from './format.js'
import {columnChangesText} from './row-diff-format.js'
import type {Change} from '../core/diff/diff.js'
import type {ColumnChanges} from '../core/tables/row-diff.js'
import {quotePath} from '../core/worktree/paths.js'

export type ChangeStyle = 'name-only' | 'name-status' | 'stat' | 'long'

/** A rename that also changed the file (found by similarity, score below 100). */
const edited = (c: Change): boolean => c.status === 'R' && c.score !== undefined && c.score < 100

const label = (c: Change): string => (c.oldPath ? `${quotePath(c.oldPath)} -> ${quotePath(c.path)}` : quotePath(c.path))

/** One line per change (plus a summary line for `stat`); `schema` adds a table's column changes to its `stat` line. */
export function changeLines(changes: readonly Change[], style: ChangeStyle, schema: ReadonlyMap<string, ColumnChanges> = new Map()): string[] {
  if (style === 'name-only') return changes.map((c) => quotePath(c.path))
  if (style === 'name-status') return changes.map((c) => (c.oldPath ? `R${String(c.score ?? 100).padStart(3, '0')}\t${quotePath(c.oldPath)}\t${quotePath(c.path)}` : `${c.status}\t${quotePath(c.path)}`))
  if (style === 'stat') {
    let grow = 0
    const out = changes.map((c) => {
      const a = c.old?.size ?? 0
      const b = c.new?.size ?? 0
      grow += b - a
      const note = schema.get(c.path)
      return ` ${label(c)} | ${c.status === 'R' && !edited(c) ? 'renamed' : `${edited(c) ? `renamed, ${c.score}% similar, ` : ''}${formatBytes(a)} -> ${formatBytes(b)}`}${note ? ` | schema: ${columnChangesText(note, '->')}` : ''}`
    })
    if (changes.length) out.push(` ${changes.length} path${changes.length === 1 ? '' : 's'} changed, ${grow >= 0 ? '+' : '-'}${formatBytes(Math.abs(grow))}`)
    return out
  }
  return changes.map((c) => {
    const sizes = c.status === 'A' ? formatBytes(c.new!.size) : c.status === 'D' ? formatBytes(c.old!.size) : c.status === 'R' && !edited(c) ? formatBytes(c.new!.size) : edited(c) ? `${formatBytes(c.old!.size)} -> ${formatBytes(c.new!.size)}, ${c.score}% similar` : `${formatBytes(c.old!.size)} -> ${formatBytes(c.new!.size)}`
    const ids = `${c.old ? c.old.id.slice(0, 12) : '0'.repeat(12)}..${c.new ? c.new.id.slice(0, 12) : '0'.repeat(12)}`
    // A mode-only change would otherwise read as a modification to the same bytes.
    const mode = c.old && c.new && c.old.exec !== c.new.exec ? `  mode ${c.old.exec ? '100755' : '100644'} -> ${c.new.exec ? '100755' : '100644'}` : ''
    return `${c.status}  ${label(c)}  ${ids}  (${sizes})${mode}`
  })
}
