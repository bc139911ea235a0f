/**
 * Schema pins (docs/tables.md, "Schema pins"): the expected columns of the tables matching a path
 * pattern, kept in `.blschema` at the repository root — a committed file, like `.gitattributes`,
 * so pins travel with history, every clone enforces them, and a change to a pin is itself a commit.
 * Each commit is judged by the `.blschema` of its own tree: the tables it adds or changes against
 * its first parent (all matching tables when `.blschema` itself changed) must conform, else the
 * commit is refused with SCHEMA_VIOLATION (exit 13); `bl verify` reports history that does not.
 */
import {BlError, describeJson, isBlError, printable} from '../errors.js'
import type {Oid} from '../hash.js'
import type {Commit} from '../objects/commit.js'
import {loadCommit, readFileBytes} from '../odb.js'
import type {Repo} from '../repo.js'
import {lookupPath} from '../tree-build.js'
import {diffTrees} from '../tree-ops.js'
import {underSpec} from '../worktree/paths.js'
import {widen} from '../tables/infer.js'
import type {ColumnSchema, TableStats} from '../tables/stats.js'
import type {ColumnType} from '../tables/types.js'
import {ensureContent} from '../ops/content.js'
import {statsOfBlob} from '../ops/tables.js'

import {hasPinsFile, PINS_FILE} from './pins-file.js'

export {hasPinsFile, PINS_FILE}
const VERSION = 1
/** A pin file bigger than this is not one bl reads (pins are a few KiB). */
const MAX_PINS_BYTES = 16 * 1024 * 1024

const COLUMN_TYPES: readonly ColumnType[] = ['null', 'boolean', 'integer', 'number', 'date', 'timestamp', 'string', 'json']

export interface SchemaPin {
  /** Repository-relative path pattern, matched as pathspecs are (`*` crosses `/`; a directory matches what is below it). */
  pattern: string
  /** Also refuse nulls in columns pinned `nullable: false`. */
  strict: boolean
  columns: ColumnSchema[]
}

export interface PinsFile {
  version: typeof VERSION
  /** Sorted by pattern; patterns are unique. */
  pins: SchemaPin[]
}

export type PinProblem = 'missing' | 'extra' | 'retyped' | 'nulls' | 'unreadable' | 'invalid-pins'

export interface PinViolation {
  path: string
  /** The pattern of the pin broken (null for `invalid-pins`: the pin file itself). */
  pattern: string | null
  /** null when the whole table is concerned (unreadable). */
  column: string | null
  problem: PinProblem
  /** The pinned type (missing, retyped), `non-null` (nulls), else null. */
  expected: string | null
  /** The type found (extra, retyped), `<n> nulls` (nulls), the error message (unreadable, invalid-pins), else null. */
  actual: string | null
  /** One line: `data/a.csv: column "price": retyped (pinned integer, found string)`. */
  message: string
}

export function emptyPins(): PinsFile {
  return {version: VERSION, pins: []}
}

// ---- the file --------------------------------------------------------------------------------------

/** Canonical text: sorted keys, two-space indent, pins sorted by pattern, a trailing newline. */
export function encodePins(f: PinsFile): string {
  const pins = [...f.pins]
    .sort((a, b) => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0))
    .map((p) => ({columns: p.columns.map((c) => ({name: c.name, nullable: c.nullable, type: c.type})), pattern: p.pattern, strict: p.strict}))
  return JSON.stringify({pins, version: f.version}, null, 2) + '\n'
}

/** Normalizes a pattern as written in the file or given to `bl schema pin` (already repo-relative). */
export function normalizePattern(p: string): string {
  return p.replace(/^(\.\/)+/, '').replace(/\/+$/, '')
}

/** Strict decoding: any unknown key, wrong type or duplicate is BAD_CONFIG naming the place. */
export function decodePins(bytes: Buffer | string, where: string): PinsFile {
  const bad = (at: string, problem: string): BlError =>
    new BlError('BAD_CONFIG', `${where}: ${at ? `${at}: ` : ''}${problem}`, {
      hint: `${PINS_FILE} holds {"version": 1, "pins": [{"pattern", "strict", "columns": [{"name", "type", "nullable"}]}]} (docs/tables.md, "Schema pins"); fix it, or rewrite a pin with \`bl schema pin\`.`,
      data: {file: PINS_FILE, where, at},
    })
  let text: string
  try {
    text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', {fatal: true}).decode(bytes)
  } catch {
    throw bad('', 'not valid UTF-8')
  }
  let doc: unknown
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (err) {
    throw bad('', `not valid JSON (${(err as Error).message})`)
  }
  const object = (v: unknown, at: string, keys: string[]): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(at, `expected an object, got ${describeJson(v)}`)
    const o = v as Record<string, unknown>
    for (const k of Object.keys(o)) if (!keys.includes(k)) throw bad(at, `unknown key ${describeJson(k)} (expected ${keys.join(', ')})`)
    for (const k of keys) if (!(k in o)) throw bad(at, `missing key "${k}"`)
    return o
  }
  const top = object(doc, '', ['version', 'pins'])
  if (top.version !== VERSION)
    throw bad('version', typeof top.version === 'number' && Number.isInteger(top.version) && top.version > VERSION ? `${top.version} is newer than this bl reads (1); upgrade bl` : `expected 1, got ${describeJson(top.version)}`)
  if (!Array.isArray(top.pins)) throw bad('pins', `expected an array, got ${describeJson(top.pins)}`)
  const seen = new Set<string>()
  const pins = top.pins.map((raw, i): SchemaPin => {
    const at = `pins[${i}]`
    const p = object(raw, at, ['pattern', 'strict', 'columns'])
    if (typeof p.pattern !== 'string' || normalizePattern(p.pattern) === '') throw bad(`${at}.pattern`, `expected a non-empty path pattern, got ${describeJson(p.pattern)}`)
    const pattern = normalizePattern(p.pattern)
    if (pattern.startsWith('/') || pattern.split('/').some((s) => s === '..' || s === '.'))
      throw bad(`${at}.pattern`, `${describeJson(p.pattern)} is not a repository-relative pattern (no leading /, no . or .. segments)`)
    if (seen.has(pattern)) throw bad(`${at}.pattern`, `${describeJson(pattern)} is pinned twice`)
    seen.add(pattern)
    if (typeof p.strict !== 'boolean') throw bad(`${at}.strict`, `expected true or false, got ${describeJson(p.strict)}`)
    if (!Array.isArray(p.columns)) throw bad(`${at}.columns`, `expected an array, got ${describeJson(p.columns)}`)
    const names = new Set<string>()
    const columns = p.columns.map((rc, j): ColumnSchema => {
      const cat = `${at}.columns[${j}]`
      const c = object(rc, cat, ['name', 'type', 'nullable'])
      if (typeof c.name !== 'string') throw bad(`${cat}.name`, `expected a string, got ${describeJson(c.name)}`)
      if (names.has(c.name)) throw bad(`${cat}.name`, `column ${describeJson(c.name)} is listed twice`)
      names.add(c.name)
      if (typeof c.type !== 'string' || !COLUMN_TYPES.includes(c.type as ColumnType))
        throw bad(`${cat}.type`, `${describeJson(c.type)} is not a column type (${COLUMN_TYPES.join(', ')})`)
      if (typeof c.nullable !== 'boolean') throw bad(`${cat}.nullable`, `expected true or false, got ${describeJson(c.nullable)}`)
      return {name: c.name, type: c.type as ColumnType, nullable: c.nullable}
    })
    return {pattern, strict: p.strict, columns}
  })
  return {version: VERSION, pins: pins.sort((a, b) => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0))}
}

/** The pins of a committed tree (null when it has no `.blschema`); `where` names it in errors. */
export async function pinsOfTree(repo: Repo, tree: Oid | null, where: string): Promise<PinsFile | null> {
  if (!tree) return null
  const e = lookupPath(repo.store, tree, PINS_FILE)
  if (!e) return null
  if (e.kind !== 'file') throw new BlError('BAD_CONFIG', `${where}: is a ${e.kind === 'dir' ? 'directory' : 'symbolic link'}, not a file`, {hint: `Schema pins live in the file ${PINS_FILE} at the repository root.`, data: {file: PINS_FILE, where}})
  if (e.size > MAX_PINS_BYTES) throw new BlError('BAD_CONFIG', `${where}: ${e.size} bytes; a pin file holds at most ${MAX_PINS_BYTES}`, {hint: 'Pin fewer, wider patterns.', data: {file: PINS_FILE, where}})
  await ensureContent(repo, [e.id])
  return decodePins(readFileBytes(repo.store, e.id), where)
}

/** The pins that apply to a path: every pin whose pattern matches it. */
export function pinsFor(pins: PinsFile, path: string): SchemaPin[] {
  return pins.pins.filter((p) => underSpec(path, p.pattern))
}

// ---- conformance -----------------------------------------------------------------------------------

const q = (name: string): string => JSON.stringify(printable(name, 200))

/**
 * How a table's columns break a pin: a pinned column missing, a column not in the pin, a type the
 * pinned type cannot hold (`widen(pinned, actual) !== pinned`; a column pinned `null` — pinned from
 * a column with no values — holds any type), and with `strict` nulls in a non-null column.
 */
export function conformance(pin: SchemaPin, path: string, stats: Pick<TableStats, 'columns'>): PinViolation[] {
  const out: PinViolation[] = []
  const actual = new Map(stats.columns.map((c) => [c.name, c]))
  const v = (column: string, problem: PinProblem, expected: string | null, found: string | null, detail: string): void =>
    void out.push({path, pattern: pin.pattern, column, problem, expected, actual: found, message: `${printable(path)}: column ${q(column)}: ${problem} (${detail})`})
  for (const p of pin.columns) {
    const a = actual.get(p.name)
    if (!a) {
      v(p.name, 'missing', p.type, null, `pinned ${p.type}`)
      continue
    }
    if (p.type !== 'null' && widen(p.type, a.type) !== p.type) v(p.name, 'retyped', p.type, a.type, `pinned ${p.type}, found ${a.type}`)
    if (pin.strict && !p.nullable && a.nulls > 0) v(p.name, 'nulls', 'non-null', `${a.nulls} null${a.nulls === 1 ? '' : 's'}`, `pinned non-null, found ${a.nulls} null${a.nulls === 1 ? '' : 's'}`)
  }
  const pinned = new Set(pin.columns.map((c) => c.name))
  for (const a of stats.columns) if (!pinned.has(a.name)) v(a.name, 'extra', null, a.type, `found ${a.type}, not in the pin`)
  return out
}

/** A matching file that is not a readable table. */
function unreadable(pin: SchemaPin, path: string, err: BlError): PinViolation {
  return {path, pattern: pin.pattern, column: null, problem: 'unreadable', expected: null, actual: err.message, message: `${printable(path)}: unreadable (${err.message})`}
}

/**
 * The violations of the tables in `tree` against the tree's own pins: those added or changed
 * against `parentTree` (every matching table when `.blschema` changed). Statistics are the cached
 * ones of each file id (`statsOfBlob`), so a table is read once whatever commits hold it.
 */
export async function treeViolations(repo: Repo, tree: Oid, parentTree: Oid | null, where: string): Promise<PinViolation[]> {
  const pins = await pinsOfTree(repo, tree, where)
  if (!pins || pins.pins.length === 0) return []
  const pinsId = lookupPath(repo.store, tree, PINS_FILE)?.id
  const pinsChanged = !parentTree || lookupPath(repo.store, parentTree, PINS_FILE)?.id !== pinsId
  const {before, after} = diffTrees(repo.store, pinsChanged ? null : parentTree, tree)
  const out: PinViolation[] = []
  const paths = [...after.keys()].sort()
  for (const path of paths) {
    const e = after.get(path)!
    if (e.kind !== 'file' || path === PINS_FILE || before.get(path)?.id === e.id) continue
    const matching = pinsFor(pins, path)
    if (matching.length === 0) continue
    let stats: TableStats
    try {
      stats = await statsOfBlob(repo, e.id, path)
    } catch (err) {
      if (!isBlError(err) || (err.code !== 'BAD_TABLE' && err.code !== 'NOT_A_TABLE')) throw err
      for (const pin of matching) out.push(unreadable(pin, path, err))
      continue
    }
    for (const pin of matching) out.push(...conformance(pin, path, stats))
  }
  return out
}

export function schemaViolationError(violations: PinViolation[]): BlError {
  const tables = new Set(violations.map((v) => v.path)).size
  const first = violations[0]!
  const pattern = JSON.stringify(first.pattern ?? '<pattern>')
  return new BlError('SCHEMA_VIOLATION', `${tables} table${tables === 1 ? ' does' : 's do'} not conform to the pinned schema: ${first.message}`, {
    hint: `Fix the table${tables === 1 ? '' : 's'} and stage ${tables === 1 ? 'it' : 'them'} again, or change the pin with \`bl schema pin ${pattern} --from <table>\` (or \`bl schema unpin ${pattern}\`) and commit ${PINS_FILE} with it.`,
    data: {violations},
  })
}

/**
 * The schema check of a commit about to be written (bl commit, and the commits of merge,
 * cherry-pick, revert and rebase): refuses with SCHEMA_VIOLATION when a table it adds or changes
 * against its first parent does not conform to the pins of its own tree.
 */
export async function guardCommitPins(repo: Repo, c: Pick<Commit, 'tree' | 'parents'>): Promise<void> {
  if (!hasPinsFile(repo, c.tree)) return
  const parentTree = c.parents[0] ? loadCommit(repo.store, c.parents[0]).tree : null
  const vs = await treeViolations(repo, c.tree, parentTree, `${PINS_FILE} (in the commit)`)
  if (vs.length) throw schemaViolationError(vs)
}
