/**
 * bl shortlog: the commits of a history grouped by author (or committer), as Git's shortlog
 * summarises who contributed what: names in byte order (by count with `numbered`), each one's
 * subjects oldest first.
 */
import {log, type LogOptions} from './log.js'
import type {Repo} from '../repo.js'

export interface ShortlogGroup {
  /** The name, or with `email` "Name <email>" (what the commits are grouped by). */
  who: string
  count: number
  /** Subjects (first message lines), oldest first. */
  subjects: string[]
}

export interface ShortlogOptions extends Omit<LogOptions, 'changes' | 'reverse' | 'follow' | 'renames'> {
  /** Group by committer instead of author (Git's -c). */
  committer?: boolean
  /** Group by name and email (Git's -e). */
  email?: boolean
  /** Most commits first (Git's -n); else by name. */
  numbered?: boolean
}

export function shortlog(repo: Repo, opts: ShortlogOptions): ShortlogGroup[] {
  const groups = new Map<string, ShortlogGroup>()
  // log lists newest first; Git's shortlog shows each one's subjects oldest first.
  for (const e of log(repo, opts).reverse()) {
    const sig = opts.committer ? e.committer : e.author
    const who = opts.email ? `${sig.name} <${sig.email}>` : sig.name
    let g = groups.get(who)
    if (!g) groups.set(who, (g = {who, count: 0, subjects: []}))
    g.count++
    g.subjects.push(shortlogSubject(e.message))
  }
  const byName = (a: ShortlogGroup, b: ShortlogGroup): number => Buffer.compare(Buffer.from(a.who), Buffer.from(b.who))
  return [...groups.values()].sort((a, b) => (opts.numbered ? b.count - a.count || byName(a, b) : byName(a, b)))
}

/**
 * Git's shortlog line for a message: its first paragraph on one line (lines joined by spaces),
 * without a leading `[PATCH...]` tag or leading white space.
 */
export function shortlogSubject(message: string): string {
  const para = message.replace(/^\s*\n/u, '').split(/\n[ \t]*\n/u)[0] ?? ''
  let line = para
    .split('\n')
    .map((l) => l.trim())
    .join(' ')
    .trim()
  if (line.startsWith('[PATCH')) {
    const end = line.indexOf(']')
    if (end >= 0) line = line.slice(end + 1).trimStart()
  }
  return line
}
