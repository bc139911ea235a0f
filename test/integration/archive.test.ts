/**
 * bl archive through the real binary: tar, tar.gz and zip of HEAD and of an older tag, extracted
 * by GNU tar and read by Python's tarfile/zipfile (contents byte-identical, modes, symlinks, mtime,
 * owners, the commit id where Git puts it); paths, <rev>:<dir> and --prefix; refusals before any
 * byte is written, and an output file that never exists half-written.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import {BIN, initRepo, jA, okA, prng, Sandbox, withJson} from './helpers.ts'
import {commitFiles} from './inproc.ts'

const LONG_SPLIT = `long/${'d'.repeat(60)}/${'e'.repeat(60)}/file.txt` // > 100 bytes: ustar prefix + name
const LONG_PAX = `long/${'n'.repeat(120)}.txt` // a 124-byte last component: a pax path record
const UNICODE = 'names/sp ace é ü.txt'
const v1: Record<string, Buffer> = {
  'data/nested/deep/a.csv': Buffer.from('x,y\n1,2\n'),
  'data/rows.csv': Buffer.from(Array.from({length: 2000}, (_, i) => `${i},row ${i % 7}\n`).join('')),
  'bin/run.sh': Buffer.from('#!/bin/sh\necho hi\n'),
  [UNICODE]: Buffer.from('unicode\n'),
  [LONG_SPLIT]: Buffer.from('split\n'),
  [LONG_PAX]: Buffer.from('pax\n'),
  empty: Buffer.alloc(0),
  // Several chunks, and above the zip writer's in-memory limit: streamed behind a data descriptor.
  'big.bin': prng(4_500_000, 'big'),
}
const LINK_TARGET = 'data/nested/deep/a.csv'
const EXEC = new Set(['bin/run.sh'])

function run(cmd: string, args: string[], opts: {cwd?: string; input?: Buffer} = {}): string {
  const r = spawnSync(cmd, args, {...opts, encoding: 'utf8'})
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

/** Every file and symlink under `dir`: path -> content, or `-> target` for a symlink; modes of files. */
function tree(dir: string): {files: Record<string, Buffer | string>; modes: Record<string, number>} {
  const files: Record<string, Buffer | string> = {}
  const modes: Record<string, number> = {}
  for (const d of fs.readdirSync(dir, {recursive: true, withFileTypes: true}) as fs.Dirent[]) {
    const abs = path.join(d.parentPath, d.name)
    const rel = path.relative(dir, abs).split(path.sep).join('/')
    if (d.isSymbolicLink()) files[rel] = `-> ${fs.readlinkSync(abs)}`
    else if (d.isFile()) {
      files[rel] = fs.readFileSync(abs)
      modes[rel] = fs.statSync(abs).mode & 0o777
    }
  }
  return {files, modes}
}

function expected(content: Record<string, Buffer>): {files: Record<string, Buffer | string>; modes: Record<string, number>} {
  const files: Record<string, Buffer | string> = {...content, link: `-> ${LINK_TARGET}`}
  const modes = Object.fromEntries(Object.keys(content).map((p) => [p, EXEC.has(p) ? 0o755 : 0o644]))
  return {files, modes}
}

const sha = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex')

describe('bl archive', () => {
  let s: Sandbox
  let c1: {id: string; time: number}
  let c2: {id: string; time: number}
  let v2: Record<string, Buffer>
  let out: string

  before(async () => {
    s = new Sandbox()
    initRepo(s)
    out = path.join(s.base, 'out')
    fs.mkdirSync(out)
    for (const [p, v] of Object.entries(v1)) s.write(p, v, EXEC.has(p) ? 0o755 : 0o644)
    fs.symlinkSync(LINK_TARGET, s.p('link'))
    await commitFiles(s, {}, 'v1')
    await okA(s, ['tag', 'v1'])
    v2 = {...v1, 'data/nested/deep/a.csv': Buffer.from('x,y\n1,2\n3,4\n'), 'new.txt': Buffer.from('new\n'), 'zzz-last.bin': prng(1000, 'z')}
    delete v2[UNICODE]
    fs.rmSync(s.p(UNICODE))
    await commitFiles(s, {'data/nested/deep/a.csv': v2['data/nested/deep/a.csv']!, 'new.txt': v2['new.txt']!, 'zzz-last.bin': v2['zzz-last.bin']!}, 'v2')
    const log = await jA(s, ['log'])
    c2 = {id: log[0].id, time: log[0].committer.time}
    c1 = {id: log[1].id, time: log[1].committer.time}
  })
  after(() => s.cleanup())

  it('tar of a tag, tar.gz of HEAD on stdout, zip with --json: files, modes, symlinks, mtime, owners, commit id', async () => {
    const [tarRun, tgzRun, zip] = await Promise.all([
      okA(s, ['archive', '-o', path.join(out, 'v1.tar'), 'v1']),
      okA(s, ['archive', '--format=tar.gz', 'HEAD']),
      jA(s, ['archive', '-o', path.join(out, 'v1.zip'), 'v1']),
    ])
    assert.match(tarRun.stdout, /^Wrote .*v1\.tar \(tar, \d+ entries, /)
    // GNU tar: byte-identical files, modes, the symlink.
    const x1 = path.join(out, 'x1')
    fs.mkdirSync(x1)
    run('tar', ['-xf', path.join(out, 'v1.tar'), '-C', x1])
    assert.deepEqual(tree(x1), expected(v1))
    const x2 = path.join(out, 'x2')
    fs.mkdirSync(x2)
    fs.writeFileSync(path.join(out, 'head.tgz'), tgzRun.stdoutBuf)
    run('tar', ['-xzf', path.join(out, 'head.tgz'), '-C', x2])
    assert.deepEqual(tree(x2), expected(v2))
    // Git's reader of the pax comment takes bl's 64-digit ids (up to its longest hash, SHA-256).
    const git = spawnSync('git', ['get-tar-commit-id'], {input: fs.readFileSync(path.join(out, 'v1.tar')), encoding: 'utf8'})
    if (git.status !== null && !git.error) assert.equal(git.stdout, `${c1.id}\n`)

    // Python's tarfile: headers as Git writes them.
    const py = run('python3', ['-c', `
import sys, tarfile, json
t = tarfile.open(sys.argv[1])
print(json.dumps({'comment': t.pax_headers.get('comment'), 'members': [[m.name, m.type.decode(), oct(m.mode), m.mtime, m.uid, m.gid, m.uname, m.gname, m.linkname] for m in t]}))
`, path.join(out, 'v1.tar')])
    const doc = JSON.parse(py)
    assert.equal(doc.comment, c1.id)
    const members = doc.members as [string, string, string, number, number, number, string, string, string][]
    assert.ok(members.every((m) => m[3] === c1.time && m[4] === 0 && m[5] === 0 && m[6] === 'root' && m[7] === 'root'), JSON.stringify(members))
    const byName = new Map(members.map((m) => [m[0], m]))
    assert.deepEqual(byName.get('data')!.slice(1, 3), ['5', '0o755'], 'directories are members, as in Git')
    assert.deepEqual(members.slice(0, 3).map((m) => m[0]), ['big.bin', 'bin', 'bin/run.sh'], 'tree order, a directory before what it holds')
    assert.deepEqual(byName.get('link')!.slice(1, 3).concat(byName.get('link')![8]), ['2', '0o777', LINK_TARGET])
    assert.ok(byName.has(LONG_SPLIT) && byName.has(LONG_PAX) && byName.has(UNICODE))

    // The zip: --json result, CRCs, names, contents, modes, the symlink, the commit as comment.
    assert.deepEqual(Object.keys(zip), ['format', 'output', 'commit', 'tree', 'entries', 'bytes'])
    assert.equal(zip.format, 'zip')
    assert.equal(zip.output, path.join(out, 'v1.zip'))
    assert.equal(zip.commit, c1.id)
    assert.equal(zip.bytes, fs.statSync(zip.output).size)
    assert.equal(zip.entries, members.length)
    const zpy = run('python3', ['-c', `
import sys, zipfile, hashlib, json
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(json.dumps({'comment': z.comment.decode(), 'members': [[i.filename, oct(i.external_attr >> 16), i.compress_type, hashlib.sha256(z.read(i)).hexdigest(), z.read(i).decode() if (i.external_attr >> 16) & 0o170000 == 0o120000 else None] for i in z.infolist()]}))
`, zip.output])
    const zdoc = JSON.parse(zpy)
    assert.equal(zdoc.comment, c1.id)
    const zm = new Map((zdoc.members as [string, string, number, string, string | null][]).map((m) => [m[0], m]))
    assert.deepEqual([...zm.keys()], members.map((m) => (m[1] === '5' ? `${m[0]}/` : m[0])), 'the same members as the tar, in the same order')
    for (const [p, data] of Object.entries(v1)) assert.deepEqual(zm.get(p)!.slice(1, 2).concat(zm.get(p)![3]), [EXEC.has(p) ? '0o100755' : '0o100644', sha(data)], p)
    assert.deepEqual([zm.get('link')![1], zm.get('link')![4]], ['0o120777', LINK_TARGET])
    assert.equal(zm.get('data/')![1], '0o40755')
    assert.equal(zm.get('data/rows.csv')![2], 8, 'deflated where it shrinks')
    assert.equal(zm.get('data/nested/deep/a.csv')![2], 0, 'stored where deflate does not shrink (8 bytes)')
    assert.equal(zm.get('big.bin')![2], 0, 'stored: random bytes')
  })

  it('paths (from the current directory), --prefix, <rev>:<dir>; --list', async () => {
    const sel = path.join(out, 'sel.tar')
    const [, sub, list] = await Promise.all([
      okA(s, ['archive', '--prefix=pkg/v1/', '-o', sel, 'v1', 'nested', '../names/*.txt'], {cwd: s.p('data')}),
      jA(s, ['archive', '-o', path.join(out, 'sub.zip'), 'HEAD:data/nested']),
      okA(s, ['archive', '--list']),
    ])
    assert.deepEqual(run('tar', ['-tf', sel]).trim().split('\n'), [
      'pkg/',
      'pkg/v1/',
      'pkg/v1/data/',
      'pkg/v1/data/nested/',
      'pkg/v1/data/nested/deep/',
      'pkg/v1/data/nested/deep/a.csv',
      'pkg/v1/names/',
      `pkg/v1/${UNICODE}`,
    ])
    assert.equal(sub.commit, c2.id)
    assert.notEqual(sub.tree, (await jA(s, ['log', '-n', '1']))[0].tree, 'the tree of data/nested, not the commit\'s')
    const names = run('python3', ['-c', 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(repr(z.comment), [i.filename for i in z.infolist()])', path.join(out, 'sub.zip')])
    assert.equal(names.trim(), "b'' ['deep/', 'deep/a.csv']", 'names inside the directory; no commit comment (not the commit\'s tree, as Git)')
    assert.deepEqual(list.stdout.trim().split('\n'), ['tar', 'tgz', 'tar.gz', 'zip'])
  })

  it('refusals write nothing: no match, bad revision, --json without -o, a terminal; a failure mid-way leaves no file', async () => {
    const bad = path.join(out, 'bad.tar')
    const fail = async (args: string[], exit: number, code: string): Promise<any> => {
      const r = await s.runAsync(withJson(args))
      assert.equal(r.code, exit, `bl ${args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.equal(r.json().error.code, code)
      return r.json().error
    }
    const [nomatch, norev, nojson] = await Promise.all([
      fail(['archive', '-o', bad, 'HEAD', 'data', 'nosuch'], 4, 'PATHSPEC_NO_MATCH'),
      fail(['archive', '-o', bad, 'nosuch'], 4, 'UNKNOWN_REVISION'),
      fail(['archive', 'HEAD'], 2, 'INVALID_ARGUMENT'),
      fail(['archive', '-o', path.join(out, 'nodir', 'x.tar'), 'HEAD'], 4, 'PATH_NOT_FOUND'),
      fail(['archive', '--prefix=../up/', '-o', bad, 'HEAD'], 2, 'INVALID_ARGUMENT'),
    ])
    assert.equal(nomatch.data.path, 'nosuch')
    assert.match(nojson.message, /--json needs -o/)
    assert.ok(norev)
    // On a terminal, stdout is refused (script(1) gives the command one).
    const tty = spawnSync('script', ['-qec', `'${process.execPath}' '${BIN}' archive HEAD`, '/dev/null'], {cwd: s.dir, env: s.env(), encoding: 'utf8'})
    if (!tty.error) {
      assert.equal(tty.status, 2, tty.stdout)
      assert.match(tty.stdout, /error: refusing to write a binary archive to a terminal\r?\nhint: .*-o <file>/)
    }
    // The content of the last file is gone from the store: the archive fails after it began; the
    // file that was there is untouched and no temporary file is left.
    const target = path.join(out, 'keep.tar')
    fs.writeFileSync(target, 'old')
    const id = (await jA(s, ['rev-parse', 'HEAD:zzz-last.bin'])).revs[0].id
    const db = new Database(s.p('.bl/bl.db'))
    db.prepare('DELETE FROM chunks WHERE id = ?').run(Buffer.from(id, 'hex'))
    db.close()
    const e = await fail(['archive', '-o', target, 'HEAD'], 6, 'MISSING_OBJECT')
    assert.match(e.message, /zzz|chunk/)
    assert.equal(fs.readFileSync(target, 'utf8'), 'old')
    assert.deepEqual(fs.readdirSync(out).filter((n) => n.includes('bl-tmp') || n.startsWith('bad')), [])
  })
})
