/**
 * bl.lock: the data version a code repository uses (docs/format/bl-lock.md). One `key value` per
 * line in a fixed order, so it reads well and diffs cleanly in code review; `#` comments and blank
 * lines are ignored. Decoding is strict: unknown or repeated keys, a bad id or a missing field is
 * a BAD_LOCK error naming the line.
 */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'

export const LOCK_FILE = 'bl.lock'
const VERSION = '1'
const MAX_LOCK = 64 * 1024

export interface Lock {
  /** Remote URL (never with credentials) and the options needed to reach it. */
  remote: string
  endpoint: string | null
  region: string | null
  pathStyle: boolean | null
  branch: string
  commit: Oid
  /** The data work tree, relative to the directory holding bl.lock (`.` = the same). */
  path: string
  /** Fingerprint of the key that signed the pinned commit; `--locked` requires that signature. */
  signedBy: string | null
}

const ORDER = ['version', 'remote', 'endpoint', 'region', 'path-style', 'branch', 'commit', 'path', 'signed-by'] as const
type Key = (typeof ORDER)[number]

export function encodeLock(l: Lock): string {
  const fields: Array<[Key, string | null]> = [
    ['version', VERSION],
    ['remote', l.remote],
    ['endpoint', l.endpoint],
    ['region', l.region],
    ['path-style', l.pathStyle === null ? null : String(l.pathStyle)],
    ['branch', l.branch],
    ['commit', l.commit],
    ['path', l.path],
    ['signed-by', l.signedBy],
  ]
  for (const [k, v] of fields) if (v !== null && (v === '' || /[\r\n\0]/.test(v) || v !== v.trim())) throw new BlError('BAD_LOCK', `cannot write ${k} ${JSON.stringify(v)} to ${LOCK_FILE}`, {hint: 'Values must be one line without leading or trailing spaces.'})
  const head = [
    '# bl.lock: the data version this code uses. Written by `bl pin`; commit it with the code.',
    '# `bl clone --locked`, `bl pull --locked` and `bl checkout --locked` reproduce exactly this data.',
  ]
  return [...head, ...fields.filter(([, v]) => v !== null).map(([k, v]) => `${k} ${v}`)].join('\n') + '\n'
}

export function decodeLock(text: string, file = LOCK_FILE): Lock {
  const bad = (line: number, why: string): BlError =>
    new BlError('BAD_LOCK', `${file}:${line}: ${why}`, {hint: 'Fix the line, or write the file again with `bl pin`.', data: {file, line}})
  if (text.length > MAX_LOCK) throw bad(0, `larger than ${MAX_LOCK} bytes`)
  const seen = new Map<Key, string>()
  const lineOf = new Map<Key, number>()
  const lines = text.split('\n')
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line.trim() === '' || line.trimStart().startsWith('#')) return
    const m = /^([a-z-]+) (\S(?:.*\S)?)$/.exec(line)
    if (!m) throw bad(i + 1, 'expected "<key> <value>"')
    const key = m[1] as Key
    if (!ORDER.includes(key)) throw bad(i + 1, `unknown key "${m[1]}"`)
    if (seen.has(key)) throw bad(i + 1, `"${key}" given twice`)
    if (/[\0-\x1f\x7f]/.test(m[2]!)) throw bad(i + 1, `control character in "${key}"`)
    seen.set(key, m[2]!)
    lineOf.set(key, i + 1)
  })
  // A bad value names its own line; a missing key has none (line 0).
  const badValue = (k: Key, why: string): BlError => bad(lineOf.get(k) ?? 0, why)
  const need = (k: Key): string => {
    const v = seen.get(k)
    if (v === undefined) throw bad(0, `missing "${k}"`)
    return v
  }
  if (need('version') !== VERSION) throw badValue('version', `version ${seen.get('version')} is not supported (this bl reads version ${VERSION})`)
  const commit = need('commit')
  if (!/^[0-9a-f]{64}$/.test(commit)) throw badValue('commit', 'commit is not a 64-digit lowercase hex id')
  const pathStyle = seen.get('path-style')
  if (pathStyle !== undefined && pathStyle !== 'true' && pathStyle !== 'false') throw badValue('path-style', 'path-style must be true or false')
  const dataPath = need('path')
  if (dataPath.split('/').includes('..') || dataPath.startsWith('/')) throw badValue('path', `path "${dataPath}" must stay inside the directory of ${LOCK_FILE}`)
  const signedBy = seen.get('signed-by') ?? null
  if (signedBy !== null && !/^[0-9a-f]{40,64}$/.test(signedBy)) throw badValue('signed-by', 'signed-by is not a key fingerprint')
  return {
    remote: need('remote'),
    endpoint: seen.get('endpoint') ?? null,
    region: seen.get('region') ?? null,
    pathStyle: pathStyle === undefined ? null : pathStyle === 'true',
    branch: need('branch'),
    commit: commit as Oid,
    path: dataPath,
    signedBy,
  }
}
