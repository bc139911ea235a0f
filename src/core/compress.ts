/**
 * zstd for objects in transit and on remotes: the one wrapper around the native `zstd-napi`
 * binding (level 1: ~270 MB/s at ratio ~0.39 on CSV here). Where the binding cannot load, nothing
 * is compressed (packs stay valid, only bigger) and reading a compressed entry fails with a hint.
 */
import {createRequire} from 'node:module'
import {BlError} from './errors.js'

interface Zstd {
  compress(data: Uint8Array, opts?: {compressionLevel?: number}): Buffer
}

/** The low-level binding: decompression into a buffer we size, never one the frame header sizes. */
interface ZstdNative {
  DCtx: new () => {decompress(dst: Uint8Array, src: Uint8Array): number}
  getFrameContentSize(frame: Uint8Array): number | null
}

let zstd: {simple: Zstd; native: ZstdNative; dctx?: InstanceType<ZstdNative['DCtx']>} | null | undefined

function binding(): typeof zstd {
  if (zstd === undefined) {
    try {
      const load = createRequire(import.meta.url)
      zstd = {simple: load('zstd-napi') as Zstd, native: load('zstd-napi/binding') as ZstdNative}
    } catch {
      zstd = null
    }
  }
  return zstd
}

/** zstd level 1 of `data`, or null when the binding is unavailable. */
export function compress(data: Uint8Array): Buffer | null {
  const z = binding()
  return z ? z.simple.compress(data, {compressionLevel: 1}) : null
}

/** zstd expands at most this much: a 4-byte RLE block makes one 128 KiB block. A bigger claim is forged. */
const MAX_RATIO = 32 * 1024

function corrupt(detail: string): BlError {
  return new BlError('CORRUPT_OBJECT', `corrupt zstd frame: ${detail}`, {hint: 'Run `bl fsck` to find damaged objects.'})
}

/**
 * Decompresses zstd data that must expand to exactly `expected` bytes. The output buffer is sized
 * from `expected` (bounded by the input's length), never from the frame header: a forged header
 * or a decompression bomb fails without allocating more than that.
 */
export function decompress(data: Uint8Array, expected: number): Buffer {
  const z = binding()
  if (!z) throw new BlError('IO_ERROR', 'this object is zstd-compressed and the zstd binding (zstd-napi) is not available', {hint: 'Reinstall bl (`npm install`) so its native zstd binding is built.'})
  if (!Number.isSafeInteger(expected) || expected < 0 || expected > data.length * MAX_RATIO) throw corrupt(`${data.length} bytes cannot expand to ${expected}`)
  let declared: number | null
  try {
    declared = z.native.getFrameContentSize(data)
  } catch {
    throw corrupt('no zstd frame header')
  }
  if (declared !== null && declared !== expected) throw corrupt(`the frame holds ${declared} bytes, expected ${expected}`)
  const out = Buffer.allocUnsafe(expected)
  let n: number
  try {
    n = (z.dctx ??= new z.native.DCtx()).decompress(out, data)
  } catch (err) {
    // zstd's own reason ("Destination buffer is too small", "Unknown frame descriptor", ...).
    throw corrupt((err as Error).message)
  }
  if (n !== expected) throw corrupt(`expands to ${n} bytes, expected ${expected}`)
  return out
}
