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

export class IgnoreRules {
  private readonly perDir = new Map<string, Ignore | null>()

  constructor(private readonly root: string) {}

  private rulesFor(dir: string): Ignore | null {
    let r = this.perDir.get(dir)
    if (r !== undefined) return r
    r = null
    try {
      const file = path.join(this.root, dir, IGNORE_FILE)
      // Never read through a symlink (as Git >= 2.32 does not): rules must come from the work tree.
      // Case-sensitive, as Git on Linux (the package's default is to ignore case).
      if (fs.lstatSync(file).isFile()) r = ignore({allowRelativePaths: true, ignorecase: false}).add(fs.readFileSync(file, 'utf8'))
    } catch {
      // No .blignore (or unreadable): no rules from this directory.
    }
    this.perDir.set(dir, r)
    return r
  }

  /** Is the repo-relative `relPath` (a directory when `isDir`) ignored? Parents are checked by the walker. */
  ignores(relPath: string, isDir: boolean): boolean {
    const slash = relPath.lastIndexOf('/')
    const name = relPath.slice(slash + 1)
    if (ALWAYS.has(name)) return true
    // A bl.lock at the root belongs to the code (`bl pin` without a Git repository around): committing
    // it into the data it pins would change the data and stale the pin.
    if (relPath === LOCK_FILE) return true
    // Walk from the root to the entry's directory; deeper files override shallower ones.
    let ignored = false
    const parts = relPath.split('/')
    for (let i = 0; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/')
      const rules = this.rulesFor(dir)
      if (!rules) continue
      const sub = parts.slice(i).join('/') + (isDir ? '/' : '')
      const res = rules.test(sub)
      if (res.ignored) ignored = true
      else if (res.unignored) ignored = false
    }
    return ignored
  }
}
