/**
 * zstd for objects in transit and on remotes: the one wrapper around the native `zstd-napi`
 * binding (level 1: ~270 MB/s at ratio ~0.39 on CSV here). Where the binding cannot load, nothing
 * is compressed (packs stay valid, only bigger) and reading a compressed entry fails with a hint.
 */
import {createRequire} from 'node:module'
import {BlError} from './errors.js'

interface Zstd {
  compress(data: Uint8Array, opts?: {compressionLevel?: number}): Buffer
  decompress(data: Uint8Array): Buffer
}

let zstd: Zstd | null | undefined

function binding(): Zstd | null {
  if (zstd === undefined) {
    try {
      zstd = createRequire(import.meta.url)('zstd-napi') as Zstd
    } catch {
      zstd = null
    }
  }
  return zstd
}

/** zstd level 1 of `data`, or null when the binding is unavailable. */
export function compress(data: Uint8Array): Buffer | null {
  const z = binding()
  return z ? z.compress(data, {compressionLevel: 1}) : null
}

/** Decompresses a zstd frame that must expand to `expected` bytes. */
export function decompress(data: Uint8Array, expected: number): Buffer {
  const z = binding()
  if (!z) throw new BlError('IO_ERROR', 'this object is zstd-compressed and the zstd binding (zstd-napi) is not available', {hint: 'Reinstall bl (`npm install`) so its native zstd binding is built.'})
  const out = z.decompress(data)
  if (out.length !== expected) throw new Error(`expands to ${out.length} bytes, not ${expected}`)
  return out
}
