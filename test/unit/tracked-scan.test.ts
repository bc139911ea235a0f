/**
 * The native tracked scan of a status (native/tracked_scan.c): it judges the tracked files from
 * the index blob in place, and `status` must answer exactly as the JavaScript walk does.
 */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {add} from '../../src/core/ops/add.ts'
import {commit} from '../../src/core/ops/commit.ts'
import {diff} from '../../src/core/ops/diff.ts'
import {viewWorktreeQuick} from '../../src/core/ops/snapshot.ts'
import {status} from '../../src/core/ops/status.ts'
import type {Repo} from '../../src/core/repo.ts'
import {decodeIndex, encodeIndex, indexEntryAt} from '../../src/core/store/index-codec.ts'
import {clockDevice, OTHER_DEVICE_MARGIN_MS} from '../../src/core/worktree/index-state.ts'
import {nativeAddon} from '../../src/core/worktree/native-addon.ts'
import {scanTracked} from '../../src/core/worktree/tracked-scan.ts'
import {tempRepo as newRepo} from '../support/temp-repo.ts'

function tempRepo(t: {after(fn: () => void): void}): Repo {
  return newRepo(t, {prefix: 'bl-tscan-'}).repo
}

function write(repo: Repo, rel: string, content: string, mode?: number): void {
  const abs = path.join(repo.root, rel)
  fs.mkdirSync(path.dirname(abs), {recursive: true})
  fs.writeFileSync(abs, content, mode === undefined ? undefined : {mode})
}

/** The index blob as stored. */
function blobOf(repo: Repo): Buffer {
  const blob = repo.store.readIndexBlob()
  assert.ok(blob)
  return blob
}

/** Enough files in enough directories that the scan shares them among its threads. */
async function committedTree(repo: Repo): Promise<void> {
  for (let d = 0; d < 60; d++) for (let f = 0; f < 40; f++) write(repo, `d${String(d).padStart(2, '0')}/s${f % 3}/f${f}.txt`, `file ${d}/${f}\n`)
  write(repo, 'top.csv', 'a,b\n1,2\n')
  write(repo, 'run.sh', '#!/bin/sh\n', 0o755)
  write(repo, 'ignored-dir/kept.txt', 'tracked although ignored\n')
  write(repo, 'é/ünïcode.txt', 'x\n')
  write(repo, 'to-dir', 'becomes a directory\n')
  write(repo, 'to-link/inner.txt', 'the directory becomes a symlink\n')
  write(repo, 'to-file/inner.txt', 'the directory becomes a file\n')
  write(repo, 'gone/a.txt', 'the directory goes\n')
  write(repo, 'lower.txt', 'collides with an untracked LOWER.txt\n')
  fs.symlinkSync('top.csv', path.join(repo.root, 'link'))
  await add(repo, {paths: [], all: true})
  await commit(repo, {message: 'tree'})
  write(repo, '.blignore', 'ignored-dir/\n*.tmp\n')
  await add(repo, {paths: ['.blignore']})
  await commit(repo, {message: 'ignore'})
}

/** Every kind of change a status reports, and things it must not report. */
function changeEverything(repo: Repo): void {
  const r = (p: string): string => path.join(repo.root, p)
  write(repo, 'd00/s0/f0.txt', 'file 0/0 edited, same size?\n')
  write(repo, 'd01/s1/f1.txt', 'X'.repeat(Buffer.byteLength('file 1/1\n'))) // same size: found by hashing
  fs.rmSync(r('d02/s2/f2.txt'))
  fs.chmodSync(r('top.csv'), 0o755)
  fs.rmSync(r('link'))
  fs.writeFileSync(r('link'), 'was a symlink\n')
  fs.rmSync(r('to-dir'))
  write(repo, 'to-dir/new.txt', 'inside the new directory\n')
  fs.rmSync(r('to-link'), {recursive: true})
  fs.mkdirSync(r('elsewhere'))
  fs.writeFileSync(r('elsewhere/inner.txt'), 'the directory becomes a symlink\n')
  fs.symlinkSync('elsewhere', r('to-link'))
  fs.rmSync(r('to-file'), {recursive: true})
  fs.writeFileSync(r('to-file'), 'now a file\n')
  fs.rmSync(r('gone'), {recursive: true})
  write(repo, 'd03/untracked.txt', 'new\n')
  write(repo, 'd04/newdir/deeper/x.bin', 'new\n')
  write(repo, 'fresh/a/b.txt', 'new\n')
  write(repo, 'ignored-dir/untracked-but-ignored.txt', 'ignored\n')
  write(repo, 'd05/scratch.tmp', 'ignored\n')
  write(repo, 'd06/.bl-tmp-999999-1', 'a killed checkout left it\n')
  write(repo, 'd07/new\nline.txt', 'a name bl cannot store\n')
  write(repo, 'LOWER.txt', 'collides on case-insensitive file systems\n')
  write(repo, 'é/ñew.txt', 'new\n')
  const fifo = spawnSync('mkfifo', [r('d08/pipe')])
  assert.equal(fifo.status, 0, 'mkfifo is needed for this test')
}

test('the addon exports the tracked scan', () => {
  assert.equal(typeof nativeAddon()?.scanTracked, 'function', 'native/build/Release/bl_native.node lacks scanTracked: run `npm run build` and read its warning')
})

test('a status from the native scan equals the JavaScript walk, change for change', async (t) => {
  const repo = tempRepo(t)
  await committedTree(repo)
  changeEverything(repo)
  assert.notEqual(viewWorktreeQuick(repo), null, 'the quick path must be taken for this tree')
  const slow = status(repo, {quick: false})
  const quick = status(repo)
  assert.deepEqual(quick, slow)
  assert.deepEqual(status(repo, {untrackedAll: true}), status(repo, {untrackedAll: true, quick: false}))
  // The scenario reaches every branch it is meant to.
  const unstaged = new Map(quick.unstaged.map((e) => [e.path, e.status]))
  assert.equal(unstaged.get('d00/s0/f0.txt'), 'M')
  assert.equal(unstaged.get('d01/s1/f1.txt'), 'M')
  assert.equal(unstaged.get('d02/s2/f2.txt'), 'D')
  assert.equal(unstaged.get('top.csv'), 'M')
  assert.equal(unstaged.get('link'), 'T')
  assert.equal(unstaged.get('to-dir'), 'D')
  assert.equal(unstaged.get('to-link/inner.txt'), 'D', 'a directory replaced by a symlink is never followed')
  assert.equal(unstaged.get('to-file/inner.txt'), 'D')
  assert.equal(unstaged.get('gone/a.txt'), 'D')
  assert.equal(unstaged.has('ignored-dir/kept.txt'), false)
  for (const u of ['d03/untracked.txt', 'd04/newdir/', 'fresh/', 'to-dir/', 'to-link', 'to-file', 'elsewhere/', 'é/ñew.txt']) assert.ok(quick.untracked.includes(u), `untracked ${u}: ${quick.untracked.join(', ')}`)
  for (const u of ['ignored-dir/untracked-but-ignored.txt', 'd05/scratch.tmp', 'd06/.bl-tmp-999999-1', 'd08/pipe'])
    assert.ok(!quick.untracked.some((x) => x.startsWith(u)), `not untracked: ${u}`)
  assert.deepEqual(
    quick.invalid.map((i) => i.path),
    ['LOWER.txt', 'd07/new\nline.txt'],
  )
  // `bl diff` (work tree against the index) takes the changed paths from the same scan.
  const quickDiff = diff(repo, {revs: []})
  assert.deepEqual(quickDiff, diff(repo, {revs: [], quick: false}))
  assert.deepEqual(
    quickDiff.changes.filter((c) => ['d00/s0/f0.txt', 'd02/s2/f2.txt', 'link', 'to-link/inner.txt'].includes(c.path)).map((c) => [c.path, c.status]),
    [
      ['d00/s0/f0.txt', 'M'],
      ['d02/s2/f2.txt', 'D'],
      ['link', 'T'],
      ['to-link/inner.txt', 'D'],
    ],
  )
})

test('after a commit the scan flags nothing and lists no directory; a changed file is flagged by offset', async (t) => {
  const repo = tempRepo(t)
  await committedTree(repo)
  const clean = scanTracked(repo, blobOf(repo))
  assert.ok(clean)
  assert.deepEqual(clean.flagged, [])
  assert.deepEqual(clean.listings, [])
  write(repo, 'd10/s1/f4.txt', 'changed\n')
  fs.rmSync(path.join(repo.root, 'd11/s2/f5.txt'))
  write(repo, 'd12/new.txt', 'new\n')
  const scan = scanTracked(repo, blobOf(repo))
  assert.ok(scan)
  assert.deepEqual(
    scan.flagged.map((f) => [f.entry.path, f.present]),
    [
      ['d10/s1/f4.txt', true],
      ['d11/s2/f5.txt', false],
    ],
  )
  assert.deepEqual(scan.listings.map((l) => l.dir), ['d12'])
  const listed = scan.listings[0]!.entries.map((e) => [e.name, e.type, e.tracked]).sort()
  assert.deepEqual(listed, [
    ['new.txt', 'file', false],
    ['s0', 'dir', true],
    ['s1', 'dir', true],
    ['s2', 'dir', true],
  ])
})

test('a file on another device than the clock needs the margin; a racy entry is flagged', async (t) => {
  const repo = tempRepo(t)
  write(repo, 'a.txt', 'a\n')
  write(repo, 'b.txt', 'b\n')
  await add(repo, {paths: ['.']})
  const addon = nativeAddon()!
  const blob = blobOf(repo)
  const dev = clockDevice(repo)!
  const flaggedWith = (b: Buffer, clockDev: number): number => {
    const res = addon.scanTracked(repo.root, b, clockDev, OTHER_DEVICE_MARGIN_MS)
    assert.ok(res !== null && typeof res === 'object')
    return res.flagged.length / 2
  }
  assert.equal(flaggedWith(blob, dev), 0)
  assert.equal(flaggedWith(blob, Number.NaN), 0, 'an unknown clock device takes no margin, as statClean')
  // Entries dated less than the margin after their files were written, judged as if on another device.
  assert.equal(flaggedWith(blob, dev + 1), 2)
  // Racy: dated at the file's own mtime.
  const racy = decodeIndex(blob).map((e) => (e.path === 'a.txt' ? {...e, checked: e.mtime} : e))
  const res = addon.scanTracked(repo.root, encodeIndex(racy), dev, OTHER_DEVICE_MARGIN_MS)
  assert.ok(res !== null && typeof res === 'object')
  assert.deepEqual([...res.flagged].length, 2)
  assert.equal(indexEntryAt(encodeIndex(racy), res.flagged[0]!).path, 'a.txt')
  assert.equal(res.flagged[1], 1)
})

test('a version-1 index is judged with its margin, as its decoder does', async (t) => {
  const repo = tempRepo(t)
  write(repo, 'a.txt', 'a\n')
  await add(repo, {paths: ['.']})
  const [e] = decodeIndex(blobOf(repo))
  // Dated 500 ms after the write: trusted in version 2, not in version 1 (1 s margin).
  const v2 = encodeIndex([{...e!, checked: e!.mtime + 500}])
  const v1 = Buffer.from(v2)
  v1[1] = 1
  const dev = clockDevice(repo)!
  const count = (b: Buffer): number => {
    const res = nativeAddon()!.scanTracked(repo.root, b, dev, OTHER_DEVICE_MARGIN_MS)
    assert.ok(res !== null && typeof res === 'object')
    return res.flagged.length / 2
  }
  assert.equal(count(v2), 0)
  assert.equal(count(v1), 1)
  assert.equal(indexEntryAt(v1, 6).checked, e!.mtime - 500)
})

test('an index the scan does not read gives null, and the status falls back to the walk', async (t) => {
  const repo = tempRepo(t)
  write(repo, 'a/b.txt', 'b\n')
  await add(repo, {paths: ['.']})
  const addon = nativeAddon()!
  const blob = blobOf(repo)
  const [e] = decodeIndex(blob)
  const scan = (b: Buffer): unknown => addon.scanTracked(repo.root, b, Number.NaN, OTHER_DEVICE_MARGIN_MS)
  assert.equal(scan(blob.subarray(0, blob.length - 1)), null, 'truncated')
  assert.equal(scan(Buffer.concat([blob, Buffer.from([0])])), null, 'trailing bytes')
  const v3 = Buffer.from(blob)
  v3[1] = 3
  assert.equal(scan(v3), null, 'unknown version')
  // Paths the JavaScript walk can never reach: inside .bl, or not UTF-8 (it decodes those with U+FFFD).
  assert.equal(scan(encodeIndex([{...e!, path: '.bl/clock'}])), null, 'inside .bl')
  const latin1 = encodeIndex([{...e!, path: 'a/b\u00e9.txt'}])
  latin1.writeUInt16LE(Buffer.byteLength('a/b\u00e9.txt') - 1, 6)
  const bytes = Buffer.concat([latin1.subarray(0, 8), Buffer.from('a/b\xe9.txt', 'latin1'), latin1.subarray(8 + Buffer.byteLength('a/b\u00e9.txt'))])
  assert.equal(bytes[11], 0xe9)
  assert.equal(scan(bytes), null, 'a lone 0xe9 byte')
  assert.notEqual(scan(encodeIndex([{...e!, path: '.blignore'}, {...e!, path: 'a/b\u00e9.txt'}])), null, 'names that merely start with .bl, and UTF-8, are read')
  for (const bad of ['../b.txt', 'a/./b.txt', 'a//b.txt', '/a/b.txt', 'a/b.txt/'])
    assert.equal(scan(encodeIndex([{...e!, path: bad}])), null, `path ${JSON.stringify(bad)}`)
  assert.equal(scan(encodeIndex([e!, e!])), null, 'the same path twice')
  assert.equal(scan(encodeIndex([{...e!, path: 'a'}, e!])), null, 'a file that is also a directory')
  // A root that is not a directory: an errno, for the walk to report.
  assert.equal(addon.scanTracked(path.join(repo.root, 'a', 'b.txt'), blob, Number.NaN, 0), -os.constants.errno.ENOTDIR)
})

test('an addon built before the scan existed makes status walk in JavaScript', async (t) => {
  const repo = tempRepo(t)
  write(repo, 'a.txt', 'a\n')
  await add(repo, {paths: ['.']})
  assert.equal(scanTracked(repo, blobOf(repo), {} as never), null)
  assert.equal(scanTracked(repo, blobOf(repo), null), null)
})

test('an empty index scans the top directory only', async (t) => {
  const repo = tempRepo(t)
  write(repo, 'new.txt', 'n\n')
  const quick = status(repo)
  assert.deepEqual(quick, status(repo, {quick: false}))
  assert.deepEqual(quick.untracked, ['new.txt'])
})
