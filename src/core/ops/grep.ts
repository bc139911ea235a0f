/**
 * bl grep: Git's grep over the dataset's text files — the tracked files of the work tree, the
 * index (`cached`), or committed versions (`revs`). Files are read as streams of lines and each
 * match is handed out as it is found (`onLine`), so a 10 GB CSV is searched in bounded memory
 * (lines longer than 16 MiB are searched in 16 MiB pieces); only `collect` keeps the matches. A
 * file with a NUL byte in its first 8,000 bytes is binary (Git's rule) and reported once as
 * matching, never printed (`skipBinary`: not searched). In the work tree only regular files are
 * read (a tracked file replaced by a directory, a link or a pipe is skipped, as Git does).
 * Committed content a thin local store lacks is fetched first, as every read of content is.
 */
import fs from 'node:fs'
import path from 'node:path'
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {loadCommit, readFileChunks} from '../odb.js'
import {isRevision, resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import {flattenTree, type FlatEntry} from '../tree-build.js'
import {loadIndex} from '../worktree/index-state.js'
import {absPath, toRepoPath, underAny} from '../worktree/paths.js'
import {ensureContent} from './content.js'

export interface GrepOptions {
  /** Regular expressions (JavaScript syntax); a line matches when any does. */
  patterns: string[]
  /** Search these commits' files; none: the work tree (or the index with `cached`). */
  revs?: string[]
  /**
   * Arguments given before any `--`, after the pattern: as Git guesses, those that name a
   * revision are revisions, the rest paths. (With `--`, give `revs` and `paths` instead.)
   */
  revsOrPaths?: string[]
  /** Only files under these paths (relative to the current directory). */
  paths?: string[]
  cached?: boolean
  ignoreCase?: boolean
  /** Lines that do not match. */
  invert?: boolean
  /** Only whole words (letters, digits, `_`) match. */
  word?: boolean
  /** The patterns are plain strings. */
  fixed?: boolean
  /** Leave binary files out. */
  skipBinary?: boolean
  /** Keep every file's matching lines in the result (for --json); otherwise they are only handed to `onLine`. */
  collect?: boolean
  /** Stop reading a file at its first match (-l, -q: the count is then 1). */
  firstOnly?: boolean
  /** Stop the whole search at the first file with a match (-q). */
  any?: boolean
  /** Each matching line of a text file, as it is found (path order, revision by revision). */
  onLine?(file: {rev: string | null; path: string}, line: GrepLine): void
  /** Each file with a match, once it has been read. */
  onFile?(file: GrepFile): void
}

export interface GrepLine {
  /** 1-based. */
  line: number
  text: string
}

export interface GrepFile {
  /** The revision as given, or null for the work tree and the index. */
  rev: string | null
  path: string
  /** Matching lines (for a binary file: lines holding a match, counted but not kept). */
  count: number
  binary: boolean
  lines: GrepLine[]
}

/** Git's binary test: a NUL byte in the first 8,000 bytes. */
const SNIFF = 8000

/** A line longer than this is searched in pieces of this size (memory stays bounded). */
const MAX_LINE = 16 << 20

function compile(opts: GrepOptions): RegExp {
  if (opts.patterns.length === 0) throw new BlError('INVALID_ARGUMENT', 'grep needs a pattern', {hint: 'bl grep <pattern> [<rev>...] [-- <paths>], or -e <pattern> (repeatable).'})
  const escape = (p: string): string => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const parts = opts.patterns.map((p) => (opts.fixed ? escape(p) : p)).map((p) => (opts.word ? `(?<![A-Za-z0-9_])(?:${p})(?![A-Za-z0-9_])` : `(?:${p})`))
  try {
    return new RegExp(parts.join('|'), opts.ignoreCase ? 'i' : '')
  } catch (err) {
    throw new BlError('INVALID_ARGUMENT', `invalid pattern: ${(err as Error).message}`, {hint: 'Patterns are regular expressions (JavaScript syntax); -F takes them as plain strings.'})
  }
}

/** Searches one file's bytes, given as a sequence of buffers, line by line. */
function searchLines(chunks: Iterable<Buffer>, re: RegExp, opts: GrepOptions, file: Omit<GrepFile, 'count' | 'lines' | 'binary'>): GrepFile | undefined {
  const out: GrepFile = {...file, count: 0, binary: false, lines: []}
  // The start of a line that goes on in the next buffer, in pieces (a long line is joined once).
  let carry: Buffer[] = []
  let carried = 0
  let lineNo = 0
  // The line under way was already counted (searched in pieces so far).
  let continued = false
  let sniffed = 0
  const test = (bytes: Buffer): void => {
    if (!continued) lineNo++
    const text = bytes.toString(out.binary ? 'latin1' : 'utf8')
    if (re.test(text) === (opts.invert === true)) return
    out.count++
    if (out.binary) return
    const l = {line: lineNo, text}
    opts.onLine?.(file, l)
    if (opts.collect) out.lines.push(l)
  }
  for (const chunk of chunks) {
    if (opts.firstOnly && out.count) break
    if (sniffed < SNIFF) {
      const n = Math.min(chunk.length, SNIFF - sniffed)
      if (chunk.subarray(0, n).includes(0)) out.binary = true
      sniffed += n
      if (out.binary && opts.skipBinary) return undefined
    }
    let start = 0
    for (let nl = chunk.indexOf(0x0a, start); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const part = chunk.subarray(start, nl)
      test(carry.length ? Buffer.concat([...carry, part]) : part)
      carry = []
      carried = 0
      continued = false
      start = nl + 1
    }
    // Copied: a work-tree read reuses its buffer.
    if (start < chunk.length) {
      carry.push(Buffer.from(chunk.subarray(start)))
      carried += chunk.length - start
    }
    if (carried >= MAX_LINE) {
      test(Buffer.concat(carry))
      continued = true
      carry = []
      carried = 0
    }
  }
  if (carry.length && !(opts.firstOnly && out.count)) test(Buffer.concat(carry))
  if (out.binary) out.lines = []
  return out.count ? out : undefined
}

/**
 * A work-tree file's bytes in 1 MiB reads. Only a regular file is read: a link is not followed
 * (O_NOFOLLOW) and a directory, pipe or device yields nothing, nor does a file gone or unreadable
 * (Git skips such paths too).
 */
function* fileChunks(abs: string): Generator<Buffer> {
  let fd: number
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK)
  } catch {
    return
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return
    const buf = Buffer.allocUnsafe(1 << 20)
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) yield buf.subarray(0, n)
  } finally {
    fs.closeSync(fd)
  }
}

/** The files with a match: all of them with `collect`, else only whether there was any (an empty or one-entry list). */
export async function grep(repo: Repo, opts: GrepOptions): Promise<GrepFile[]> {
  const re = compile(opts)
  const guessed = opts.revsOrPaths ?? []
  const revs = [...(opts.revs ?? []), ...guessed.filter((a) => isRevision(repo, a))]
  const guessedPaths = guessed.filter((a) => !revs.includes(a))
  // Git's rule: without --, a path must exist, or the argument is a mistyped revision.
  for (const a of guessedPaths)
    if (!fs.existsSync(path.resolve(repo.ctx.cwd, a)))
      throw new BlError('UNKNOWN_REVISION', `ambiguous argument '${a}': unknown revision or path not in the working tree`, {hint: `Use '--' to separate paths from revisions: bl grep <pattern> [<rev>...] -- ${a}`, data: {rev: a}})
  const specs = [...(opts.paths ?? []), ...guessedPaths].map((p) => toRepoPath(repo, p))
  const wanted = (p: string, e: {kind: string}): boolean => e.kind === 'file' && (specs.length === 0 || underAny(p, specs))
  const found: GrepFile[] = []
  // Text output is printed as it is found: only --json keeps the matches.
  let matched: GrepFile | undefined
  const report = (f: GrepFile | undefined): void => {
    if (!f) return
    matched ??= f
    if (opts.collect) found.push(f)
    opts.onFile?.(f)
  }
  if (revs.length && opts.cached) throw new BlError('INVALID_ARGUMENT', '--cached searches the index: it takes no revision', {hint: 'bl grep --cached <pattern>, or bl grep <pattern> <rev>.'})
  if (!revs.length) {
    const entries = [...loadIndex(repo).values()].filter((e) => wanted(e.path, e)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    if (opts.cached) await ensureContent(repo, entries.map((e) => e.id))
    for (const e of entries) if (!(opts.any && matched)) report(searchLines(opts.cached ? readFileChunks(repo.store, e.id) : fileChunks(absPath(repo, e.path)), re, opts, {rev: null, path: e.path}))
    return opts.collect ? found : matched ? [matched] : []
  }
  // Every revision resolved before any output: a typo fails the command, not its second half.
  const trees = revs.map((rev) => ({rev, files: [...flattenTree(repo.store, loadCommit(repo.store, resolveRevision(repo, rev)).tree)].filter(([p, e]) => wanted(p, e))}))
  for (const {rev, files} of trees) {
    await ensureContent(repo, files.map(([, e]) => e.id))
    for (const [p, e] of files) if (!(opts.any && matched)) report(searchLines(readFileChunks(repo.store, (e as FlatEntry).id as Oid), re, opts, {rev, path: p}))
  }
  return opts.collect ? found : matched ? [matched] : []
}
