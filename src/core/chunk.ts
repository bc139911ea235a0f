/**
 * Content-defined chunking: FastCDC with normalized chunking (level 2) over a 32-bit gear hash.
 *
 * Sizes (see docs/format/chunking.md for the measurements behind them): min 64 KiB, average
 * 256 KiB, max 1 MiB. Small enough that a one-row edit of a large CSV stores ~one 256 KiB chunk,
 * large enough that a 512 MiB file is ~2,000 chunks (a small blob record) and that chunk rows stay
 * cheap for SQLite. Changing any constant here changes every chunk id, so they are part of the
 * repository format (format version 1).
 */

export const MIN_CHUNK = 64 * 1024
export const AVG_CHUNK = 256 * 1024
export const MAX_CHUNK = 1024 * 1024
/** Chunks are stored packed into segments of at most this many bytes (one SQLite row each). */
export const SEGMENT_MAX = 4 * 1024 * 1024

import {GEAR_WASM_BASE64} from './gear-wasm.js'

/** The gear table: 256 pseudo-random 32-bit words from a fixed xorshift seed (deterministic). */
const GEAR = (() => {
  const t = new Int32Array(256)
  let x = 0x9e3779b9
  for (let i = 0; i < 256; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    t[i] = x | 0
  }
  return t
})()

/** A mask of `bits` ones in the high end of the word: high bits of a gear hash see the most bytes. */
function highMask(bits: number): number {
  return (0xffffffff << (32 - bits)) | 0
}

// log2(AVG) = 18; normalized level 2: harder mask before the average size, easier after it.
const MASK_S = highMask(20)
const MASK_L = highMask(16)

/**
 * Returns the end (exclusive) of the chunk that starts at `start` in `buf[start, end)`, or -1
 * when more bytes are needed to decide (fewer than MAX_CHUNK available and not at end of input).
 */
export function findCut(buf: Uint8Array, start: number, end: number, eof: boolean): number {
  const avail = end - start
  if (avail === 0) return -1
  if (avail <= MIN_CHUNK) return eof ? end : -1
  if (avail < MAX_CHUNK && !eof) {
    // Only decide now if a cut is certain to fall inside what we have.
    const cut = scan(buf, start, end)
    return cut === end ? -1 : cut
  }
  return scan(buf, start, Math.min(end, start + MAX_CHUNK))
}

/** Scans for a cut in buf[start, limit); returns limit when none is found before it. */
function scan(buf: Uint8Array, start: number, limit: number): number {
  const gear = GEAR
  let h = 0
  let i = start + MIN_CHUNK
  const normal = Math.min(start + AVG_CHUNK, limit)
  for (; i < normal; i++) {
    h = ((h << 1) + gear[buf[i]!]!) | 0
    if ((h & MASK_S) === 0) return i + 1
  }
  for (; i < limit; i++) {
    h = ((h << 1) + gear[buf[i]!]!) | 0
    if ((h & MASK_L) === 0) return i + 1
  }
  return limit
}

/** Chunk boundaries of a whole in-memory buffer (tests and small inputs). */
export function chunkBoundaries(buf: Uint8Array): number[] {
  const ends: number[] = []
  let start = 0
  while (start < buf.length) {
    const cut = findCut(buf, start, buf.length, true)
    ends.push(cut)
    start = cut
  }
  return ends
}

const GEAR_MODULE = new WebAssembly.Module(Buffer.from(GEAR_WASM_BASE64, 'base64'))
const GEAR_BYTES = 1024
const WASM_PAGE = 65536

/**
 * The same algorithm as `findCut`, with the scan loop in WebAssembly (~3x the plain-JS speed here).
 * It owns a working buffer inside the wasm memory: callers read input straight into `data`, so no
 * byte is copied before it is chunked.
 */
export class WasmChunker {
  readonly data: Uint8Array
  private readonly base: number
  private readonly scanFn: (i: number, normal: number, limit: number, maskS: number, maskL: number) => number

  constructor(capacity: number) {
    const instance = new WebAssembly.Instance(GEAR_MODULE, {})
    const mem = instance.exports.mem as WebAssembly.Memory
    const pages = Math.ceil((GEAR_BYTES + capacity) / WASM_PAGE)
    mem.grow(pages)
    new Int32Array(mem.buffer, 0, 256).set(GEAR)
    this.base = GEAR_BYTES
    this.data = new Uint8Array(mem.buffer, GEAR_BYTES, capacity)
    this.scanFn = instance.exports.scan as WasmChunker['scanFn']
  }

  /** Same contract as `findCut`, over `this.data`. */
  findCut(start: number, end: number, eof: boolean): number {
    const avail = end - start
    if (avail === 0) return -1
    if (avail <= MIN_CHUNK) return eof ? end : -1
    const limit = Math.min(end, start + MAX_CHUNK)
    const b = this.base
    const cut = this.scanFn(b + start + MIN_CHUNK, b + Math.min(start + AVG_CHUNK, limit), b + limit, MASK_S, MASK_L) - b
    if (avail < MAX_CHUNK && !eof && cut === end) return -1
    return cut
  }
}
