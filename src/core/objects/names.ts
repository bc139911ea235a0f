/**
 * What a path component may be. Enforced when files are added and when trees are decoded, so a
 * name bl cannot store safely is refused up front, and a hostile tree never reaches the work tree.
 */
// Control characters (C0, DEL) include NUL, CR and LF; no file system round-trips them safely.
const CONTROL = /[\u0000-\u001f\u007f]/

/** Returns why `name` is not a valid entry name, or null when it is. */
export function entryNameProblem(name: string): string | null {
  if (name.length === 0) return 'empty name'
  if (name === '.' || name === '..') return `"${name}" is not allowed`
  if (name.includes('/')) return 'contains "/"'
  if (CONTROL.test(name)) return 'contains a control character (newline, tab, NUL, ...)'
  if (name.includes('\uFFFD')) return 'is not valid UTF-8'
  // A UTF-16 unit is at most 3 UTF-8 bytes: short names need no byte count.
  if (name.length * 3 > MAX_NAME_BYTES && Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return `longer than ${MAX_NAME_BYTES} bytes`
  return null
}

export const MAX_NAME_BYTES = 1024

/** Byte-wise UTF-8 order, the order of entries in a tree (and of paths in the index). */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // UTF-16 order equals UTF-8 byte order below the surrogates; past them, ask the bytes.
    if (x < 0xd800 && y < 0xd800) return x - y
    return Buffer.compare(Buffer.from(a.slice(i), 'utf8'), Buffer.from(b.slice(i), 'utf8'))
  }
  return a.length - b.length
}
