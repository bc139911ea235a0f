/**
 * Fetched file records checked while their chunks arrive (src/core/remote/blob-check.ts), and the
 * clone's staged files fed from them (src/core/worktree/staged-files.ts).
 */
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {spawnSync} from 'node:child_process'
import {BlobCheck} from '../../src/core/remote/blob-check.ts'
import type {ContentSink} from '../../src/core/content-sink.ts'
import {hashBackendName, hashHex, useWasmHashForTesting, type Oid} from '../../src/core/hash.ts'
import type {BlobRecord} from '../../src/core/objects/blob.ts'
import {SqliteObjectStore} from '../../src/core/store/sqlite-object-store.ts'
import {StagedFiles} from '../../src/core/worktree/staged-files.ts'

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'bl-blobcheck-'))
}

/** Runs `fn` with a fresh store in a temporary directory, removed afterwards. */
async function withStore(fn: (store: SqliteObjectStore) => void | Promise<void>): Promise<void> {
  const dir = tmpDir()
  const store = SqliteObjectStore.open(path.join(dir, 'bl.db'), {create: true})
  try {
    await fn(store)
  } finally {
    store.close()
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

/** A file of `parts` chunks: its id, record and chunks. */
function file(parts: Buffer[]): {id: Oid; rec: BlobRecord; chunks: Array<{id: Oid; data: Buffer}>} {
  const chunks = parts.map((data) => ({id: hashHex(data), data}))
  const whole = Buffer.concat(parts)
  return {id: hashHex(whole), rec: {size: whole.length, chunks: chunks.map((c) => ({id: c.id, len: c.data.length}))}, chunks}
}

/** Stores each chunk (as fetchChunks does) and tells the check. */
function arrive(store: SqliteObjectStore, check: BlobCheck, chunks: Array<{id: Oid; data: Buffer}>): void {
  for (const c of chunks) {
    store.transaction(() => store.putChunks([c]))
    check.stored(c.id, c.data)
  }
}

/** A sink that keeps what it is given. */
function memorySink(): ContentSink & {bytes: Map<Oid, Buffer[]>; ended: Map<Oid, boolean>} {
  const bytes = new Map<Oid, Buffer[]>()
  const ended = new Map<Oid, boolean>()
  return {
    bytes,
    ended,
    begin: (id) => (bytes.set(id, []), true),
    write: (id, b) => void bytes.get(id)!.push(Buffer.from(b)),
    end: (id, ok) => void ended.set(id, ok),
  }
}

describe('checking file records as chunks arrive', () => {
  it('chunks in any order: every record is checked, and the sink gets each file whole, in order', async () => {
    await withStore(async (store) => {
      const parts = Array.from({length: 6}, (_, i) => crypto.randomBytes(1000 + i))
      const a = file([parts[0]!, parts[1]!, parts[2]!])
      // b repeats a chunk and shares one with a.
      const b = file([parts[3]!, parts[1]!, parts[3]!, parts[4]!])
      const c = file([parts[5]!])
      const incoming = new Set([...a.chunks, ...b.chunks, ...c.chunks].map((x) => x.id))
      const sink = memorySink()
      const check = new BlobCheck(store, incoming, {to: sink, ids: new Set([a.id, b.id])})
      for (const f of [a, b, c]) check.add(f.id, f.rec)
      // Out of order: later chunks before earlier ones.
      arrive(store, check, [b.chunks[3]!, a.chunks[2]!, c.chunks[0]!, a.chunks[1]!, b.chunks[0]!, a.chunks[0]!])
      check.finish()
      assert.deepEqual(Buffer.concat(sink.bytes.get(a.id)!), Buffer.concat([parts[0]!, parts[1]!, parts[2]!]))
      assert.deepEqual(Buffer.concat(sink.bytes.get(b.id)!), Buffer.concat([parts[3]!, parts[1]!, parts[3]!, parts[4]!]))
      assert.deepEqual(Object.fromEntries(sink.ended), {[a.id]: true, [b.id]: true})
      assert.equal(sink.bytes.has(c.id), false, 'c is not asked for')
    })
  })

  it('a record that does not name its content fails with CORRUPT_REMOTE, and the sink is told to drop it', async () => {
    await withStore(async (store) => {
      const good = file([crypto.randomBytes(500), crypto.randomBytes(700)])
      const forged = {...good, id: hashHex(Buffer.from('something else'))}
      const sink = memorySink()
      const check = new BlobCheck(store, new Set(good.chunks.map((c) => c.id)), {to: sink, ids: new Set([forged.id])})
      check.add(forged.id, forged.rec)
      assert.throws(() => arrive(store, check, good.chunks), (e: any) => e.code === 'CORRUPT_REMOTE' && e.message.includes(forged.id))
      assert.equal(sink.ended.get(forged.id), false)
    })
  })

  it('a record whose size lies is refused even when its chunks are right', async () => {
    await withStore(async (store) => {
      const f = file([crypto.randomBytes(300)])
      const check = new BlobCheck(store, new Set(f.chunks.map((c) => c.id)))
      check.add(f.id, {...f.rec, size: f.rec.size + 1})
      assert.throws(() => arrive(store, check, f.chunks), (e: any) => e.code === 'CORRUPT_REMOTE')
    })
  })

  it('records of chunks that were local already, and more records part-way than hashers allow, are checked by finish', async () => {
    await withStore(async (store) => {
      const local = file([crypto.randomBytes(400), crypto.randomBytes(400)])
      store.transaction(() => store.putChunks(local.chunks))
      const forgedLocal = {id: hashHex(Buffer.from('not it')), rec: local.rec}
      // 20 two-chunk files whose first chunks all arrive before any second one: 20 part-way at once.
      const many = Array.from({length: 20}, () => file([crypto.randomBytes(64), crypto.randomBytes(64)]))
      const incoming = new Set(many.flatMap((f) => f.chunks.map((c) => c.id)))
      const sink = memorySink()
      const check = new BlobCheck(store, incoming, {to: sink, ids: new Set(many.map((f) => f.id))})
      check.add(local.id, local.rec)
      for (const f of many) check.add(f.id, f.rec)
      arrive(store, check, many.map((f) => f.chunks[0]!))
      arrive(store, check, many.map((f) => f.chunks[1]!))
      check.finish()
      for (const f of many) assert.deepEqual(Buffer.concat(sink.bytes.get(f.id)!), Buffer.concat(f.chunks.map((c) => c.data)))
      assert.equal([...sink.ended.values()].filter(Boolean).length, 20)
      const check2 = new BlobCheck(store, new Set())
      check2.add(forgedLocal.id, forgedLocal.rec)
      assert.throws(() => check2.finish(), (e: any) => e.code === 'CORRUPT_REMOTE')
    })
  })

  it('a lazy fetch: records whose chunks never come stay unchecked, without an error', async () => {
    await withStore(async (store) => {
      const f = file([crypto.randomBytes(100)])
      const sink = memorySink()
      const check = new BlobCheck(store, new Set(f.chunks.map((c) => c.id)), {to: sink, ids: new Set([f.id])})
      check.add(f.id, f.rec)
      check.finish()
      assert.equal(sink.bytes.size, 0, 'nothing was hashed or staged')
    })
  })

  it('with the WebAssembly hashers (16 in all): a forged record deferred while 12 others are part-way is caught by finish; a check that fails mid-way gives its hashers back', async () => {
    await useWasmHashForTesting()
    assert.equal(hashBackendName(), 'wasm')
    await withStore(async (store) => {
      const FORGED = hashHex(Buffer.from('forged'))
      /** `late`: the forged record is reached only by finish; otherwise it fails while 11 others are part-way. */
      const run = (forge: boolean, late: boolean): void => {
        const waiting = Array.from({length: late ? 12 : 11}, () => file([crypto.randomBytes(64), crypto.randomBytes(64)]))
        const real = file([crypto.randomBytes(80), crypto.randomBytes(80)])
        const target = {...real, id: forge ? FORGED : real.id}
        const incoming = new Set([...waiting, real].flatMap((f) => f.chunks.map((c) => c.id)))
        const check = new BlobCheck(store, incoming)
        for (const f of [...waiting, target]) check.add(f.id, f.rec)
        try {
          arrive(store, check, waiting.map((f) => f.chunks[0]!)) // part-way, each holding a hasher
          arrive(store, check, real.chunks) // late: deferred (no hasher free); else checked now
          arrive(store, check, waiting.map((f) => f.chunks[1]!))
          check.finish()
        } finally {
          check.dispose()
        }
      }
      for (let i = 0; i < 3; i++) {
        assert.throws(() => run(true, true), (e: any) => e.code === 'CORRUPT_REMOTE' && e.message.includes(FORGED))
        assert.throws(() => run(true, false), (e: any) => e.code === 'CORRUPT_REMOTE' && e.message.includes(FORGED))
      }
      // Had the failed checks kept their 11 hashers each, the pool of 16 would have run dry above.
      run(false, true)
      run(false, false)
    })
  })
})

describe('staged files of a clone', () => {
  it('take renames a staged file into place, executable when asked (x where the umask left r)', () => {
    const dir = tmpDir()
    const bl = path.join(dir, '.bl')
    fs.mkdirSync(bl)
    const staged = StagedFiles.in(bl)
    const id = hashHex(Buffer.from('#!/bin/sh\n'))
    assert.equal(staged.begin(id), true)
    assert.equal(staged.begin(id), false, 'one writer per id')
    staged.write(id, Buffer.from('#!/bin/'))
    staged.write(id, Buffer.from('sh\n'))
    staged.end(id, true)
    assert.equal(staged.size(id), 10)
    const dest = path.join(dir, 'run.sh')
    assert.equal(staged.take(id, dest, true), true)
    assert.equal(fs.readFileSync(dest, 'utf8'), '#!/bin/sh\n')
    const mode = fs.statSync(dest).mode & 0o777
    assert.equal(mode & 0o100, 0o100, `owner x set (mode ${mode.toString(8)})`)
    assert.equal(staged.take(id, path.join(dir, 'again'), false), false, 'taken once')
    staged.dispose()
    assert.deepEqual(fs.readdirSync(bl), [], 'the stage directory is gone')
    fs.rmSync(dir, {recursive: true, force: true})
  })

  it('an executable gets the mode an open with 0o777 gives under the umask; a failed rename falls back (false) and drops the file', () => {
    const dir = tmpDir()
    const bl = path.join(dir, '.bl')
    fs.mkdirSync(bl)
    const old = process.umask(0o011)
    try {
      const staged = StagedFiles.in(bl)
      const a = hashHex(Buffer.from('a'))
      const b = hashHex(Buffer.from('b'))
      for (const id of [a, b]) {
        staged.begin(id)
        staged.write(id, Buffer.from(id === a ? 'a' : 'b'))
        staged.end(id, true)
      }
      assert.equal(staged.take(a, path.join(dir, 'tool'), true), true)
      assert.equal(fs.statSync(path.join(dir, 'tool')).mode & 0o777, 0o766, 'x only where the umask allows it')
      assert.equal(staged.take(b, path.join(dir, 'no', 'such', 'dir', 'b'), false), false)
      assert.deepEqual(fs.readdirSync(path.join(bl, `stage-${process.pid}`)), [], 'the staged copy is gone')
      assert.equal(staged.taken, 1)
      staged.dispose()
    } finally {
      process.umask(old)
    }
    fs.rmSync(dir, {recursive: true, force: true})
  })

  it('a file that failed its check is dropped; dispose removes what was not taken; stages of dead processes are swept', () => {
    const dir = tmpDir()
    const bl = path.join(dir, '.bl')
    fs.mkdirSync(bl)
    // A stage left by a process that is gone (a pid that ran and exited).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'}).stdout
    fs.mkdirSync(path.join(bl, `stage-${dead}`))
    fs.writeFileSync(path.join(bl, `stage-${dead}`, 'x'), 'left over')
    const staged = StagedFiles.in(bl)
    assert.equal(fs.existsSync(path.join(bl, `stage-${dead}`)), false)
    const bad = hashHex(Buffer.from('bad'))
    staged.begin(bad)
    staged.write(bad, Buffer.from('bad'))
    staged.end(bad, false)
    assert.equal(staged.size(bad), undefined)
    assert.equal(staged.take(bad, path.join(dir, 'bad'), false), false)
    const unused = hashHex(Buffer.from('unused'))
    staged.begin(unused)
    staged.write(unused, Buffer.from('unused'))
    staged.end(unused, true)
    assert.deepEqual(fs.readdirSync(path.join(bl, `stage-${process.pid}`)), [unused])
    staged.dispose()
    assert.deepEqual(fs.readdirSync(bl), [])
    fs.rmSync(dir, {recursive: true, force: true})
  })
})
