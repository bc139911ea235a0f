/**
 * How `bl log` prints a commit: Git's built-in pretty formats (oneline, short, medium, full,
 * fuller) and `--format` templates with Git's placeholders. Presentation only; the entries come
 * from core/ops/log.ts.
 */
import type {Palette} from './color.js'
import {codeLine, formatDate, indent} from './format.js'
import {BlError} from '../core/errors.js'
import type {LogEntry} from '../core/ops/log.js'
import type {Signature} from '../core/objects/commit.js'

export type PrettyName = 'oneline' | 'short' | 'medium' | 'full' | 'fuller'

/** A parsed `--pretty`/`--format` value: a built-in layout or a template. */
export type LogLayout = {kind: 'builtin'; name: PrettyName; abbrev: boolean} | {kind: 'template'; template: string; terminator: boolean}

const BUILTINS: readonly PrettyName[] = ['oneline', 'short', 'medium', 'full', 'fuller']

/** Git's rules: `format:` separates entries, `tformat:` (and a bare string with a `%`) ends each one. */
export function parseLayout(value: string | undefined, oneline: boolean): LogLayout {
  if (value === undefined) return {kind: 'builtin', name: oneline ? 'oneline' : 'medium', abbrev: oneline}
  if ((BUILTINS as readonly string[]).includes(value)) return {kind: 'builtin', name: value as PrettyName, abbrev: oneline}
  if (value.startsWith('format:')) return {kind: 'template', template: value.slice(7), terminator: false}
  if (value.startsWith('tformat:')) return {kind: 'template', template: value.slice(8), terminator: true}
  if (value.includes('%')) return {kind: 'template', template: value, terminator: true}
  throw new BlError('INVALID_ARGUMENT', `invalid --pretty format: ${value}`, {
    hint: `Use one of ${BUILTINS.join(', ')}, or a template such as --format='%h %an %s' (placeholders: docs/decisions.md, "log").`,
    data: {format: value},
  })
}

function decoration(e: LogEntry, paint: Palette): string {
  return e.refs.map((r) => (r.startsWith('tag: ') ? paint.yellow(r) : r.startsWith('HEAD') ? paint.cyan(r) : paint.green(r))).join(', ')
}

const subject = (message: string): string => message.split('\n')[0]!

/** The lines of one entry in a built-in layout (`extra`: signature lines, shown after the commit line). */
export function builtinLines(e: LogEntry, name: PrettyName, abbrev: boolean, paint: Palette, extra: string[] = []): string[] {
  const deco = e.refs.length ? ` (${decoration(e, paint)})` : ''
  const id = abbrev ? e.id.slice(0, 12) : e.id
  if (name === 'oneline') return [...extra, `${paint.yellow(id)}${deco} ${subject(e.message)}`]
  const who = (s: Signature): string => `${s.name} <${s.email}>`
  const head = [
    `${paint.yellow(`commit ${id}`)}${deco}`,
    ...extra,
    ...(e.parents.length > 1 ? [`Merge: ${e.parents.map((p) => p.slice(0, 12)).join(' ')}`] : []),
  ]
  const people =
    name === 'short'
      ? [`Author: ${who(e.author)}`]
      : name === 'medium'
        ? [`Author: ${who(e.author)}`, `Date:   ${formatDate(e.author)}`]
        : name === 'full'
          ? [`Author: ${who(e.author)}`, `Commit: ${who(e.committer)}`]
          : [`Author:     ${who(e.author)}`, `AuthorDate: ${formatDate(e.author)}`, `Commit:     ${who(e.committer)}`, `CommitDate: ${formatDate(e.committer)}`]
  const message = name === 'short' ? subject(e.message) : e.message
  return [...head, ...people, ...codeLine(e.meta), '', indent(message), ''].flatMap((l) => l.split('\n'))
}

/** `2024-05-01 13:00:00 +0200` (%ai) and friends, in the signature's own zone. */
function dateParts(s: Signature): {iso: string; strict: string; day: string; zone: string} {
  const d = new Date((s.time + s.tz * 60) * 1000)
  const sign = s.tz < 0 ? '-' : '+'
  const abs = Math.abs(s.tz)
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  if (!Number.isFinite(d.getTime())) return {iso: `@${s.time}`, strict: `@${s.time}`, day: `@${s.time}`, zone: `${sign}${hh}${mm}`}
  const [day, time] = d.toISOString().slice(0, 19).split('T') as [string, string]
  return {iso: `${day} ${time} ${sign}${hh}${mm}`, strict: `${day}T${time}${sign}${hh}:${mm}`, day, zone: `${sign}${hh}${mm}`}
}

/** `3 days ago`, as Git's %ar / %cr. */
export function relativeDate(time: number, nowSeconds: number): string {
  const diff = nowSeconds - time
  if (diff < 0) return 'in the future'
  const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'} ago`
  if (diff < 90) return plural(diff, 'second')
  if (diff < 90 * 60) return plural(Math.round(diff / 60), 'minute')
  if (diff < 36 * 3600) return plural(Math.round(diff / 3600), 'hour')
  if (diff < 14 * 86_400) return plural(Math.round(diff / 86_400), 'day')
  if (diff < 10 * 7 * 86_400) return plural(Math.round(diff / (7 * 86_400)), 'week')
  if (diff < 365 * 86_400) return plural(Math.round(diff / (30 * 86_400)), 'month')
  return plural(Math.round(diff / (365 * 86_400)), 'year')
}

/**
 * Expands Git's placeholders in `template` for one entry: %H %h %T %t %P %p, %an %ae %ad %aD %at
 * %ai %aI %as %ar and the same with c for the committer, %s %b %B, %d %D, %n %% %x<hh>, and
 * bl's %(meta:<key>) for commit metadata (e.g. %(meta:git.commit), the linked code commit).
 * An unknown placeholder is printed as written, as Git does.
 */
export function expandTemplate(template: string, e: LogEntry, nowSeconds: number, paint: Palette): string {
  const sig = (s: Signature, k: string): string | undefined => {
    const p = dateParts(s)
    switch (k) {
      case 'n':
        return s.name
      case 'e':
        return s.email
      case 'd':
      case 'D':
        return formatDate(s)
      case 't':
        return String(s.time)
      case 'i':
        return p.iso
      case 'I':
        return p.strict
      case 's':
        return p.day
      case 'r':
        return relativeDate(s.time, nowSeconds)
      default:
        return undefined
    }
  }
  const body = (): string => {
    const lines = e.message.replace(/\n+$/, '').split('\n')
    const rest = lines.slice(1)
    while (rest.length && rest[0] === '') rest.shift()
    return rest.length ? `${rest.join('\n')}\n` : ''
  }
  return template.replace(/%(\((meta):([^)]*)\)|x([0-9a-fA-F]{2})|[ac][nedDtiIsr]|[HhTtPpsbBdDn%])/g, (all, token: string, _m, metaKey: string | undefined, hex: string | undefined) => {
    if (metaKey !== undefined) return e.meta[metaKey] ?? ''
    if (hex !== undefined) return String.fromCharCode(parseInt(hex, 16))
    if (token.length === 2 && (token[0] === 'a' || token[0] === 'c')) return sig(token[0] === 'a' ? e.author : e.committer, token[1]!) ?? all
    switch (token) {
      case 'H':
        return e.id
      case 'h':
        return e.id.slice(0, 12)
      case 'T':
        return e.tree
      case 't':
        return e.tree.slice(0, 12)
      case 'P':
        return e.parents.join(' ')
      case 'p':
        return e.parents.map((p) => p.slice(0, 12)).join(' ')
      case 's':
        return subject(e.message)
      case 'b':
        return body()
      case 'B':
        return e.message.endsWith('\n') ? e.message : `${e.message}\n`
      case 'd':
        return e.refs.length ? ` (${decoration(e, paint)})` : ''
      case 'D':
        return decoration(e, paint)
      case 'n':
        return '\n'
      case '%':
        return '%'
      default:
        return all
    }
  })
}
