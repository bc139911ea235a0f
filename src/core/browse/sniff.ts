/**
 * What a file's first bytes say it is: text (Git's rule: no NUL in the first 8 KiB, plus valid
 * UTF-8 there) or a binary format named by its magic number, so the preview can say "gzip" rather
 * than show an anonymous hex dump.
 */
import {isUtf8} from 'node:buffer'

/** Bytes judged for text-ness; the rest of a preview is decoded leniently. */
export const SNIFF_BYTES = 8 * 1024

/**
 * `buf` without a multi-byte UTF-8 sequence cut off at its end (a byte budget can end mid-character),
 * so the prefix of a valid file stays valid.
 */
export function trimPartialUtf8(buf: Buffer): Buffer {
  // A sequence is at most 4 bytes: look back at most 3 for the lead byte of the last one.
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const b = buf[buf.length - back]!
    if ((b & 0xc0) === 0x80) continue // continuation byte: keep looking for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
    return need > back ? buf.subarray(0, buf.length - back) : buf
  }
  return buf
}

/** Text: no NUL and valid UTF-8 in the first SNIFF_BYTES (`complete`: `head` is the whole file). */
export function looksText(head: Buffer, complete: boolean): boolean {
  const h = head.subarray(0, SNIFF_BYTES)
  if (h.includes(0)) return false
  return isUtf8(complete && head.length <= SNIFF_BYTES ? h : trimPartialUtf8(h))
}

const ascii = (head: Buffer, at: number, s: string): boolean => head.length >= at + s.length && head.toString('latin1', at, at + s.length) === s
const bytes = (head: Buffer, at: number, b: number[]): boolean => head.length >= at + b.length && b.every((x, i) => head[at + i] === x)

/** Magic numbers of formats met among datasets, models and archives, most specific first. */
const MAGIC: Array<[string, (h: Buffer) => boolean]> = [
  ['gzip', (h) => bytes(h, 0, [0x1f, 0x8b])],
  ['zip', (h) => ascii(h, 0, 'PK\x03\x04') || ascii(h, 0, 'PK\x05\x06') || ascii(h, 0, 'PK\x07\x08')],
  ['zstd', (h) => bytes(h, 0, [0x28, 0xb5, 0x2f, 0xfd])],
  ['bzip2', (h) => ascii(h, 0, 'BZh') && h.length > 3 && h[3]! >= 0x31 && h[3]! <= 0x39],
  ['xz', (h) => bytes(h, 0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ['lz4', (h) => bytes(h, 0, [0x04, 0x22, 0x4d, 0x18])],
  ['7z', (h) => bytes(h, 0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])],
  ['tar', (h) => ascii(h, 257, 'ustar')],
  ['pdf', (h) => ascii(h, 0, '%PDF-')],
  ['parquet', (h) => ascii(h, 0, 'PAR1')],
  ['sqlite', (h) => ascii(h, 0, 'SQLite format 3\0')],
  ['hdf5', (h) => bytes(h, 0, [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])],
  ['arrow', (h) => ascii(h, 0, 'ARROW1')],
  ['orc', (h) => ascii(h, 0, 'ORC')],
  ['avro', (h) => ascii(h, 0, 'Obj\x01')],
  ['npy', (h) => ascii(h, 0, '\x93NUMPY')],
  ['gguf', (h) => ascii(h, 0, 'GGUF')],
  ['safetensors', isSafetensors],
  ['pickle', (h) => h.length > 2 && h[0] === 0x80 && h[1]! >= 2 && h[1]! <= 5],
  ['elf', (h) => ascii(h, 0, '\x7fELF')],
  ['mach-o', (h) => [[0xcf, 0xfa, 0xed, 0xfe], [0xce, 0xfa, 0xed, 0xfe], [0xfe, 0xed, 0xfa, 0xcf], [0xfe, 0xed, 0xfa, 0xce]].some((m) => bytes(h, 0, m))],
  ['java-class', (h) => bytes(h, 0, [0xca, 0xfe, 0xba, 0xbe])],
  ['pe', (h) => ascii(h, 0, 'MZ')],
  ['wasm', (h) => ascii(h, 0, '\0asm')],
  ['wav', (h) => ascii(h, 0, 'RIFF') && ascii(h, 8, 'WAVE')],
  ['avi', (h) => ascii(h, 0, 'RIFF') && ascii(h, 8, 'AVI ')],
  ['heic', (h) => ascii(h, 4, 'ftyp') && ['heic', 'heix', 'mif1', 'msf1'].some((b) => ascii(h, 8, b))],
  ['avif', (h) => ascii(h, 4, 'ftypavif')],
  ['mp4', (h) => ascii(h, 4, 'ftyp')],
  ['ogg', (h) => ascii(h, 0, 'OggS')],
  ['flac', (h) => ascii(h, 0, 'fLaC')],
  ['mp3', (h) => ascii(h, 0, 'ID3') || (h.length > 1 && h[0] === 0xff && (h[1]! & 0xe0) === 0xe0 && (h[1]! & 0x06) !== 0)],
  ['ico', (h) => bytes(h, 0, [0, 0, 1, 0]) && h.length > 5 && h[4]! + h[5]! > 0],
]

/** safetensors: an 8-byte little-endian header length, then a JSON object. */
function isSafetensors(h: Buffer): boolean {
  if (h.length < 10) return false
  const n = h.readBigUInt64LE(0)
  return n > 1n && n < 100_000_000n && h[8] === 0x7b && (h[9] === 0x22 || h[9] === 0x7d)
}

/** The format the magic number names, else `binary`. */
export function binaryType(head: Buffer): string {
  for (const [name, test] of MAGIC) if (test(head)) return name
  return 'binary'
}
