/**
 * The work-tree directory readers: bl's native one (native/dir_stat.c, one call lists a
 * directory and stats every entry) and Node's fs. They must agree exactly, since the index's stat
 * cache compares doubles.
 */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import {createRequire} from 'node:module'
import os from 'node:os'
import path from 'node:path'
import type {Context} from '../../src/core/context.ts'
import {init} from '../../src/core/ops/init.ts'
import {openRepo} from '../../src/core/repo.ts'
import {addonReader, nativeDirReader, nodeDirReader, type DirEntry, type DirReader} from '../../src/core/worktree/dir-reader.ts'
import type {Addon} from '../../src/core/worktree/native-addon.ts'
import {scanWorktree} from '../../src/core/worktree/scan.ts'

function tempDir(t: {after(fn: () => void): void}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-dirread-'))
  t.after(() => fs.rmSync(dir, {recursive: true, force: true}))
  return dir
}

/** One of each kind of entry a work tree can hold, with awkward names. */
function populate(dir: string): void {
  fs.writeFileSync(path.join(dir, 'plain.csv'), 'a,b\n1,2\n')
  fs.writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\n', {mode: 0o755})
  fs.writeFileSync(path.join(dir, 'empty'), '')
  fs.writeFileSync(path.join(dir, 'é-ünïcode.txt'), 'x')
  fs.writeFileSync(path.join(dir, 'new\nline'), 'y')
  fs.writeFileSync(Buffer.concat([Buffer.from(dir + '/bad-'), Buffer.from([0xff]), Buffer.from('-utf8')]), 'z')
  fs.mkdirSync(path.join(dir, 'sub'))
  fs.writeFileSync(path.join(dir, 'sub', 'inner'), 'deep')
  fs.symlinkSync('plain.csv', path.join(dir, 'link'))
  fs.symlinkSync('sub', path.join(dir, 'dirlink'))
  fs.symlinkSync('nowhere', path.join(dir, 'dangling'))
  const fifo = spawnSync('mkfifo', [path.join(dir, 'pipe')])
  assert.equal(fifo.status, 0, 'mkfifo is needed for this test')
  // Timestamps with nanoseconds that a float64 of milliseconds rounds: the readers must round alike.
  fs.utimesSync(path.join(dir, 'plain.csv'), 1700000000.123456, 1700000000.987654321)
}

const byName = (a: DirEntry, b: DirEntry): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
const list = (reader: DirReader, dir: string): DirEntry[] => reader(dir).sort(byName)

test('the native directory reader is built and loaded (npm install builds it)', () => {
  assert.notEqual(nativeDirReader(), null, 'native/build/Release/bl_native.node did not load: run `npm run build` and read its warning')
})

test('the native reader lists the same names and types as Node, with lstat data equal to fs.lstatSync', (t) => {
  const dir = tempDir(t)
  populate(dir)
  const native = list(nativeDirReader()!, dir)
  const node = list(nodeDirReader, dir)
  assert.deepEqual(
    native.map((e) => [e.name, e.type]),
    node.map((e) => [e.name, e.type]),
  )
  assert.deepEqual(new Set(node.map((e) => e.type)), new Set(['file', 'dir', 'symlink', 'other']), 'the fixture has every kind')
  // Names are read as raw bytes; compare each entry's stat with lstat on those same bytes.
  const raw = fs.readdirSync(dir, {encoding: 'buffer'}).sort((a, b) => (a.toString() < b.toString() ? -1 : a.toString() > b.toString() ? 1 : 0))
  assert.equal(raw.length, native.length)
  for (let i = 0; i < native.length; i++) {
    const st = native[i]!.st
    assert.ok(st, `${native[i]!.name} has stat data`)
    const want = fs.lstatSync(Buffer.concat([Buffer.from(dir + '/'), raw[i]!]))
    for (const k of ['mode', 'size', 'mtimeMs', 'ctimeMs', 'ino', 'dev'] as const) assert.equal(st[k], want[k], `${native[i]!.name}: ${k}`)
    assert.equal(st.isFile(), want.isFile())
    assert.equal(st.isDirectory(), want.isDirectory())
    assert.equal(st.isSymbolicLink(), want.isSymbolicLink())
  }
  assert.ok(native.some((e) => e.name.includes('\uFFFD')), 'an invalid UTF-8 name reads as U+FFFD, as Node reads it')
})

test('a directory the addon cannot open is reported by errno, and the reader then fails with the error Node gives', (t) => {
  const dir = tempDir(t)
  fs.writeFileSync(path.join(dir, 'file'), 'x')
  const addon = createRequire(import.meta.url)('../../native/build/Release/bl_native.node') as Addon
  assert.equal(addon.readDirStat(path.join(dir, 'missing')), -os.constants.errno.ENOENT)
  assert.equal(addon.readDirStat(path.join(dir, 'file')), -os.constants.errno.ENOTDIR)
  assert.throws(() => nativeDirReader()!(path.join(dir, 'missing')), {code: 'ENOENT'})
  assert.throws(() => nativeDirReader()!(path.join(dir, 'file')), {code: 'ENOTDIR'})
})

test('a directory with an entry that cannot be stat\'d is read as Node reads it (stat left to the caller)', (t) => {
  const dir = tempDir(t)
  populate(dir)
  // An addon whose stat of one entry failed with EACCES (a directory that can be listed but not
  // searched, or EIO on one file): the listing must not fail, as it does not with Node's reader.
  const real = createRequire(import.meta.url)('../../native/build/Release/bl_native.node') as Addon
  const failing: Pick<Addon, 'readDirStat'> = {
    readDirStat(abs) {
      const res = real.readDirStat(abs)
      if (typeof res === 'number') return res
      const stats = Float64Array.from(res.stats)
      stats[0] = -os.constants.errno.EACCES
      return {names: res.names, stats}
    },
  }
  const got = list(addonReader(failing), dir)
  assert.deepEqual(got, list(nodeDirReader, dir))
  assert.ok(got.every((e) => e.st === undefined))
})

test('a scan gives the same files, invalid names and stat data with either reader', (t) => {
  const dir = tempDir(t)
  const ctx: Context = {cwd: dir, env: {}, userConfigDir: path.join(dir, '.cfg'), now: () => new Date()}
  init(ctx, {})
  const repo = openRepo(ctx)
  t.after(() => repo.close())
  populate(dir)
  fs.writeFileSync(path.join(dir, '.blignore'), '*.sh\n')
  const scan = (reader: DirReader) =>
    scanWorktree(repo, {specs: [''], tracked: new Set<string>(), trackedDirs: new Set(), needStat: (p) => !p.startsWith('sub/'), reader})
  const a = scan(nativeDirReader()!)
  const b = scan(nodeDirReader)
  const shape = (r: ReturnType<typeof scan>) => ({
    files: r.files.map((f) => ({path: f.path, kind: f.kind, st: f.st && {mode: f.st.mode, size: f.st.size, mtimeMs: f.st.mtimeMs, ctimeMs: f.st.ctimeMs, ino: f.st.ino}})),
    invalid: r.invalid,
  })
  assert.deepEqual(shape(a), shape(b))
  assert.deepEqual(
    a.files.map((f) => f.path),
    ['.blignore', 'dangling', 'dirlink', 'empty', 'link', 'plain.csv', 'sub/inner', 'é-ünïcode.txt'],
  )
  assert.equal(a.files.find((f) => f.path === 'sub/inner')!.st, undefined, 'no stat where needStat said no')
  assert.deepEqual(a.invalid.map((i) => i.problem.length > 0), [true, true])
})
