/**
 * BLAKE3-256 ids. The one wrapper around the hashing libraries: the native binding of
 * @napi-rs/blake-hash (~3 GB/s; its platform package is an optional dependency, loaded directly
 * because npm cannot lock the wrapper's full set of platform packages here) and, where it cannot
 * load, hash-wasm's WebAssembly build (~0.6 GB/s).
 * A file's id is BLAKE3 of its bytes, so `b3sum FILE` prints the same hex.
 */
import {createRequire} from 'node:module'
import {BlError} from './errors.js'

export type Oid = string & {readonly __brand: 'Oid'}

export interface IncrementalHasher {
  update(data: Uint8Array): void
  /** Returns the 32-byte digest of everything since creation or the last `reset`. */
  digest(): Buffer
  /** Starts over, so one hasher serves many files (creating one costs ~10 µs). */
  reset(): void
}

interface Backend {
  name: 'native' | 'wasm'
  oneShot(data: Uint8Array): Buffer
  create(): IncrementalHasher
}

interface NativeBlake {
  blake3(input: Uint8Array): Buffer
  Blake3Hasher: new () => {update(d: Uint8Array): unknown; digestBuffer(): Buffer; reset(): void}
}

async function loadNative(): Promise<Backend> {
  const libc = process.platform === 'linux' ? '-gnu' : ''
  const mod = createRequire(import.meta.url)(`@napi-rs/blake-hash-${process.platform}-${process.arch}${libc}`) as NativeBlake
  return {
    name: 'native',
    oneShot: (data) => mod.blake3(data),
    create() {
      const h = new mod.Blake3Hasher()
      return {update: (d) => void h.update(d), digest: () => h.digestBuffer(), reset: () => h.reset()}
    },
  }
}

async function loadWasm(): Promise<Backend> {
  const {createBLAKE3} = await import('hash-wasm')
  // One shared instance for one-shot hashing; fresh ones for incremental use.
  const shared = await createBLAKE3()
  const pool: Array<Awaited<ReturnType<typeof createBLAKE3>>> = []
  for (let i = 0; i < 16; i++) pool.push(await createBLAKE3())
  return {
    name: 'wasm',
    oneShot(data) {
      shared.init()
      shared.update(data)
      return Buffer.from(shared.digest('binary'))
    },
    create() {
      // hash-wasm instances can only be created asynchronously, so a hasher borrows one from a
      // pool from its first update until its digest.
      let h: (typeof pool)[number] | undefined
      const take = (): (typeof pool)[number] => {
        if (!h) {
          h = pool.pop()
          if (!h) throw new Error('out of WebAssembly BLAKE3 instances')
          h.init()
        }
        return h
      }
      return {
        update: (d) => void take().update(d),
        digest() {
          const out = Buffer.from(take().digest('binary'))
          pool.push(h!)
          h = undefined
          return out
        },
        reset() {
          if (h) pool.push(h)
          h = undefined
        },
      }
    },
  }
}

async function loadBackend(): Promise<Backend> {
  try {
    return await loadNative()
  } catch {
    return loadWasm()
  }
}

let backend: Backend = await loadBackend()

/** For tests and diagnostics: which implementation is active, and a way to force the fallback. */
export function hashBackendName(): 'native' | 'wasm' {
  return backend.name
}

export async function useWasmHashForTesting(): Promise<void> {
  backend = await loadWasm()
}

export function hashBytes(data: Uint8Array): Buffer {
  return backend.oneShot(data)
}

export function hashHex(data: Uint8Array): Oid {
  return backend.oneShot(data).toString('hex') as Oid
}

export function createHasher(): IncrementalHasher {
  return backend.create()
}

const OID_RE = /^[0-9a-f]{64}$/

export function isOid(s: string): s is Oid {
  return OID_RE.test(s)
}

export function parseOid(s: string): Oid {
  if (!isOid(s)) throw new BlError('CORRUPT_OBJECT', `not a BLAKE3 id: ${JSON.stringify(s.slice(0, 80))}`, {hint: 'Ids are 64 lowercase hex digits.'})
  return s
}

export const EMPTY_OID = hashHex(new Uint8Array(0))
