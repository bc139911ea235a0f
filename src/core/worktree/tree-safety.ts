/**
 * The pre-flight check of a tree before any of it is written to the work tree. Trees arrive from
 * remotes anyone may have pushed to, so checkout walks the target first and refuses the whole move
 * on the first path that breaks a rule of objects/path-rules.ts, naming the path and the rule.
 * Subtrees whose id equals the one already checked out at the same path are skipped (they were
 * checked when they arrived, and a symlink's rule depends only on its path), so a switch between
 * nearby commits costs what changed, like the move itself.
 */
import fs from 'node:fs'
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {loadTree, readFileBytes} from '../odb.js'
import {collisionKey, collisionRule, portableNameProblem, symlinkTargetProblem, type PathProblem} from '../objects/path-rules.js'
import type {TreeEntry} from '../objects/tree.js'
import type {Repo} from '../repo.js'
import type {ObjectStore} from '../store/types.js'

export interface TreeLimits {
  /** Directory levels below the root. */
  maxDepth: number
  /** Bytes of a repository-relative path (Linux PATH_MAX). */
  maxPathBytes: number
  /** Files and symlinks in the whole tree. */
  maxFiles: number
  /** Bytes of one file. */
  maxFileSize: number
}

export const DEFAULT_LIMITS: TreeLimits = {maxDepth: 256, maxPathBytes: 4096, maxFiles: 100_000_000, maxFileSize: 2 ** 44}

const LIMIT_KEYS: Record<keyof TreeLimits, string> = {
  maxDepth: 'checkout.maxDepth',
  maxPathBytes: 'checkout.maxPathBytes',
  maxFiles: 'checkout.maxFiles',
  maxFileSize: 'checkout.maxFileSize',
}

/** The limits in force: DEFAULT_LIMITS, each overridable by its `checkout.*` config key. */
export function treeLimits(repo: Repo): TreeLimits {
  const out = {...DEFAULT_LIMITS}
  for (const k of Object.keys(LIMIT_KEYS) as Array<keyof TreeLimits>) {
    const raw = repo.config(LIMIT_KEYS[k])
    if (raw === undefined) continue
    const n = Number(raw)
    if (!/^[0-9]+$/u.test(raw) || !Number.isSafeInteger(n) || n < 1)
      throw new BlError('BAD_CONFIG', `${LIMIT_KEYS[k]} is "${raw}"; expected a positive whole number`, {hint: `Fix it with \`bl config ${LIMIT_KEYS[k]} ${DEFAULT_LIMITS[k]}\`.`})
    out[k] = n
  }
  return out
}

export function unsafePath(path: string, problem: PathProblem): BlError {
  return new BlError('UNSAFE_PATH', `refusing to check out ${JSON.stringify(path)}: ${problem.reason} [${problem.rule}]`, {
    hint: 'The commit holds a path that is unsafe to write here; nothing was written. Fix the tree where it was made, or check out another commit.',
    data: {path, rule: problem.rule},
  })
}

/**
 * The entries of a directory, with a tree that does not decode reported as this path's
 * `bad-object`. A damaged stored copy (wrong kind, bytes that no longer hash to the id) is
 * CORRUPT_OBJECT as everywhere else: the repository, not the commit, needs repair.
 */
function listing(store: ObjectStore, id: Oid, path: string): TreeEntry[] {
  try {
    return loadTree(store, id)
  } catch (err) {
    if (err instanceof BlError && err.code === 'CORRUPT_OBJECT' && err.data.damaged !== true) throw unsafePath(path || '.', {rule: 'bad-object', reason: err.message})
    throw err
  }
}

/** Names, collisions and declared totals of one directory's listing. */
function checkListing(dir: string, entries: TreeEntry[], declared: {size: number; files: number} | null): void {
  const seen = new Map<string, TreeEntry>()
  let size = 0
  let files = 0
  for (const e of entries) {
    const p = dir + e.name
    const bad = portableNameProblem(e.name)
    if (bad) throw unsafePath(p, bad)
    const key = collisionKey(e.name)
    const other = seen.get(key)
    if (other) throw unsafePath(p, {rule: collisionRule(other, e), reason: `collides with ${JSON.stringify(dir + other.name)} on case-insensitive or normalizing file systems`})
    seen.set(key, e)
    size += e.size
    files += e.files
  }
  if (declared && (declared.size !== size || declared.files !== files))
    throw unsafePath(dir || '.', {rule: 'size-mismatch', reason: `the directory declares ${declared.files} files of ${declared.size} bytes but holds ${files} of ${size}`})
}

/**
 * Throws UNSAFE_PATH for the first path of `to` (not shared with `from` at the same place) that
 * breaks a rule; a tree that passes can be written without leaving the work tree or aliasing its
 * control directories on any platform.
 */
export function assertSafeTree(store: ObjectStore, from: Oid | null, to: Oid | null, limits: TreeLimits = DEFAULT_LIMITS): void {
  if (!to || from === to) return
  const root = listing(store, to, '')
  const total = root.reduce((n, e) => n + e.files, 0)
  if (total > limits.maxFiles) throw unsafePath('.', {rule: 'too-many-files', reason: `the tree holds ${total} files; the limit is ${limits.maxFiles} (checkout.maxFiles)`})
  const walk = (x: Oid | null, entries: TreeEntry[], dir: string, depth: number, declared: {size: number; files: number} | null): void => {
    checkListing(dir, entries, declared)
    const old = new Map<string, TreeEntry>()
    if (x) for (const e of listing(store, x, dir)) old.set(e.name, e)
    for (const e of entries) {
      const before = old.get(e.name)
      if (before && before.id === e.id && before.kind === e.kind) continue
      const p = dir + e.name
      if (Buffer.byteLength(p, 'utf8') > limits.maxPathBytes) throw unsafePath(p, {rule: 'path-too-long', reason: `the path is longer than ${limits.maxPathBytes} bytes (checkout.maxPathBytes)`})
      if (e.kind === 'dir') {
        if (depth + 1 > limits.maxDepth) throw unsafePath(p, {rule: 'too-deep', reason: `directories nest deeper than ${limits.maxDepth} levels (checkout.maxDepth)`})
        walk(before?.kind === 'dir' ? before.id : null, listing(store, e.id, p + '/'), p + '/', depth + 1, e)
      } else if (e.kind === 'symlink') {
        const bad = symlinkTargetProblem(p, readFileBytes(store, e.id).toString('utf8'))
        if (bad) throw unsafePath(p, bad)
      } else if (e.size > limits.maxFileSize) {
        throw unsafePath(p, {rule: 'file-too-large', reason: `the file declares ${e.size} bytes; the limit is ${limits.maxFileSize} (checkout.maxFileSize)`})
      }
    }
  }
  walk(from, root, '', 0, null)
}

/**
 * Checks a list of paths about to be written outside a whole-tree move (restore, materializing
 * absent files): each component's name and each symlink's target.
 */
export function assertSafePaths(store: ObjectStore, items: Iterable<{path: string; kind: string; id: Oid}>): void {
  for (const it of items) {
    const parts = it.path.split('/')
    parts.forEach((name, i) => {
      const bad = portableNameProblem(name)
      if (bad) throw unsafePath(parts.slice(0, i + 1).join('/'), bad)
    })
    if (it.kind === 'symlink') {
      const bad = symlinkTargetProblem(it.path, readFileBytes(store, it.id).toString('utf8'))
      if (bad) throw unsafePath(it.path, bad)
    }
  }
}

/** Free bytes for an unprivileged writer on the file system holding `dir`, or null when unknown. */
export function freeBytes(dir: string): number | null {
  try {
    const s = fs.statfsSync(dir)
    return s.bavail * s.bsize
  } catch {
    return null
  }
}
