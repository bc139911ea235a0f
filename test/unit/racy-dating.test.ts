/**
 * Index entries are dated by the file system's clock: files a checkout writes by the moment its
 * index is written, files `add` hashes by the moment before hashing (Git's racy-clean rule), so
 * the next status trusts their stat instead of reading the whole tree again.
 */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {Context} from '../../src/core/context.ts'
import type {Oid} from '../../src/core/hash.ts'
import {add} from '../../src/core/ops/add.ts'
import {switchTo} from '../../src/core/ops/checkout.ts'
import {commit} from '../../src/core/ops/commit.ts'
import {status} from '../../src/core/ops/status.ts'
import {headTree, viewWorktree} from '../../src/core/ops/snapshot.ts'
import {restorePaths} from '../../src/core/merge/apply.ts'
import {decodeIndex, encodeIndex} from '../../src/core/store/index-codec.ts'
import {init} from '../../src/core/ops/init.ts'
import {openRepo, type Repo} from '../../src/core/repo.ts'
import {CLOCK_FILE, clockAfter, clockDevice, dateEntries, fileClock, loadIndex, OTHER_DEVICE_MARGIN_MS, RACY_WINDOW_MS, SETTLE_MAX_MS, statClean} from '../../src/core/worktree/index-state.ts'
import {tempRepo as newRepo} from '../support/temp-repo.ts'

/**
 * A repository whose clock runs `ahead()` ms ahead of real time: a test moves it forward in the
 * middle of an operation, as if that operation had taken that long.
 */
function tempRepo(t: {after(fn: () => void): void}, ahead: () => number): Repo {
  return newRepo(t, {prefix: 'bl-racy-', now: () => new Date(Date.now() + ahead())}).repo
}

/** main holds f = "old", branch `next` holds f = "new"; HEAD is on `next`. */
async function twoBranches(repo: Repo): Promise<string> {
  const f = path.join(repo.root, 'f')
  fs.writeFileSync(f, 'old')
  await add(repo, {paths: ['f']})
  await commit(repo, {message: 'old'})
  await switchTo(repo, {create: 'next'})
  fs.writeFileSync(f, 'new')
  await add(repo, {paths: ['f']})
  await commit(repo, {message: 'new'})
  return f
}

/** Blocks this thread for `ms`: the file system's clock moves on meanwhile. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

const clockOf = (repo: Repo): number => fs.lstatSync(path.join(repo.blDir, CLOCK_FILE)).mtimeMs

test('a file checkout wrote before its index is dated by the file-system clock and trusted by its stat', async (t) => {
  const repo = tempRepo(t, () => 0)
  const f = await twoBranches(repo)
  // 20 ms pass between writing f and writing the index (a timestamp tick is at most 10 ms).
  await switchTo(repo, {target: 'main', progress: {onFile: () => pause(20)}})
  assert.equal(fs.readFileSync(f, 'utf8'), 'old')
  const e = loadIndex(repo).get('f')!
  assert.equal(e.checked, clockOf(repo), 'dated by the clock file written with the index')
  assert.ok(statClean(e, fs.lstatSync(f)), `entry dated ${e.checked}, file modified ${fs.lstatSync(f).mtimeMs}: the next status would hash it again`)
})

test('a file written in the clock tick of the index write is not left racy: the dating waits for the tick to pass', (t) => {
  const repo = tempRepo(t, () => 0)
  const entry = (mtime: number) => ({path: 'f', kind: 'file' as const, exec: false, size: 1, id: 'ab'.repeat(32) as Oid, mtime, ctime: mtime, ino: 1, checked: 0})
  // Newest write 25 ms ahead of the clock: as one written in the current tick, and long enough
  // that reading the clock again without waiting cannot pass it.
  const ahead = entry(fileClock(repo) + 25)
  const never = {...entry(0), path: 'g'}
  dateEntries(repo, [ahead, never])
  assert.ok(ahead.checked > ahead.mtime, `dated ${ahead.checked}, written ${ahead.mtime}: the next status would hash it again`)
  assert.equal(ahead.checked, clockOf(repo), 'dated by a clock reading')
  assert.equal(never.checked, 0, 'an entry without stat data stays undated')
  // A timestamp far ahead (a skewed file system) is not waited for: the entry stays racy. Ten
  // datings take well under ten waits.
  const far = entry(fileClock(repo) + 3_600_000)
  const t0 = performance.now()
  for (let i = 0; i < 10; i++) dateEntries(repo, [far])
  assert.ok(performance.now() - t0 < 5 * SETTLE_MAX_MS, `10 datings took ${performance.now() - t0} ms: they waited`)
  assert.ok(far.checked <= far.mtime)
})

test('after a checkout of many files, no entry is racy: the next status hashes nothing', async (t) => {
  const repo = tempRepo(t, () => 0)
  for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(repo.root, `f${i}`), `v1 ${i}`)
  await add(repo, {paths: ['.']})
  await commit(repo, {message: 'v1'})
  await switchTo(repo, {create: 'next'})
  for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(repo.root, `f${i}`), `v2 ${i}`)
  await add(repo, {paths: ['.']})
  await commit(repo, {message: 'v2'})
  await switchTo(repo, {target: 'main'})
  const view = viewWorktree(repo, loadIndex(repo), [''])
  assert.equal(view.clean.size, 300)
  assert.deepEqual(view.refreshed.map((e) => e.path), [], 'files re-hashed by the status after the checkout')
})

test('a file written before `add` is trusted; the clock is read before hashing', async (t) => {
  // The system clock is an hour behind: dating by it (less the old 1 s margin) would make f racy.
  const repo = tempRepo(t, () => -3_600_000)
  const f = path.join(repo.root, 'f')
  fs.writeFileSync(f, 'data')
  pause(20)
  await add(repo, {paths: ['f']})
  const e = loadIndex(repo).get('f')!
  assert.ok(e.checked > fs.lstatSync(f).mtimeMs && e.checked <= clockOf(repo))
  assert.ok(statClean(e, fs.lstatSync(f)))
})

test('a file written in the tick `add` starts in is trusted: add waits for the tick before reading the clock', async (t) => {
  const repo = tempRepo(t, () => 0)
  const f = path.join(repo.root, 'f')
  fs.writeFileSync(f, 'data')
  // Its mtime 25 ms ahead of the clock: as a write in the current tick, and long enough that an add
  // reading the clock at once cannot pass it.
  const mtime = (fileClock(repo) + 25) / 1000
  fs.utimesSync(f, mtime, mtime)
  await add(repo, {paths: ['f']})
  const e = loadIndex(repo).get('f')!
  assert.ok(statClean(e, fs.lstatSync(f)), `entry dated ${e.checked}, file modified ${fs.lstatSync(f).mtimeMs}: the next status would hash it again`)
})

test('status refreshes a racy entry with the file-system clock read before hashing, so the next status trusts it', async (t) => {
  // The system clock is an hour behind: a refresh dated by it would leave f racy.
  const repo = tempRepo(t, () => -3_600_000)
  const f = path.join(repo.root, 'f')
  fs.writeFileSync(f, 'data')
  await add(repo, {paths: ['f']})
  // Same content, new stat data: the next status must hash f, then may refresh its entry.
  fs.utimesSync(f, new Date(), new Date())
  pause(20)
  assert.equal(statClean(loadIndex(repo).get('f')!, fs.lstatSync(f)), false)
  assert.deepEqual(status(repo).unstaged, [])
  const e = loadIndex(repo).get('f')!
  assert.ok(e.checked <= clockOf(repo))
  assert.ok(statClean(e, fs.lstatSync(f)), `refreshed entry dated ${e.checked}, file modified ${fs.lstatSync(f).mtimeMs}`)
})

test('a file written after the clock was read has an mtime no earlier than it, so it is never trusted', (t) => {
  const repo = tempRepo(t, () => 0)
  const probe = path.join(repo.root, 'probe')
  for (let i = 0; i < 50; i++) {
    const clock = fileClock(repo)
    fs.writeFileSync(probe, String(i))
    assert.ok(fs.lstatSync(probe).mtimeMs >= clock, `run ${i}: written after the clock, dated before it`)
  }
})

test('an entry dated in the tick its file was last written is racy', () => {
  const st = {mtimeMs: 1_700_000_000_123.456, ctimeMs: 1_700_000_000_123.456, ino: 7, size: 3, mode: 0o100644, isFile: () => true, isSymbolicLink: () => false, isDirectory: () => false} as unknown as fs.Stats
  const e = {path: 'f', kind: 'file' as const, exec: false, size: 3, id: 'x'.repeat(64) as Oid, mtime: st.mtimeMs, ctime: st.ctimeMs, ino: 7, checked: st.mtimeMs}
  assert.equal(statClean(e, st), false, 'same tick')
  assert.equal(statClean({...e, checked: st.mtimeMs + 0.001}, st), true, 'a later tick')
  assert.equal(statClean({...e, checked: 0}, st), false, 'never dated')
})

test('with a read-only .bl the system clock less the racy window dates entries', (t) => {
  const repo = tempRepo(t, () => 0)
  fs.mkdirSync(path.join(repo.blDir, CLOCK_FILE + '.d'))
  // A directory where the clock file goes: it cannot be opened for writing, as on a read-only mount.
  fs.rmSync(path.join(repo.blDir, CLOCK_FILE), {force: true})
  fs.renameSync(path.join(repo.blDir, CLOCK_FILE + '.d'), path.join(repo.blDir, CLOCK_FILE))
  const before = Date.now()
  const clock = fileClock(repo)
  assert.ok(clock >= before - RACY_WINDOW_MS && clock <= Date.now() - RACY_WINDOW_MS)
  // That clock never passes a file written now, so nothing waits for it (ten waits would be 500 ms).
  const t0 = performance.now()
  for (let i = 0; i < 10; i++) assert.ok(clockAfter(repo, Date.now()) <= Date.now() - RACY_WINDOW_MS)
  assert.ok(performance.now() - t0 < 5 * SETTLE_MAX_MS, `10 readings took ${performance.now() - t0} ms: they waited`)
})

test('a file checkout finds already at its target is dated before it was verified, not by the index write', async (t) => {
  const repo = tempRepo(t, () => 0)
  const f = path.join(repo.root, 'f')
  const h = path.join(repo.root, 'h')
  fs.writeFileSync(f, 'old')
  fs.writeFileSync(h, 'h on main')
  await add(repo, {paths: ['f', 'h']})
  await commit(repo, {message: 'main'})
  await switchTo(repo, {create: 'next'})
  fs.writeFileSync(f, 'new')
  fs.writeFileSync(h, 'h on next')
  await add(repo, {paths: ['f', 'h']})
  await commit(repo, {message: 'next'})
  // The work tree already holds main's f (an unstaged change): the checkout finds it in place.
  fs.writeFileSync(f, 'old')
  // It writes h, and 20 ms pass before the index is written.
  await switchTo(repo, {target: 'main', progress: {onFile: () => pause(20)}})
  assert.equal(fs.readFileSync(h, 'utf8'), 'h on main')
  const idx = loadIndex(repo)
  assert.equal(idx.get('h')!.checked, clockOf(repo), 'the written file is dated by the index write')
  const e = idx.get('f')!
  assert.equal(fs.readFileSync(f, 'utf8'), 'old')
  assert.ok(e.checked < clockOf(repo), `found entry dated ${e.checked}, index written ${clockOf(repo)}: dated after its hash`)
})

test('undo keeps the entry of a file it leaves in place as it was, so a racy entry stays racy', async (t) => {
  const repo = tempRepo(t, () => 0)
  const f = path.join(repo.root, 'f')
  fs.writeFileSync(f, 'data')
  await add(repo, {paths: ['f']})
  await commit(repo, {message: 'f'})
  // Make f's entry racy: dated in the tick f was written.
  const racy = {...loadIndex(repo).get('f')!}
  racy.checked = racy.mtime
  repo.store.transaction(() => repo.store.putIndexEntry(racy))
  pause(20)
  await restorePaths(repo, headTree(repo), ['f'])
  const e = loadIndex(repo).get('f')!
  assert.equal(e.checked, racy.checked)
  assert.equal(statClean(e, fs.lstatSync(f)), false, 'a stat match without a hash must not make a racy entry trusted')
})

test('an index written by version 1 is judged as it was written (its 1 s margin is kept)', () => {
  const e = {path: 'f', kind: 'file' as const, exec: false, size: 3, id: 'a'.repeat(64) as Oid, mtime: 1_700_000_000_000, ctime: 1_700_000_000_000, ino: 7, checked: 1_700_000_000_500}
  const v2 = encodeIndex([e, {...e, path: 'g', mtime: 0, ctime: 0, ino: 0, checked: 0}])
  assert.equal(v2[1], 2)
  assert.deepEqual(decodeIndex(v2)[0], e)
  const v1 = Buffer.from(v2)
  v1[1] = 1
  const [old, never] = decodeIndex(v1)
  assert.equal(old!.checked, e.checked - RACY_WINDOW_MS, 'version 1 trusted mtime + 1000 < checked')
  assert.equal(never!.checked, 0)
  const st = {mtimeMs: e.mtime, ctimeMs: e.ctime, ino: 7, size: 3, mode: 0o100644, isFile: () => true, isSymbolicLink: () => false, isDirectory: () => false} as unknown as fs.Stats
  assert.equal(statClean(old!, st), false, 'modified 0.5 s before it was hashed: racy under version 1')
  const v3 = Buffer.from(v2)
  v3[1] = 3
  assert.throws(() => decodeIndex(v3), /written by a newer bl/)
})

test('the clock never writes through a link planted at .bl/clock', (t) => {
  const repo = tempRepo(t, () => 0)
  const outside = path.join(repo.root, 'outside.txt')
  fs.writeFileSync(outside, 'precious')
  fs.rmSync(path.join(repo.blDir, CLOCK_FILE), {force: true})
  fs.symlinkSync(outside, path.join(repo.blDir, CLOCK_FILE))
  const before = Date.now()
  const clock = fileClock(repo)
  assert.equal(fs.readFileSync(outside, 'utf8'), 'precious')
  assert.ok(clock <= Date.now() - RACY_WINDOW_MS && clock >= before - RACY_WINDOW_MS, 'falls back to the machine clock less the margin')
})

test('a file on another device than .bl keeps a 2 s margin: its timestamps may be coarser than those of the clock file', (t) => {
  const repo = tempRepo(t, () => 0)
  const dev = clockDevice(repo)
  assert.equal(dev, fs.statSync(repo.blDir).dev)
  const here = {mtimeMs: 1_700_000_000_000, ctimeMs: 1_700_000_000_000, ino: 7, size: 3, dev, mode: 0o100644, isFile: () => true, isSymbolicLink: () => false, isDirectory: () => false} as unknown as fs.Stats
  const elsewhere = {...here, dev: dev! + 1} as unknown as fs.Stats
  const e = {path: 'f', kind: 'file' as const, exec: false, size: 3, id: 'a'.repeat(64) as Oid, mtime: here.mtimeMs, ctime: here.ctimeMs, ino: 7, checked: here.mtimeMs + 1500}
  assert.equal(statClean(e, here, dev), true, 'on the file system of the clock: an earlier tick is enough')
  assert.equal(statClean(e, elsewhere, dev), false, 'elsewhere: 1.5 s is inside a 2 s (FAT) tick')
  assert.equal(statClean({...e, checked: here.mtimeMs + OTHER_DEVICE_MARGIN_MS + 1}, elsewhere, dev), true)
})

test('with .bl on another file system (a link to tmpfs), status re-hashes a work-tree file modified 20 ms before its entry', async (t) => {
  const shm = fs.mkdtempSync(path.join('/dev/shm', 'bl-racy-'))
  t.after(() => fs.rmSync(shm, {recursive: true, force: true}))
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-racy-dev-'))
  t.after(() => fs.rmSync(dir, {recursive: true, force: true}))
  assert.notEqual(fs.statSync(shm).dev, fs.statSync(dir).dev, '/dev/shm must be another file system than the temporary directory')
  const ctx: Context = {cwd: dir, env: {BL_AUTHOR_NAME: 'Unit', BL_AUTHOR_EMAIL: 'unit@example.com'}, userConfigDir: path.join(dir, '.cfg'), now: () => new Date()}
  init(ctx, {})
  fs.cpSync(path.join(dir, '.bl'), path.join(shm, 'bl'), {recursive: true})
  fs.rmSync(path.join(dir, '.bl'), {recursive: true})
  fs.symlinkSync(path.join(shm, 'bl'), path.join(dir, '.bl'))
  const repo = openRepo(ctx)
  t.after(() => repo.close())
  const f = path.join(dir, 'f')
  fs.writeFileSync(f, 'data')
  pause(20)
  await add(repo, {paths: ['f']})
  const view = viewWorktree(repo, loadIndex(repo), [''])
  assert.ok(view.clean.has('f'))
  assert.equal(view.refreshed.length, 1, 'f was hashed again: 20 ms is inside the 2 s margin for a file on another device')
})
