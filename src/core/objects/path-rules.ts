/**
 * Portable, safe paths: the rules a tree must pass before any of it reaches a work tree, and that
 * `bl add` applies to new names, so an honest client never makes a commit another client refuses.
 * They guard every platform at once (a commit made on Linux is checked out on Windows and macOS):
 * nothing may alias the `.bl`/`.git` control directories, name a Windows device, collide with a
 * sibling on a case-insensitive or normalizing file system, or point a symlink out of the root.
 * The structural rules (empty, ".", "..", "/", control characters, invalid UTF-8) live in names.ts.
 */
import {entryNameProblem} from './names.js'

/** The rule a path broke; stable strings (shown in errors and `--json`, docs/format/objects.md). */
export type PathRule =
  | 'bad-name'
  | 'backslash'
  | 'drive-letter'
  | 'control-directory'
  | 'windows-device-name'
  | 'case-collision'
  | 'normalization-collision'
  | 'file-directory-clash'
  | 'symlink-parent'
  | 'symlink-escape'
  | 'too-deep'
  | 'path-too-long'
  | 'too-many-files'
  | 'file-too-large'
  | 'size-mismatch'
  | 'bad-object'

export interface PathProblem {
  rule: PathRule
  /** Why, in words (completes "…: "). */
  reason: string
}

/**
 * Code points that HFS+ ignores in names and that render as nothing (joiners, direction marks,
 * BOM, soft hyphen, variation selectors): `.g\u200cit` opens `.git` on macOS.
 */
const IGNORABLE = /[\u00ad\u034f\u180b-\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u206a-\u206f\ufe00-\ufe0f\ufeff]/gu

/** Windows device names, reserved with any extension and in any case (`nul.txt`, `Com1`). */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/u

const CONTROL_DIRS = new Set(['.bl', '.git'])

/** What `name` opens on the most forgiving file system: case, ignorables, NTFS streams and trailing dots/spaces dropped. */
function looseName(name: string): string {
  return name
    .replace(IGNORABLE, '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/:.*$/su, '') // NTFS alternate stream: `.git::$INDEX_ALLOCATION` is `.git`
    .replace(/[. ]+$/u, '') // NTFS drops trailing dots and spaces
}

/** Printable ASCII only: most names, and none of them can hide an ignorable or a compatibility form. */
const ASCII = /^[\x20-\x7e]*$/u

/** The name is `.bl` or `.git` on some file system (any case, ignorable Unicode, NTFS aliases, 8.3 short names). */
export function isControlDirAlias(name: string): boolean {
  // An ASCII alias starts with "." (`.git`, `.GIT.`, `.bl::$DATA`) or is a short name (`GIT~1`).
  if (ASCII.test(name) && name[0] !== '.' && !name.includes('~')) return false
  if (CONTROL_DIRS.has(name.toLowerCase())) return true
  const loose = looseName(name)
  return loose === '.bl' || loose === '.git' || /^(git|bl)~[0-9]+$/u.test(loose)
}

/** Why `name` is not a portable entry name, or null. Structural problems first. */
export function portableNameProblem(name: string): PathProblem | null {
  const structural = entryNameProblem(name)
  if (structural) return {rule: 'bad-name', reason: `the name ${structural}`}
  if (name.includes('\\')) return {rule: 'backslash', reason: 'the name contains a backslash (a directory separator on Windows)'}
  if (/^[A-Za-z]:/u.test(name)) return {rule: 'drive-letter', reason: 'the name starts with a drive letter'}
  if (isControlDirAlias(name)) return {rule: 'control-directory', reason: 'the name aliases the .bl or .git control directory'}
  // Device names start with one of c, p, a, n, l (any case): skip the split for every other name.
  const base = /^[cpanl]/iu.test(name) ? name.split('.')[0]!.replace(/ +$/u, '').toLowerCase() : ''
  if (base && WINDOWS_DEVICE.test(base)) return {rule: 'windows-device-name', reason: `"${base}" is a reserved device name on Windows`}
  return null
}

/** The key under which two names open the same file on a case-insensitive, normalizing file system. */
export function collisionKey(name: string): string {
  if (ASCII.test(name)) return name.toLowerCase()
  return name.replace(IGNORABLE, '').normalize('NFC').toLowerCase()
}

/** Which rule a collision between two distinct sibling names breaks, given their kinds. */
export function collisionRule(a: {name: string; kind: string}, b: {name: string; kind: string}): PathRule {
  const kinds = new Set([a.kind, b.kind])
  if (kinds.has('dir') && kinds.has('symlink')) return 'symlink-parent'
  if (kinds.has('dir') && kinds.size > 1) return 'file-directory-clash'
  return a.name.normalize('NFC') === b.name.normalize('NFC') ? 'normalization-collision' : 'case-collision'
}

/**
 * Why the symlink at `linkPath` (repository-relative) with `target` may lead outside the work tree,
 * or null. A target must be relative; its leading `..` may climb at most to the root (the link's
 * parents are real directories: bl never writes through a symlink), and no `..` may follow a
 * named component, because that component could itself be a symlink and the climb would then
 * start somewhere else. Every link is checked this way, so a chain of links stays inside too.
 */
export function symlinkTargetProblem(linkPath: string, target: string): PathProblem | null {
  const escape = (why: string): PathProblem => ({rule: 'symlink-escape', reason: `the symlink ${why} (target ${JSON.stringify(target)})`})
  if (target === '') return escape('has an empty target')
  if (/[\u0000-\u001f\u007f]/u.test(target)) return escape('target contains a control character')
  if (target.startsWith('/')) return escape('points to an absolute path')
  if (target.includes('\\') || /^[A-Za-z]:/u.test(target)) return escape('target is a Windows path')
  let depth = linkPath.split('/').length - 1
  let named = false
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (named) return escape('climbs with ".." after a named component')
      if (--depth < 0) return escape('points outside the repository')
      continue
    }
    named = true
    if (isControlDirAlias(part)) return escape('points into a .bl or .git directory')
  }
  return null
}
