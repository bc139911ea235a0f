/** Small text formatters shared by commands (no domain logic). */
import type {Signature} from '../core/objects/commit.js'
import {readCodeLink} from '../core/gitlink/code-link.js'

export function formatDate(s: Signature): string {
  const d = new Date((s.time + s.tz * 60) * 1000)
  const sign = s.tz < 0 ? '-' : '+'
  const abs = Math.abs(s.tz)
  const tz = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`
  // A time no Date holds (a commit from another tool, or a hostile one) shows as its raw seconds.
  if (!Number.isFinite(d.getTime())) return `@${s.time} ${tz}`
  return `${d.toUTCString().replace(' GMT', '')} ${tz}`
}

export {formatBytes} from '../core/units.js'

export function indent(text: string, pad = '    '): string {
  return text.replace(/\n$/, '').split('\n').map((l) => pad + l).join('\n')
}

/** `Code:   <sha> (branch, dirty)` for a commit linked to a Git commit of the code (none otherwise). */
export function codeLine(meta: Record<string, string>): string[] {
  const link = readCodeLink(meta)
  if (!link) return []
  const notes = [link.branch, link.dirty ? 'dirty' : null].filter(Boolean)
  return [`Code:   ${link.commit}${notes.length ? ` (${notes.join(', ')})` : ''}`]
}
