/**
 * bl schema pin | unpin | pins: edits and lists the schema pins of `.blschema` (src/core/schema/
 * pins.ts). Pin and unpin rewrite the work-tree file in its canonical form and stage it, so the
 * change to a pin is reviewed and committed like any other change.
 */
import fs from 'node:fs'
import {BlError, fsError, printable} from '../errors.js'
import {resolveRevision} from '../refs/revision.js'
import {loadCommit} from '../odb.js'
import type {Repo} from '../repo.js'
import {decodePins, emptyPins, encodePins, normalizePattern, pinsOfTree, PINS_FILE, type PinsFile, type SchemaPin} from '../schema/pins.js'
import {loadIndex} from '../worktree/index-state.js'
import {absPath, toRepoPath} from '../worktree/paths.js'
import {ancestorDirs, scanWorktree} from '../worktree/scan.js'
import {stage} from './add.js'
import {tableSchema} from './tables.js'

export interface SchemaPinResult {
  file: string
  pin: SchemaPin
  /** The table the schema was read from: `rev` null = the work-tree file. */
  from: {path: string; rev: string | null}
  /** A pin with the same pattern was replaced. */
  replaced: boolean
}

export interface SchemaUnpinResult {
  file: string
  removed: SchemaPin
  /** Pins left. */
  pins: number
}

export interface SchemaPinsResult {
  file: string
  /** The revision read, or null for the work-tree file. */
  rev: string | null
  pins: SchemaPin[]
}

/** The pins of the work-tree `.blschema` (none when there is no such file). */
export function worktreePins(repo: Repo): PinsFile {
  const abs = absPath(repo, PINS_FILE)
  let bytes: Buffer
  try {
    bytes = fs.readFileSync(abs)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return emptyPins()
    if (code === 'EISDIR') throw new BlError('BAD_CONFIG', `${PINS_FILE}: is a directory, not a file`, {hint: `Schema pins live in the file ${PINS_FILE} at the repository root; move the directory away.`, data: {file: PINS_FILE}})
    throw fsError(err, PINS_FILE, 'reading')
  }
  return decodePins(bytes, PINS_FILE)
}

async function save(repo: Repo, pins: PinsFile): Promise<void> {
  const abs = absPath(repo, PINS_FILE)
  const tmp = `${abs}.${process.pid}.tmp`
  try {
    fs.writeFileSync(tmp, encodePins(pins))
    fs.renameSync(tmp, abs)
  } catch (err) {
    fs.rmSync(tmp, {force: true})
    throw fsError(err, PINS_FILE, 'writing')
  }
  await stage(repo, [PINS_FILE], {force: true})
}

function patternOf(repo: Repo, glob: string): string {
  const pattern = normalizePattern(toRepoPath(repo, glob))
  if (pattern === '') throw new BlError('INVALID_ARGUMENT', `"${printable(glob)}" names the whole repository`, {hint: 'Pin the tables of a pattern, e.g. `bl schema pin "data/*.csv"`.', data: {pattern: glob}})
  if (pattern === PINS_FILE) throw new BlError('INVALID_ARGUMENT', `${PINS_FILE} holds the pins; it is no table to pin`, {hint: 'Pin a pattern of tables, e.g. `bl schema pin "data/*.csv"`.', data: {pattern}})
  return pattern
}

/** Work-tree files a pattern matches (not ignored ones), in path order. */
function worktreeMatches(repo: Repo, pattern: string): string[] {
  const tracked = new Set(loadIndex(repo).keys())
  const scan = scanWorktree(repo, {specs: [pattern], tracked, trackedDirs: ancestorDirs(tracked), needStat: () => false})
  return scan.files.filter((f) => f.kind === 'file' && f.path !== PINS_FILE).map((f) => f.path).sort()
}

/**
 * `bl schema pin <glob> [--from <spec>] [--strict]`: records the schema (names, types,
 * nullability) of `from` — or of the one work-tree file the pattern matches — as the pin of
 * `glob`, replacing a pin of the same pattern, and stages `.blschema`.
 */
export async function schemaPin(repo: Repo, opts: {pattern: string; from?: string; strict?: boolean}): Promise<SchemaPinResult> {
  const pattern = patternOf(repo, opts.pattern)
  const pins = worktreePins(repo) // a broken file fails before any table is read
  let spec = opts.from
  if (spec === undefined) {
    const matches = worktreeMatches(repo, pattern)
    if (matches.length !== 1)
      throw new BlError('INVALID_ARGUMENT', `"${printable(pattern)}" matches ${matches.length === 0 ? 'no file' : `${matches.length} files`} in the work tree${matches.length ? ` (${matches.slice(0, 3).map((m) => printable(m)).join(', ')}${matches.length > 3 ? ', ...' : ''})` : ''}; which table gives the schema?`, {
        hint: `Name it: \`bl schema pin ${JSON.stringify(pattern)} --from <rev>:<path>\` (a committed table) or \`--from <work-tree path>\`.`,
        data: {pattern, matches},
      })
    spec = absPath(repo, matches[0]!)
  }
  const schema = await tableSchema(repo, spec)
  const pin: SchemaPin = {pattern, strict: Boolean(opts.strict), columns: schema.columns}
  const replaced = pins.pins.some((p) => p.pattern === pattern)
  await save(repo, {...pins, pins: [...pins.pins.filter((p) => p.pattern !== pattern), pin]})
  return {file: PINS_FILE, pin, from: {path: schema.path, rev: schema.rev}, replaced}
}

/** `bl schema unpin <glob>`: removes the pin of exactly that pattern and stages `.blschema`. */
export async function schemaUnpin(repo: Repo, glob: string): Promise<SchemaUnpinResult> {
  const pattern = patternOf(repo, glob)
  const pins = worktreePins(repo)
  const removed = pins.pins.find((p) => p.pattern === pattern)
  if (!removed)
    throw new BlError('INVALID_ARGUMENT', `no schema pin for "${printable(pattern)}"`, {
      hint: pins.pins.length ? `Pinned patterns: ${pins.pins.slice(0, 10).map((p) => p.pattern).join(', ')}${pins.pins.length > 10 ? ', ...' : ''} (\`bl schema pins\`).` : `${PINS_FILE} pins nothing.`,
      data: {pattern, patterns: pins.pins.map((p) => p.pattern)},
    })
  const rest = pins.pins.filter((p) => p !== removed)
  await save(repo, {...pins, pins: rest})
  return {file: PINS_FILE, removed, pins: rest.length}
}

/** `bl schema pins [--rev <rev>]`: the pins of the work-tree file, or of a commit's. */
export async function schemaPins(repo: Repo, opts: {rev?: string} = {}): Promise<SchemaPinsResult> {
  if (opts.rev === undefined) return {file: PINS_FILE, rev: null, pins: worktreePins(repo).pins}
  const commit = resolveRevision(repo, opts.rev)
  const pins = await pinsOfTree(repo, loadCommit(repo.store, commit).tree, `${opts.rev}:${PINS_FILE}`)
  return {file: PINS_FILE, rev: opts.rev, pins: pins?.pins ?? []}
}
