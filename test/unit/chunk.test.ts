import {test} from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import {AVG_CHUNK, chunkBoundaries, MAX_CHUNK, MIN_CHUNK, WasmChunker} from '../../src/core/chunk.ts'
import {hashHex} from '../../src/core/hash.ts'

/** Deterministic pseudo-random bytes (AES-CTR keystream). */
function prng(n: number, seed: number): Buffer {
  const key = Buffer.alloc(16, seed)
  const c = crypto.createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  return Buffer.concat([c.update(Buffer.alloc(n)), c.final()])
}

function chunkIds(buf: Uint8Array): string[] {
  const ends = chunkBoundaries(buf)
  let start = 0
  return ends.map((e) => {
    const id = hashHex(buf.subarray(start, e))
    start = e
    return id
  })
}

test('chunk sizes respect min/max and average near the target', () => {
  const data = prng(32 * 1024 * 1024, 1)
  const ends = chunkBoundaries(data)
  let start = 0
  for (const [i, e] of ends.entries()) {
    const len = e - start
    assert.ok(len <= MAX_CHUNK, `chunk ${i} too large: ${len}`)
    if (i < ends.length - 1) assert.ok(len >= MIN_CHUNK, `chunk ${i} too small: ${len}`)
    start = e
  }
  assert.equal(ends[ends.length - 1], data.length)
  const avg = data.length / ends.length
  assert.ok(avg > AVG_CHUNK * 0.75 && avg < AVG_CHUNK * 1.5, `average ${avg}`)
})

test('inserting one byte near the start of a 64 MiB file changes at most 3 chunks', () => {
  const data = prng(64 * 1024 * 1024, 2)
  const edited = Buffer.concat([data.subarray(0, 1000), Buffer.from([0x42]), data.subarray(1000)])
  const before = new Set(chunkIds(data))
  const after = chunkIds(edited)
  const changed = after.filter((id) => !before.has(id)).length
  assert.ok(changed <= 3, `${changed} chunks changed`)
  assert.ok(after.length > 100)
})

test('the WebAssembly scan finds exactly the cuts of the reference implementation', () => {
  const n = 8 * 1024 * 1024
  const data = prng(n, 3)
  const w = new WasmChunker(n)
  w.data.set(data)
  const wasmEnds: number[] = []
  let s = 0
  while (s < n) {
    const c = w.findCut(s, n, true)
    wasmEnds.push(c)
    s = c
  }
  assert.deepEqual(wasmEnds, chunkBoundaries(data))
})

test('a cut is never decided before enough bytes are seen', () => {
  const w = new WasmChunker(4 * 1024 * 1024)
  w.data.set(prng(4 * 1024 * 1024, 4))
  // Less than MAX available and not at EOF: either a definite cut or -1, never the buffer end.
  const c = w.findCut(0, MIN_CHUNK + 10, false)
  assert.ok(c === -1 || c < MIN_CHUNK + 10)
  assert.equal(w.findCut(0, 100, false), -1)
  assert.equal(w.findCut(0, 100, true), 100)
})

test('chunking is deterministic: pinned boundaries of a seeded input', () => {
  const ends = chunkBoundaries(prng(4 * 1024 * 1024, 5))
  // Pinned: any change to the gear table, masks or sizes changes these (and every stored chunk id).
  assert.deepEqual(ends, PINNED_ENDS)
})

const PINNED_ENDS: number[] = [151479,443413,601791,866597,1170301,1526160,1792567,2073015,2338123,2646465,2925472,3170111,3637024,3935067,4194304]

test('withOpenFile names the file only for its own errors; a store error from the callback keeps its code', async () => {
  const {withOpenFile} = await import('../../src/core/worktree/file-chunker.ts')
  const {BlError} = await import('../../src/core/errors.ts')
  const busy = Object.assign(new Error('database is locked'), {code: 'SQLITE_BUSY'})
  assert.throws(() => withOpenFile(process.execPath, 'node', () => {
    throw busy
  }), (err: unknown) => err === busy)
  const eio = Object.assign(new Error('EIO: i/o error, read'), {code: 'EIO', syscall: 'read', errno: -5})
  assert.throws(() => withOpenFile(process.execPath, 'node', () => {
    throw eio
  }), (err: unknown) => err instanceof BlError && err.code === 'IO_ERROR' && (err.data as {path: string}).path === 'node')
  assert.throws(() => withOpenFile('/nonexistent/bl-file', 'gone.bin', () => 0), (err: unknown) => err instanceof BlError && err.code === 'FILE_CHANGED_DURING_READ')
})
