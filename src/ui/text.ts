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

// Grapheme clusters, not code points: an emoji with a variation selector or a ZWJ sequence is one
// character on screen, and cutting inside it would leave a wider or broken glyph.
const graphemes = new Intl.Segmenter(undefined, {granularity: 'grapheme'})
// Printable ASCII only: every code point is one cell and one cluster, so plain slicing is exact.
const PLAIN = /^[\x20-\x7e]*$/

/** `s` cut to at most `w` cells (ending in `…` when cut) and padded with spaces to exactly `w`. */
export function fit(s: string, w: number): string {
  if (w <= 0) return ''
  if (PLAIN.test(s)) return s.length <= w ? s + ' '.repeat(w - s.length) : s.slice(0, w - 1) + '…'
  // One pass that stops once past `w` cells: a 1 MiB line costs what a screen line does.
  let used = 0
  let head = ''
  let headCells = 0
  for (const {segment: ch} of graphemes.segment(s)) {
    const cw = width(ch)
    if (used + cw <= w - 1) {
      head += ch
      headCells += cw
    }
    used += cw
    if (used > w) return head + '…' + ' '.repeat(Math.max(0, w - 1 - headCells))
  }
  return s + ' '.repeat(w - used)
}

/**
 * The cells of `s` from column `from` on (for horizontal scrolling), at most `w` of them, padded.
 * A wide character cut by `from` shows as a space, so the columns after it stay where they are.
 */
export function slice(s: string, from: number, w: number): string {
  if (from <= 0) return fit(s, w)
  if (PLAIN.test(s)) return fit(s.slice(from, from + w + 1), w)
  // Look at no more than the cells that can show: a 1 MiB line costs what a screen line does.
  let skipped = 0
  let out = ''
  let taken = 0
  for (const {segment: ch} of graphemes.segment(s)) {
    const cw = width(ch)
    if (skipped < from) {
      skipped += cw
      if (skipped > from) {
        out += ' '.repeat(skipped - from)
        taken += skipped - from
      }
      continue
    }
    out += ch
    taken += cw
    if (taken > w) break
  }
  return fit(out, w)
}
