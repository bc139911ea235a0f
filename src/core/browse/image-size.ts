/**
 * Image format and dimensions from the header bytes alone (no decoder): PNG, JPEG, GIF, WebP,
 * BMP and TIFF. A damaged header keeps the format (known from the magic number) with null sizes.
 * JPEG and TIFF keep their sizes at offsets only found by hopping through the file, so those
 * hops read small ranges, a bounded number of times.
 */

export interface ImageInfo {
  format: 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'tiff'
  width: number | null
  height: number | null
}

type Read = (start: number, end: number) => Promise<Buffer>

const ascii = (b: Buffer, at: number, s: string): boolean => b.length >= at + s.length && b.toString('latin1', at, at + s.length) === s

/** The image format by magic number, or null. */
export function imageFormat(head: Buffer): ImageInfo['format'] | null {
  if (ascii(head, 0, '\x89PNG\r\n\x1a\n')) return 'png'
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg'
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) return 'gif'
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return 'webp'
  if (ascii(head, 0, 'BM') && head.length >= 18 && [12, 40, 52, 56, 64, 108, 124].includes(head.readUInt32LE(14))) return 'bmp'
  if (ascii(head, 0, 'II*\0') || ascii(head, 0, 'MM\0*')) return 'tiff'
  return null
}

/** Positive sizes only: a zero or absurd size is a damaged header, not an image. */
const dims = (w: number, h: number): {width: number | null; height: number | null} => (w > 0 && h > 0 && w <= 1 << 30 && h <= 1 << 30 ? {width: w, height: h} : {width: null, height: null})

/** Format and size; `head` is the file's first bytes, `read` reaches further (JPEG, TIFF). */
export async function imageInfo(head: Buffer, size: number, read: Read): Promise<ImageInfo | null> {
  const format = imageFormat(head)
  if (!format) return null
  let d: {width: number | null; height: number | null} | null = null
  try {
    d = format === 'jpeg' ? await jpegSize(head, size, read) : format === 'tiff' ? await tiffSize(head, size, read) : headerSize(format, head)
  } catch {
    d = null // a read past a damaged length field
  }
  return {format, ...(d ?? {width: null, height: null})}
}

function headerSize(format: ImageInfo['format'], b: Buffer): {width: number | null; height: number | null} | null {
  switch (format) {
    case 'png':
      // The first chunk must be IHDR: width and height, big-endian.
      return b.length >= 24 && ascii(b, 12, 'IHDR') ? dims(b.readUInt32BE(16), b.readUInt32BE(20)) : null
    case 'gif':
      return b.length >= 10 ? dims(b.readUInt16LE(6), b.readUInt16LE(8)) : null
    case 'bmp': {
      // BITMAPCOREHEADER (12 bytes) has 16-bit sizes; the later headers signed 32-bit ones (negative height: top-down).
      if (b.readUInt32LE(14) === 12) return b.length >= 22 ? dims(b.readUInt16LE(18), b.readUInt16LE(20)) : null
      return b.length >= 26 ? dims(Math.abs(b.readInt32LE(18)), Math.abs(b.readInt32LE(22))) : null
    }
    case 'webp':
      return webpSize(b)
    default:
      return null
  }
}

function webpSize(b: Buffer): {width: number | null; height: number | null} | null {
  if (ascii(b, 12, 'VP8 ')) {
    // Lossy: a 3-byte frame tag, the start code 9d 01 2a, then 14-bit width and height.
    if (b.length < 30 || b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return null
    return dims(b.readUInt16LE(26) & 0x3fff, b.readUInt16LE(28) & 0x3fff)
  }
  if (ascii(b, 12, 'VP8L')) {
    // Lossless: signature 0x2f, then width-1 and height-1 in 14 bits each.
    if (b.length < 25 || b[20] !== 0x2f) return null
    const bits = b.readUInt32LE(21)
    return dims((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1)
  }
  if (ascii(b, 12, 'VP8X')) {
    // Extended: the canvas size, 24-bit width-1 and height-1 after 4 bytes of flags.
    if (b.length < 30) return null
    return dims(b.readUIntLE(24, 3) + 1, b.readUIntLE(27, 3) + 1)
  }
  return null
}

/** Bytes at [start, end), from `head` when it holds them. */
async function at(head: Buffer, size: number, read: Read, start: number, end: number): Promise<Buffer | null> {
  if (end > size) return null
  if (end <= head.length) return head.subarray(start, end)
  const b = await read(start, end)
  return b.length === end - start ? b : null
}

/** Start-of-frame markers (baseline, progressive, lossless, arithmetic), which carry the size. */
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf])
const MAX_HOPS = 512

/** Walks the marker segments from SOI to the first SOF (height, then width, big-endian). */
async function jpegSize(head: Buffer, size: number, read: Read): Promise<{width: number | null; height: number | null} | null> {
  let pos = 2
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const seg = await at(head, size, read, pos, pos + 9)
    if (!seg || seg[0] !== 0xff) return null
    const marker = seg[1]!
    if (marker === 0xff) {
      pos++ // fill byte
      continue
    }
    if (SOF.has(marker)) return dims(seg.readUInt16BE(7), seg.readUInt16BE(5))
    // Standalone markers have no length; the scan (SOS) or end (EOI) before a frame: no size.
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2
      continue
    }
    if (marker === 0xda || marker === 0xd9) return null
    const len = seg.readUInt16BE(2)
    if (len < 2) return null
    pos += 2 + len
  }
  return null
}

/** The first IFD's ImageWidth (256) and ImageLength (257), SHORT or LONG, in the file's byte order. */
async function tiffSize(head: Buffer, size: number, read: Read): Promise<{width: number | null; height: number | null} | null> {
  const le = head[0] === 0x49
  const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o))
  const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o))
  if (head.length < 8) return null
  const ifd = u32(head, 4)
  const countBytes = await at(head, size, read, ifd, ifd + 2)
  if (!countBytes) return null
  const n = Math.min(u16(countBytes, 0), 4096)
  const entries = await at(head, size, read, ifd + 2, ifd + 2 + n * 12)
  if (!entries) return null
  let width = 0
  let height = 0
  for (let i = 0; i < n; i++) {
    const o = i * 12
    const tag = u16(entries, o)
    if (tag !== 256 && tag !== 257) continue
    const type = u16(entries, o + 2)
    // SHORT (3) sits in the first two bytes of the value field; LONG (4) fills it.
    const v = type === 3 ? u16(entries, o + 8) : type === 4 ? u32(entries, o + 8) : 0
    if (tag === 256) width = v
    else height = v
  }
  return dims(width, height)
}
