/**
 * .blignore rules with gitignore syntax (the `ignore` package, wrapped here only). Each directory
 * may have its own .blignore, whose patterns apply below it, as with .gitignore. `.bl/` and `.git/`
 * are always ignored, and so is a root-level `bl.lock` that is not tracked.
 */
import fs from 'node:fs'
import path from 'node:path'
import ignore, {type Ignore} from 'ignore'
import {LOCK_FILE} from '../pin/lock-file.js'

export const IGNORE_FILE = '.blignore'
const ALWAYS = new Set(['.bl', '.git'])

/** Ignored whatever the rules say, even by `add -f`: `.bl/` and `.git/`, and a root-level bl.lock. */
export function alwaysIgnored(relPath: string): boolean {
  if (ALWAYS.has(relPath.slice(relPath.lastIndexOf('/') + 1))) return true
  // A bl.lock at the root belongs to the code (`bl pin` without a Git repository around): committing
  // it into the data it pins would change the data and stale the pin.
  return relPath === LOCK_FILE
}

/** Where an ignore rule comes from: the .blignore (repo path; '' for bl's built-in rules), its line and text. */
export interface IgnoreSource {
  file: string
  line: number
  pattern: string
}

export class IgnoreRules {
  private readonly perDir = new Map<string, Ignore | null>()
  /** Each .blignore's lines, for naming a negation that decides (the package reports only ignoring rules). */
  private readonly lines = new Map<string, string[]>()
  /** Is this directory ignored (by its own path or a parent's)? */
  private readonly dirs = new Map<string, boolean>()
  /** A directory's rules with some of the parents they ignore re-included (`testAlone`). */
  private readonly reincluded = new Map<string, Ignore>()

  constructor(private readonly root: string) {}

  private rulesFor(dir: string): Ignore | null {
    let r = this.perDir.get(dir)
    if (r !== undefined) return r
    r = null
    try {
      const file = path.join(this.root, dir, IGNORE_FILE)
      // Never read through a symlink (as Git >= 2.32 does not): rules must come from the work tree.
      // Case-sensitive, as Git on Linux (the package's default is to ignore case).
      // Line by line, each marked with its number, so a verdict can name its rule (check-ignore -v).
      if (fs.lstatSync(file).isFile()) {
        const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/u)
        this.lines.set(dir, lines)
        r = ignore({allowRelativePaths: true, ignorecase: false}).add(lines.map((pattern, i) => ({pattern, mark: String(i + 1)})))
      }
    } catch {
      // No .blignore (or unreadable): no rules from this directory.
    }
    this.perDir.set(dir, r)
    return r
  }

  /**
   * Is the repo-relative `relPath` (a directory when `isDir`) ignored? As in Git, a path below an
   * ignored directory is ignored (the .blignore files inside that directory are not consulted), and
   * otherwise the deepest .blignore with a rule matching the path decides, by its last such rule.
   */
  ignores(relPath: string, isDir: boolean): boolean {
    if (alwaysIgnored(relPath)) return true
    const slash = relPath.lastIndexOf('/')
    if (slash > 0 && this.dirIgnored(relPath.slice(0, slash))) return true
    return this.matches(relPath, isDir)
  }

  private dirIgnored(dir: string): boolean {
    let r = this.dirs.get(dir)
    if (r === undefined) {
      const slash = dir.lastIndexOf('/')
      r = ALWAYS.has(dir.slice(slash + 1)) || (slash > 0 && this.dirIgnored(dir.slice(0, slash))) || this.matches(dir, true)
      this.dirs.set(dir, r)
    }
    return r
  }

  /** The rules matching `relPath` itself, from the deepest .blignore up; its parent directories are not ignored. */
  private matches(relPath: string, isDir: boolean): boolean {
    return this.decide(relPath, isDir)?.res.ignored ?? false
  }

  /** The .blignore whose rules decide `relPath` (its directory, the path below it, the verdict); null when no rule matches. */
  private decide(relPath: string, isDir: boolean): {dir: string; sub: string[]; isDir: boolean; res: ignore.TestResult} | null {
    const parts = relPath.split('/')
    for (let i = parts.length - 1; i >= 0; i--) {
      const dir = parts.slice(0, i).join('/')
      const rules = this.rulesFor(dir)
      if (!rules) continue
      const sub = parts.slice(i)
      const res = this.testAlone(rules, dir, sub, isDir)
      if (res.ignored || res.unignored) return {dir, sub, isDir, res}
    }
    return null
  }

  /**
   * The rule that decides `relPath` (`git check-ignore -v`): the one that ignores it or the
   * outermost ignored directory above it, or the negation (`!pattern`) that keeps it; null when no
   * rule matches. `ignored` is the verdict.
   */
  explain(relPath: string, isDir: boolean): {ignored: boolean; source: IgnoreSource} | null {
    const builtIn = (pattern: string): {ignored: boolean; source: IgnoreSource} => ({ignored: true, source: {file: '', line: 0, pattern}})
    if (alwaysIgnored(relPath)) return builtIn(relPath === LOCK_FILE ? LOCK_FILE : relPath.slice(relPath.lastIndexOf('/') + 1))
    const parts = relPath.split('/')
    for (let i = 1; i < parts.length; i++) {
      if (ALWAYS.has(parts[i - 1]!)) return builtIn(parts[i - 1]!)
      const d = this.decide(parts.slice(0, i).join('/'), true)
      if (d?.res.ignored) return {ignored: true, source: this.sourceOf(d)}
    }
    const d = this.decide(relPath, isDir)
    return d ? {ignored: d.res.ignored, source: this.sourceOf(d)} : null
  }

  private sourceOf(d: {dir: string; sub: string[]; isDir: boolean; res: ignore.TestResult}): IgnoreSource {
    const file = d.dir ? `${d.dir}/${IGNORE_FILE}` : IGNORE_FILE
    if (d.res.rule) return {file, line: Number(d.res.rule.mark ?? 0), pattern: trimPattern(d.res.rule.pattern)}
    // A negation decided: the last negative line that matches the path on its own.
    const lines = this.lines.get(d.dir) ?? []
    const target = d.sub.join('/') + (d.isDir ? '/' : '')
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!
      if (!line.startsWith('!')) continue
      if (ignore({allowRelativePaths: true, ignorecase: false}).add(line.slice(1)).test(target).ignored) return {file, line: i + 1, pattern: trimPattern(line)}
    }
    return {file, line: 0, pattern: ''}
  }

  /**
   * One .blignore's verdict on `sub` (relative to its directory `dir`) by the rules matching `sub`
   * itself. The package also calls a path ignored when these rules ignore one of its parent
   * directories; such a parent is not ignored here only because a deeper .blignore re-included it
   * (`d/` at the root, `!d/` in a/ for a/d/f), and then the rules are asked again with that parent
   * re-included by an anchored negation, which matches nothing but the parent.
   */
  private testAlone(rules: Ignore, dir: string, sub: string[], isDir: boolean): ignore.TestResult {
    const tail = isDir ? '/' : ''
    const res = rules.test(sub.join('/') + tail)
    if (!res.ignored || sub.length === 1) return res
    const parents: string[] = []
    for (let j = 1; j < sub.length; j++) {
      const p = sub.slice(0, j).join('/')
      if (rules.test(p + '/').ignored) parents.push(p)
    }
    if (parents.length === 0) return res
    const key = `${dir}\0${parents.join('\0')}`
    let again = this.reincluded.get(key)
    if (!again) {
      again = ignore({allowRelativePaths: true, ignorecase: false}).add(rules).add(parents.map((p) => `!/${p.replace(/[\\*?[]/gu, '\\$&')}/`))
      this.reincluded.set(key, again)
    }
    return again.test(sub.join('/') + tail)
  }
}

/** A pattern as Git shows it: trailing spaces dropped unless escaped with a backslash. */
function trimPattern(p: string): string {
  let end = p.length
  while (end > 0 && p[end - 1] === ' ' && p[end - 2] !== '\\') end--
  return p.slice(0, end)
}

/**
 * A matcher for one pattern in gitignore syntax, for files that share it (gitattributes patterns
 * match paths as gitignore patterns do): `*.csv` at any depth, `data/*.csv` from the root.
 */
export function patternMatcher(pattern: string): (relPath: string) => boolean {
  const ig = ignore({allowRelativePaths: true, ignorecase: false}).add(pattern)
  return (relPath) => ig.ignores(relPath)
}
