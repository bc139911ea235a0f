/**
 * Text for the terminal views: repository content made harmless, and measured in terminal cells.
 * The one place `string-width` is used.
 */
import stringWidth from 'string-width'

// ESC sequences: CSI (with private/intermediate bytes), OSC/DCS/SOS/PM/APC strings up to BEL or ST,
// and two-byte escapes. C1 controls (U+0080–U+009F) include the 8-bit CSI, so they go too.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -~]?|[\u0080-\u009f]/g
// Other controls, and bidi overrides that reorder what is shown (a name could pose as another).
const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** `s` with terminal escape sequences removed and other control characters shown as `?`; tabs become `tab` spaces. */
export function clean(s: string, tab = '    '): string {
  return s.replace(ESCAPES, '').replace(CONTROLS, '?').replace(/\t/g, tab)
}

export function width(s: string): number {
  return stringWidth(s)
}

/** `s` cut to at most `w` cells (ending in `…` when cut) and padded with spaces to exactly `w`. */
export function fit(s: string, w: number): string {
  if (w <= 0) return ''
  const full = width(s)
  if (full <= w) return s + ' '.repeat(w - full)
  let out = ''
  let used = 0
  for (const ch of s) {
    const cw = width(ch)
    if (used + cw > w - 1) break
    out += ch
    used += cw
  }
  return out + '…' + ' '.repeat(Math.max(0, w - 1 - used))
}

/** The cells of `s` from column `from` on (for horizontal scrolling), at most `w` of them, padded. */
export function slice(s: string, from: number, w: number): string {
  if (from <= 0) return fit(s, w)
  let skipped = 0
  let i = 0
  const chars = [...s]
  while (i < chars.length && skipped < from) skipped += width(chars[i++]!)
  return fit(chars.slice(i).join(''), w)
}
