/** The classic `hexdump -C` layout: offset, 16 bytes in two groups of 8, then the printable ASCII. */

const HEX = Array.from({length: 256}, (_, i) => i.toString(16).padStart(2, '0'))
/** Width of the hex columns of a full line: 16 × "xx " plus the gap between the groups. */
const HEX_WIDTH = 16 * 3 + 1

/** Lines for `buf`, whose first byte is at `offset` in the file. */
export function hexDump(buf: Uint8Array, offset = 0): string[] {
  const out: string[] = []
  for (let at = 0; at < buf.length; at += 16) {
    let hex = ''
    let text = ''
    const end = Math.min(buf.length, at + 16)
    for (let i = at; i < end; i++) {
      const b = buf[i]!
      hex += HEX[b] + ' '
      if (i - at === 7) hex += ' '
      text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'
    }
    out.push(`${(offset + at).toString(16).padStart(8, '0')}  ${hex.padEnd(HEX_WIDTH)} |${text}|`)
  }
  return out
}
