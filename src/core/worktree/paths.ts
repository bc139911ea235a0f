/**
 * Paths: user arguments (relative to the current directory) to repo paths (POSIX, relative to the
 * work tree root, '' for the root itself), and pathspec matching.
 */
import fs from 'node:fs'
import path from 'node:path'
import {BlError} from '../errors.js'
import type {Repo} from '../repo.js'

export function toRepoPath(repo: Repo, userPath: string): string {
  // As in Git: an empty argument (an unset shell variable) must not mean "this directory".
  if (userPath === '') throw new BlError('INVALID_ARGUMENT', 'an empty string is not a valid path', {hint: 'Use . for the current directory.'})
  const abs = path.resolve(repo.ctx.cwd, userPath)
  let rel = path.relative(repo.root, abs)
  // Reached through a symlinked directory (a $PWD under a linked home): find the ancestor that is
  // the work tree's root in reality, and keep the rest as given — links inside the work tree are
  // never followed (a path through one is refused later, as in Git).
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    const realRoot = realDir(repo.root)
    const tail = [path.basename(abs)]
    for (let dir = path.dirname(abs); ; dir = path.dirname(dir)) {
      if (realDir(dir) === realRoot) {
        rel = tail.reverse().join(path.sep)
        break
      }
      if (path.dirname(dir) === dir) break
      tail.push(path.basename(dir))
    }
  }
  if (rel === '') return ''
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new BlError('PATH_OUTSIDE_REPO', `${userPath}: outside the repository at ${repo.root}`, {hint: 'Give paths inside the work tree.', data: {path: userPath}})
  const posix = rel.split(path.sep).join('/')
  if (posix === '.bl' || posix.startsWith('.bl/'))
    throw new BlError('PATH_OUTSIDE_REPO', `${userPath}: inside .bl/, which bl manages itself`, {hint: 'Give paths of your data files.', data: {path: userPath}})
  return posix
}

/** The real path of a directory, resolving what exists of it (the rest is appended as given). */
function realDir(dir: string): string {
  try {
    return fs.realpathSync(dir)
  } catch {
    const parent = path.dirname(dir)
    return parent === dir ? dir : path.join(realDir(parent), path.basename(dir))
  }
}

/**
 * The repository path the `<path>` of `<rev>:<path>` names: from the current directory when it
 * starts with `./` or `../` (as in Git), else from the repository root.
 */
export function revPathOf(repo: Repo, raw: string): string {
  if (raw === '.' || raw === '..' || raw.startsWith('./') || raw.startsWith('../')) return toRepoPath(repo, raw)
  return raw.replace(/^\/+/, '').replace(/\/+$/, '')
}

const GLOB_CHARS = /[*?[]/
const globCache = new Map<string, RegExp>()

/** Does a pathspec hold wildcards (`*`, `?`, `[...]`)? */
export function isGlob(spec: string): boolean {
  return GLOB_CHARS.test(spec)
}

/** The directory a glob pathspec can match under: its literal leading directories ('' for none). */
export function globBase(spec: string): string {
  const m = GLOB_CHARS.exec(spec)
  if (!m) return spec
  const cut = spec.lastIndexOf('/', m.index)
  return cut < 0 ? '' : spec.slice(0, cut)
}

/**
 * Git's default pathspec wildcards: `*` and `?` match any characters, `/` included (so `*.png`
 * matches PNGs in every directory), `[...]` a character class.
 */
function globRegExp(spec: string): RegExp {
  let re = globCache.get(spec)
  if (re) return re
  re = new RegExp(`^${globSource(spec)}(/.*)?$`, 's')
  globCache.set(spec, re)
  return re
}

function globSource(spec: string): string {
  let src = ''
  for (let i = 0; i < spec.length; i++) {
    const ch = spec[i]!
    if (ch === '*') src += '.*'
    else if (ch === '?') src += '.'
    else if (ch === '[') {
      const close = spec.indexOf(']', i + 2)
      if (close < 0) src += '\\['
      else {
        let body = spec.slice(i + 1, close)
        if (body.startsWith('!')) body = '^' + body.slice(1)
        src += `[${body.replace(/\\/g, '\\\\')}]`
        i = close
      }
    } else src += ch.replace(/[.+^${}()|\\\]]/g, '\\$&')
  }
  return src
}

/** Does `text` match the whole of `pattern` (Git's wildmatch without WM_PATHNAME, as `describe --match` uses it: `*` matches `/` too)? */
export function wildmatch(pattern: string, text: string): boolean {
  return new RegExp(`^${globSource(pattern)}$`, 's').test(text)
}

/** Does repo path `p` fall under pathspec `spec` ('' matches everything; wildcards as in Git)? */
export function underSpec(p: string, spec: string): boolean {
  if (spec === '' || p === spec || p.startsWith(spec + '/')) return true
  return isGlob(spec) && globRegExp(spec).test(p)
}

export function underAny(p: string, specs: string[]): boolean {
  if (specs.length === 0) return true
  for (const s of specs) if (underSpec(p, s)) return true
  return false
}

/** The absolute path of repo path `p` (already normalized: plain concatenation, no path.join). */
export function absPath(repo: Repo, p: string): string {
  if (p === '') return repo.root
  return repo.root.endsWith(path.sep) ? repo.root + p : `${repo.root}/${p}`
}

/**
 * Repo path `p` as seen from the repo directory `here` ('' = the root), as Git prints paths from
 * the current directory (`../x`, `.` for `here` itself); a trailing `/` (a directory) is kept.
 */
export function pathFrom(here: string, p: string): string {
  if (here === '') return p
  return (path.posix.relative(here, p) || '.') + (p.endsWith('/') ? '/' : '')
}

/** Quotes a path for one-line text output, as Git does for names with special characters. */
export function quotePath(p: string): string {
  return /[\u0000-\u001f\u007f"\\]/.test(p) ? JSON.stringify(p) : p
}

/** quotePath for column formats (`status --short`): names with spaces are quoted too, as in Git. */
export function quotePathInColumns(p: string): string {
  return p.includes(' ') ? JSON.stringify(p) : quotePath(p)
}

const C_ESCAPES: Record<number, string> = {7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 34: '"', 92: '\\'}

/**
 * Git's C-style quoting of a name (quote.c `quote_c_style`), as `git status --porcelain` prints
 * it: quoted when it holds `"`, `\`, a control character, a space (`space`, the column formats)
 * or, unless `core.quotePath` is false (`nonAscii: false`), a byte over 0x7f, written in octal.
 */
export function quotePathC(p: string, opts: {space?: boolean; nonAscii?: boolean} = {}): string {
  const bytes = Buffer.from(p, 'utf8')
  const nonAscii = opts.nonAscii ?? true
  const needs = (b: number): boolean => b < 0x20 || b === 0x7f || b === 34 || b === 92 || (opts.space === true && b === 32) || (nonAscii && b > 0x7f)
  if (!bytes.some(needs)) return p
  let out = '"'
  let plain: number[] = []
  const flush = (): void => {
    out += Buffer.from(plain).toString('utf8')
    plain = []
  }
  for (const b of bytes) {
    if (!needs(b) || b === 32) plain.push(b)
    else {
      flush()
      out += '\\' + (C_ESCAPES[b] ?? b.toString(8).padStart(3, '0'))
    }
  }
  flush()
  return out + '"'
}

/** lstat, or undefined when the path is absent (including ENOTDIR: a parent is a file). */
export function safeLstat(abs: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(abs, {throwIfNoEntry: false}) ?? undefined
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined
    throw err
  }
}
