/**
 * Reading the index fast: the decoder's ASCII shortcut must not change any path, and a decoded
 * index is reused only while the database holds that same index.
 */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {Context} from '../../src/core/context.ts'
import {init} from '../../src/core/ops/init.ts'
import {openRepo} from '../../src/core/repo.ts'
import {decodeIndex, encodeIndex} from '../../src/core/store/index-codec.ts'
import type {IndexEntry} from '../../src/core/store/types.ts'

function tempDir(t: {after(fn: () => void): void}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-indexread-'))
  t.after(() => fs.rmSync(dir, {recursive: true, force: true}))
  return dir
}

test('the index decoder reads ASCII, non-ASCII and mixed paths exactly as they were written', () => {
  const id = 'ab'.repeat(32) as IndexEntry['id']
  const paths = ['a.csv', 'dir/é.bin', 'x/y/z', 'データ/ファイル.parquet', 'z\u0080', 'tail']
  const entries: IndexEntry[] = paths.map((p, i) => ({path: p, kind: 'file', exec: i % 2 === 1, size: i * 1000 + 0.5, id, mtime: 1.7e12 + i + 0.123456, ctime: 1.7e12 + i, ino: 2 ** 40 + i, checked: 1.7e12 + 99}))
  assert.deepEqual(decodeIndex(encodeIndex(entries)), entries)
})

test('a decoded index is reused only while no other connection has written it', (t) => {
  const dir = tempDir(t)
  const ctx: Context = {cwd: dir, env: {}, userConfigDir: path.join(dir, '.cfg'), now: () => new Date()}
  init(ctx, {})
  const a = openRepo(ctx)
  const b = openRepo(ctx)
  t.after(() => {
    a.close()
    b.close()
  })
  const id = 'cd'.repeat(32) as IndexEntry['id']
  const entry = (p: string): IndexEntry => ({path: p, kind: 'file', exec: false, size: 1, id, mtime: 1, ctime: 1, ino: 1, checked: 2})
  const paths = (r: typeof a): string[] => r.store.readIndex().map((e) => e.path)
  a.store.transaction(() => {
    a.store.putIndexEntry(entry('c'))
    a.store.putIndexEntry(entry('a'))
  })
  assert.deepEqual(paths(a), ['a', 'c'], 'this connection reads its own write (and in path order)')
  assert.deepEqual(paths(b), ['a', 'c'])
  // b changes the index after a decoded it: a's next change must start from b's index, not a's copy.
  b.store.transaction(() => b.store.putIndexEntry(entry('b')))
  a.store.transaction(() => a.store.putIndexEntry(entry('d')))
  assert.deepEqual(paths(b), ['a', 'b', 'c', 'd'], "no entry of the other connection's is lost")
  // Replacing and deleting entries (nothing added) keeps the path order.
  a.store.transaction(() => {
    a.store.putIndexEntry({...entry('a'), size: 7})
    a.store.deleteIndexEntry('b')
  })
  assert.deepEqual(paths(b), ['a', 'c', 'd'])
  assert.equal(b.store.readIndex()[0]!.size, 7)
})
