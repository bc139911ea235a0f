import {test} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type {Context} from '../../src/core/context.ts'
import {BlError} from '../../src/core/errors.ts'
import type {Oid} from '../../src/core/hash.ts'
import {commitId, encodeCommit, type Commit} from '../../src/core/objects/index.ts'
import {add} from '../../src/core/ops/add.ts'
import {commit} from '../../src/core/ops/commit.ts'
import {advanceHead, checkBranchName, updateRefs} from '../../src/core/refs/refs.ts'
import {resolveRevision} from '../../src/core/refs/revision.ts'
import type {Repo} from '../../src/core/repo.ts'
import {readFileBytes} from '../../src/core/odb.ts'
import {Ingestor} from '../../src/core/worktree/ingest.ts'
import {steppingClock, tempRepo as newRepo} from '../support/temp-repo.ts'

function tempRepo(t: {after(fn: () => void): void}): {ctx: Context; repo: Repo; dir: string} {
  return newRepo(t, {now: steppingClock()})
}

/** Builds a linear history with merges through the core API (no processes). */
function makeCommit(repo: Repo, parents: Oid[], n: number): Oid {
  const c: Commit = {tree: EMPTY_TREE(), parents, author: {name: 'a', email: 'a@b', time: n, tz: 0}, committer: {name: 'a', email: 'a@b', time: n, tz: 0}, message: `c${n}\n`, meta: {}}
  const id = commitId(c)
  repo.store.putObject(id, 'commit', encodeCommit(c))
  return id
}

let emptyTree: Oid | undefined
function EMPTY_TREE(): Oid {
  return emptyTree!
}

async function baseCommit(repo: Repo): Promise<void> {
  fs.writeFileSync(path.join(repo.root, 'x'), 'x')
  await add(repo, {paths: ['x']})
  emptyTree = (await commit(repo, {message: 'base'})).tree
}

test('revision parsing: names, prefixes, ~N and ^N', async (t) => {
  const {repo} = tempRepo(t)
  await baseCommit(repo)
  const base = resolveRevision(repo, 'HEAD')
  const c1 = makeCommit(repo, [base], 1)
  const side = makeCommit(repo, [base], 2)
  const merge = makeCommit(repo, [c1, side], 3)
  repo.store.transaction(() => {
    updateRefs(repo, [{ref: 'refs/tags/v1', to: c1, message: 't'}])
    advanceHead(repo, base, merge, 'test')
  })
  assert.equal(resolveRevision(repo, 'HEAD'), merge)
  assert.equal(resolveRevision(repo, 'main'), merge)
  assert.equal(resolveRevision(repo, 'refs/heads/main'), merge)
  assert.equal(resolveRevision(repo, 'v1'), c1)
  assert.equal(resolveRevision(repo, 'HEAD~1'), c1)
  assert.equal(resolveRevision(repo, 'HEAD^'), c1)
  assert.equal(resolveRevision(repo, 'HEAD^2'), side)
  assert.equal(resolveRevision(repo, 'HEAD~2'), base)
  assert.equal(resolveRevision(repo, 'main^2~1'), base)
  assert.equal(resolveRevision(repo, 'HEAD^0'), merge)
  assert.equal(resolveRevision(repo, merge), merge)
  assert.equal(resolveRevision(repo, merge.slice(0, 10)), merge)
  const fails = (rev: string, code: string): void => assert.throws(() => resolveRevision(repo, rev), (e: unknown) => e instanceof BlError && e.code === code, rev)
  fails('nope', 'UNKNOWN_REVISION')
  fails('HEAD~9', 'UNKNOWN_REVISION')
  fails('HEAD^3', 'UNKNOWN_REVISION')
  fails('abc', 'UNKNOWN_REVISION') // prefixes shorter than 4 digits are not ids
  fails('', 'UNKNOWN_REVISION')
})

test('branch names follow git check-ref-format', () => {
  for (const ok of ['main', 'feature/x', 'v1.0', 'a-b_c']) assert.equal(checkBranchName(ok), ok)
  for (const bad of ['', 'a..b', '-x', 'a b', 'x.lock', 'a/', '.hidden', 'a~1', 'a:b', 'HEAD', 'a@{1}'])
    assert.throws(() => checkBranchName(bad), (e: unknown) => e instanceof BlError && e.code === 'BAD_REF_NAME', bad)
})

test('store: files round-trip through chunks and segments; duplicates are stored once', (t) => {
  const {repo} = tempRepo(t)
  const ing = new Ingestor(repo.store)
  const data = Buffer.alloc(3 * 1024 * 1024)
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 256 ^ (i >> 12)
  const a = ing.addBytes(data)
  const b = ing.addBytes(data)
  repo.store.transaction(() => ing.flushObjects())
  assert.equal(a.id, b.id)
  assert.deepEqual(readFileBytes(repo.store, a.id), data)
  const stored = repo.store.stats().chunkBytes
  assert.ok(stored <= data.length, `stored ${stored} for ${data.length}`)
})

test('a ref update fails when the ref moved (compare-and-swap)', async (t) => {
  const {repo} = tempRepo(t)
  await baseCommit(repo)
  const head = resolveRevision(repo, 'HEAD')
  const other = makeCommit(repo, [head], 9)
  assert.throws(
    () => repo.store.transaction(() => updateRefs(repo, [{ref: 'refs/heads/main', expect: other, to: other, message: 'x'}])),
    (e: unknown) => e instanceof BlError && e.code === 'REF_CHANGED',
  )
  assert.equal(resolveRevision(repo, 'main'), head)
})

test('the worker-thread write path stores the same ids and bytes as the inline one', async (t) => {
  const {repo, dir} = tempRepo(t)
  const files: Array<{abs: string; path: string; size: number}> = []
  for (let i = 0; i < 12; i++) {
    const abs = path.join(dir, `f${i}.bin`)
    const data = Buffer.alloc(3 * 1024 * 1024 + i)
    for (let j = 0; j + 4 <= data.length; j += 4096) data.writeUInt32LE((j * 2654435761 + i) >>> 0, j)
    fs.writeFileSync(abs, data)
    files.push({abs, path: `f${i}.bin`, size: data.length})
  }
  files.push(files[0]!) // the same file twice: its chunks are stored once
  const ing = new Ingestor(repo.store)
  const viaWorker = await ing.addFiles(files)
  repo.store.transaction(() => ing.flushObjects())
  const inline = new Ingestor(repo.store)
  for (const [i, f] of files.entries()) assert.deepEqual(inline.addFile(f.abs, f.path), viaWorker[i])
  for (const [i, f] of files.entries()) assert.deepEqual(readFileBytes(repo.store, viaWorker[i]!.id), fs.readFileSync(f.abs))
  assert.ok(ing.bytesRead >= 12 * 3 * 1024 * 1024)
})

test('a worker-thread add lets the event loop turn and reports the bytes of one big file as they are read', async (t) => {
  const {repo, dir} = tempRepo(t)
  const abs = path.join(dir, 'big.bin')
  const data = Buffer.alloc(40 * 1024 * 1024)
  for (let j = 0; j + 4 <= data.length; j += 256) data.writeUInt32LE((j * 2654435761) >>> 0, j)
  fs.writeFileSync(abs, data)
  let ticks = 0
  const timer = setInterval(() => ticks++, 2)
  t.after(() => clearInterval(timer))
  const seen: number[] = []
  let ticksAtFile = -1
  // A slow consumer (as a busy progress view or SQLite is): the worker's replies queue up.
  const busy = (ms: number): void => {
    const end = performance.now() + ms
    while (performance.now() < end);
  }
  const ing = new Ingestor(repo.store, {
    onBytes: () => {
      seen.push(ticks)
      busy(15)
    },
    onFile: () => (ticksAtFile = ticks),
  })
  const [res] = await ing.addFiles([{abs, path: 'big.bin', size: data.length}])
  assert.equal(ing.bytesRead, data.length)
  // The bytes moved before the file was done (one report per segment, not one at the end).
  assert.ok(seen.length >= 5, `onBytes ran ${seen.length} times`)
  // Timers ran while replies were still queued: the view redraws during a big add.
  assert.ok(ticksAtFile > seen[0]!, `timer ticks during the add: ${seen[0]} .. ${ticksAtFile}`)
  repo.store.transaction(() => ing.flushObjects())
  assert.deepEqual(readFileBytes(repo.store, res!.id), data)
})

test('a file that fails in the worker-thread add rejects the batch with its error, and the pump stops', async (t) => {
  const {repo, dir} = tempRepo(t)
  const files: Array<{abs: string; path: string; size: number}> = []
  for (let i = 0; i < 2100; i++) {
    const abs = path.join(dir, `s${i}.txt`)
    fs.writeFileSync(abs, `file ${i}\n`)
    files.push({abs, path: `s${i}.txt`, size: 10})
  }
  fs.rmSync(files[1500]!.abs) // vanishes between the scan and the read
  const ing = new Ingestor(repo.store)
  await assert.rejects(ing.addFiles(files), (e: unknown) => e instanceof BlError && e.message.includes('s1500.txt'))
})

test('BL_AUTHOR_DATE: a time later than any calendar date is refused (every view of the history would show it as invalid)', (t) => {
  const {repo, ctx} = tempRepo(t)
  // The context's env is read-only to core; the test changes it between reads.
  const env = ctx.env as Record<string, string | undefined>
  env.BL_AUTHOR_DATE = '99999999999999 +0000'
  assert.throws(() => repo.identity(), (e: unknown) => e instanceof BlError && e.code === 'INVALID_ARGUMENT' && /later than any calendar date/.test(e.message))
  env.BL_AUTHOR_DATE = '1700000000 +0130'
  assert.deepEqual([repo.identity().time, repo.identity().tz], [1_700_000_000, 90])
})
