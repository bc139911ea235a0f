/**
 * Read sessions (SqliteObjectStore.readSession): a loop's point reads share one read transaction
 * instead of locking the file per query. Observed from a second connection: while a session's
 * transaction is open, another writer cannot commit; a write on the session's own connection ends
 * the read transaction first; `end()` releases it.
 */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import type {Oid} from '../../src/core/hash.ts'
import {hashHex} from '../../src/core/hash.ts'
import {SqliteObjectStore} from '../../src/core/store/sqlite-object-store.ts'

function setup(): {store: SqliteObjectStore; other: Database.Database; id: Oid; cleanup(): void} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-reads-'))
  const file = path.join(dir, 'bl.db')
  const store = SqliteObjectStore.open(file, {create: true})
  const data = Buffer.from('a blob record stand-in')
  const id = hashHex(data) as Oid
  store.transaction(() => store.putObject(id, 'blob', data))
  // A second connection that never waits: a commit that needs the lock fails at once.
  const other = new Database(file, {timeout: 0})
  return {
    store,
    other,
    id,
    cleanup() {
      other.close()
      store.close()
      fs.rmSync(dir, {recursive: true, force: true})
    },
  }
}

/** Can the other connection commit a write right now? */
function otherCanWrite(other: Database.Database): boolean {
  try {
    other.prepare("INSERT INTO config(key, value) VALUES ('probe', '1') ON CONFLICT(key) DO UPDATE SET value = value || '1'").run()
    return true
  } catch (err) {
    assert.match((err as {code?: string}).code ?? '', /SQLITE_BUSY/)
    return false
  }
}

test('a read session holds one read transaction across reads, until it ends', () => {
  const {store, other, id, cleanup} = setup()
  try {
    assert.equal(otherCanWrite(other), true, 'no session: the other connection writes')
    const reads = store.readSession()
    reads.keep()
    assert.equal(store.getObject(id)?.kind, 'blob')
    assert.equal(otherCanWrite(other), false, 'the session holds its read transaction between queries')
    reads.keep()
    assert.equal(store.hasObject(id), true)
    assert.equal(otherCanWrite(other), false)
    reads.end()
    assert.equal(otherCanWrite(other), true, 'end() released it')
  } finally {
    cleanup()
  }
})

test('a write on the session\'s own connection ends the read transaction first; keep() begins another', () => {
  const {store, other, id, cleanup} = setup()
  try {
    const reads = store.readSession()
    reads.keep()
    assert.equal(store.getObject(id)?.kind, 'blob')
    store.transaction(() => store.setConfig('k', 'v'))
    assert.equal(store.getConfig('k'), 'v')
    assert.equal(otherCanWrite(other), true, 'after its own write, the connection holds no read lock')
    reads.keep()
    assert.equal(store.hasObject(id), true)
    assert.equal(otherCanWrite(other), false, 'keep() began a new read transaction')
    reads.end()
    assert.equal(otherCanWrite(other), true)
  } finally {
    cleanup()
  }
})

test('a read session renews its transaction once it is old, so a writer elsewhere gets its turn', async () => {
  const {store, other, id, cleanup} = setup()
  try {
    const reads = store.readSession()
    reads.keep()
    assert.equal(store.hasObject(id), true)
    // The other connection writes and tries to commit: it must wait for the session's read lock.
    other.exec('BEGIN IMMEDIATE')
    other.prepare("INSERT INTO config(key, value) VALUES ('w', '1')").run()
    assert.throws(() => other.exec('COMMIT'), /database is locked/)
    reads.keep()
    assert.throws(() => other.exec('COMMIT'), /database is locked/, 'a young read transaction is kept')
    await new Promise((r) => setTimeout(r, 150))
    // Past READ_SESSION_MS, keep() commits the old read transaction and begins a new (deferred)
    // one, which takes no lock until the next read: the writer's retry now commits.
    reads.keep()
    other.exec('COMMIT')
    assert.equal(store.getConfig('w'), '1', 'the next read sees the write')
    reads.end()
  } finally {
    cleanup()
  }
})
