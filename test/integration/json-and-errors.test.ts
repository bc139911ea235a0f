/**
 * The --json envelope of every read command, and the documented error format and exit codes
 * (docs/json.md, docs/exit-codes.md), through the real binary.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import {isRoot, lines, Sandbox, withJson, type RunOptions} from './helpers.ts'
import {repoWithIP} from './inproc.ts'
import {ops} from './inproc-history.ts'

const HEX64 = /^[0-9a-f]{64}$/

/** Parses a --json success document and checks the envelope. */
function envelope(s: Sandbox, args: string[]): any {
  const r = s.bl(withJson(args))
  assert.equal(r.code, 0, `bl ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`)
  const doc = r.json()
  assert.deepEqual(Object.keys(doc).sort(), ['ok', 'result'], `envelope of bl ${args.join(' ')}`)
  assert.equal(doc.ok, true)
  return doc.result
}

/**
 * Runs a failing command twice: in text mode (stderr is exactly an `error:` line and a `hint:`
 * line, stdout empty) and with --json (stdout is {ok: false, error: {code, message, hint, data}}).
 * Both exit with `exit`. Returns the JSON error.
 */
function expectError(s: Sandbox, args: string[], exit: number, code: string, opts: RunOptions = {}): any {
  const t = s.bl(args, opts)
  assert.equal(t.code, exit, `bl ${args.join(' ')}: exit ${t.code}, want ${exit}\nstdout: ${t.stdout}\nstderr: ${t.stderr}`)
  assert.equal(t.stdout, '', `bl ${args.join(' ')}: nothing on stdout on failure`)
  const errLines = lines(t.stderr)
  assert.equal(errLines.length, 2, `bl ${args.join(' ')}: stderr must be one error line and one hint line, got:\n${t.stderr}`)
  assert.match(errLines[0]!, /^error: \S/)
  assert.match(errLines[1]!, /^hint: \S/)

  const j = s.bl(withJson(args), opts)
  assert.equal(j.code, exit, `bl ${args.join(' ')} --json: exit ${j.code}, want ${exit}`)
  const doc = j.json()
  assert.equal(doc.ok, false)
  assert.deepEqual(Object.keys(doc).sort(), ['error', 'ok'])
  assert.equal(doc.error.code, code, `bl ${args.join(' ')}: ${JSON.stringify(doc.error)}`)
  assert.equal(typeof doc.error.message, 'string')
  assert.ok(doc.error.message.length > 0)
  assert.ok(!doc.error.message.includes('\n'), 'the message is one line')
  assert.equal(typeof doc.error.hint, 'string')
  assert.ok(doc.error.hint.length > 0)
  assert.equal(typeof doc.error.data, 'object')
  // the text mode printed the same message and hint
  assert.equal(errLines[0], `error: ${doc.error.message}`)
  assert.equal(errLines[1], `hint: ${doc.error.hint}`)
  return doc.error
}

describe('--json envelope of read commands', () => {
  let s: Sandbox
  let C1 = ''
  let C2 = ''
  // The history is built in-process (the `log` test reads it through bl).
  before(async () => {
    s = await repoWithIP({'data/a.csv': 'a,b\n1,2\n', 'run.sh': '#!/bin/sh\n', 'big.bin': crypto.randomBytes(200_000)}, 'first')
    const b = ops(s)
    C1 = await b.rev('HEAD')
    fs.chmodSync(s.p('run.sh'), 0o755)
    await b.add('run.sh')
    await b.commit('exec')
    s.write('data/a.csv', 'a,b\n1,2\n3,4\n')
    C2 = await b.commitA('second')
    await b.tag('v1', 'HEAD~2')
    await b.branch('dev')
    b.config('core.x', 'y')
    s.write('untracked.txt', 'u\n')
    s.write('data/a.csv', 'changed\n')
  })
  after(() => s.cleanup())

  it('status', () => {
    const r = envelope(s, ['status'])
    assert.equal(r.branch, 'main')
    assert.equal(r.head, C2)
    assert.deepEqual(r.staged, [])
    assert.deepEqual(r.unstaged, [{path: 'data/a.csv', status: 'M'}])
    assert.deepEqual(r.untracked, ['untracked.txt'])
    assert.deepEqual(r.invalid, [])
    assert.equal(r.clean, false)
  })

  it('log', () => {
    const r = envelope(s, ['log'])
    assert.equal(r.length, 3)
    assert.deepEqual(
      r.map((c: any) => c.message),
      ['second\n', 'exec\n', 'first\n'],
    )
    const c = r[0]
    assert.match(c.id, HEX64)
    assert.match(c.tree, HEX64)
    assert.deepEqual(c.parents, [r[1].id])
    assert.deepEqual(r[2].parents, [])
    assert.equal(c.author.name, 'Test')
    assert.equal(c.author.email, 't@example.com')
    assert.equal(typeof c.author.time, 'number')
    assert.equal(typeof c.author.tz, 'number')
    assert.equal(c.signed, false)
    assert.deepEqual(c.meta, {})
    assert.ok(c.refs.includes('HEAD -> main'), JSON.stringify(c.refs))
    assert.ok(r[2].refs.some((x: string) => x.includes('v1')), JSON.stringify(r[2].refs))
  })

  it('show <commit>', () => {
    const r = envelope(s, ['show', 'HEAD'])
    assert.equal(r.kind, 'commit')
    assert.equal(r.commit.id, C2)
    assert.equal(r.commit.message, 'second\n')
    assert.equal(r.changes.length, 1)
    assert.equal(r.changes[0].status, 'M')
    assert.equal(r.changes[0].path, 'data/a.csv')
    assert.equal(r.changes[0].old.size, 8)
    assert.equal(r.changes[0].new.size, 12)
    const first = envelope(s, ['show', C1])
    assert.deepEqual(
      first.changes.map((c: any) => [c.status, c.path]),
      [
        ['A', 'big.bin'],
        ['A', 'data/a.csv'],
        ['A', 'run.sh'],
      ],
    )
  })

  it('show <rev>:<path> metadata (file and dir)', () => {
    const f = envelope(s, ['show', 'HEAD:run.sh'])
    assert.equal(f.kind, 'file')
    assert.equal(f.path, 'run.sh')
    assert.equal(f.size, 10)
    assert.equal(f.exec, true)
    assert.match(f.id, HEX64)
    const old = envelope(s, ['show', 'v1:run.sh'])
    assert.equal(old.exec, false)
    assert.equal(old.id, f.id, 'same content, same id')
    const d = envelope(s, ['show', 'HEAD:data'])
    assert.equal(d.kind, 'dir')
    assert.equal(d.path, 'data')
    assert.match(d.id, HEX64)
    assert.deepEqual(
      d.entries.map((e: any) => [e.kind, e.size]),
      [['file', 12]],
    )
  })

  it('diff', () => {
    const r = envelope(s, ['diff'])
    assert.equal(r.from, 'index')
    assert.equal(r.to, 'worktree')
    assert.deepEqual(
      r.changes.map((c: any) => [c.status, c.path, c.old.size, c.new.size]),
      [['M', 'data/a.csv', 12, 8]],
    )
    const r2 = envelope(s, ['diff', C1, C2])
    assert.deepEqual(
      r2.changes.map((c: any) => [c.status, c.path]),
      [
        ['M', 'data/a.csv'],
        ['M', 'run.sh'],
      ],
    )
    assert.equal(r2.changes[1].old.exec, false)
    assert.equal(r2.changes[1].new.exec, true)
  })

  it('global flags may come before the command, as in Git (--json, -q), but never after --', () => {
    const r = s.bl(['--json', 'ls-tree', 'HEAD'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.json().result, envelope(s, ['ls-tree', 'HEAD']))
    const d = s.bl(['--json', '-q', 'diff', 'HEAD', '--', 'no/such/path'])
    assert.equal(d.code, 0, d.stderr)
    assert.equal(d.json().ok, true)
  })

  it('ls-tree', () => {
    const r = envelope(s, ['ls-tree', 'HEAD'])
    assert.deepEqual(
      r.map((e: any) => [e.path, e.mode, e.type, e.kind]),
      [
        ['big.bin', '100644', 'blob', 'file'],
        ['data', '040000', 'tree', 'dir'],
        ['run.sh', '100755', 'blob', 'file'],
      ],
    )
    assert.equal(r[0].size, 200_000)
    for (const e of r) assert.match(e.id, HEX64)
    const rr = envelope(s, ['ls-tree', '-r', 'HEAD'])
    assert.deepEqual(
      rr.map((e: any) => e.path),
      ['big.bin', 'data/a.csv', 'run.sh'],
    )
    // Git's -t: directories too.
    assert.deepEqual(
      envelope(s, ['ls-tree', '-r', '-t', 'HEAD']).map((e: any) => e.path),
      ['big.bin', 'data', 'data/a.csv', 'run.sh'],
    )
  })

  it('branch and tag lists', () => {
    const b = envelope(s, ['branch'])
    assert.deepEqual(b, [
      {name: 'dev', commit: C2, current: false, subject: 'second'},
      {name: 'main', commit: C2, current: true, subject: 'second'},
    ])
    const t = envelope(s, ['tag'])
    assert.deepEqual(t, [{name: 'v1', commit: C1, current: false, subject: 'first'}])
  })

  it('config --list', () => {
    const r = envelope(s, ['config', '--list'])
    assert.ok(Array.isArray(r.entries))
    assert.deepEqual(
      r.entries.filter((e: any) => e.key === 'core.x'),
      [{key: 'core.x', value: 'y', scope: 'repo'}],
    )
  })

  it('fsck', () => {
    const r = envelope(s, ['fsck'])
    assert.equal(r.ok, true)
    assert.deepEqual(r.problems, [])
    assert.equal(r.reachableCommits, 3)
    assert.ok(r.objects >= 3 + 3 + 3, `objects ${r.objects}`) // 3 commits, >= 3 trees, >= 3 blobs
    assert.ok(r.chunks >= 3, `chunks ${r.chunks}`)
  })
})

describe('errors: format and exit codes', () => {
  let s: Sandbox
  before(async () => {
    s = await repoWithIP({'a.txt': 'a\n'})
  })
  after(() => s.cleanup())

  it('not a repository -> 4 NOT_A_REPOSITORY', () => {
    const dir = path.join(s.base, 'plain')
    fs.mkdirSync(dir)
    for (const cmd of [['status'], ['commit', '-m', 'x']]) {
      const e = expectError(s, cmd, 4, 'NOT_A_REPOSITORY', {cwd: dir})
      assert.match(e.hint, /bl init/)
    }
  })

  it('unknown revision -> 4 UNKNOWN_REVISION', () => {
    expectError(s, ['log', 'nope'], 4, 'UNKNOWN_REVISION')
    expectError(s, ['show', 'nope'], 4, 'UNKNOWN_REVISION')
    expectError(s, ['checkout', 'nope'], 4, 'UNKNOWN_REVISION')
    expectError(s, ['log', 'HEAD~5'], 4, 'UNKNOWN_REVISION')
  })

  it('path outside the repository -> 2 PATH_OUTSIDE_REPO', () => {
    fs.writeFileSync(path.join(s.base, 'x'), 'outside\n')
    const e = expectError(s, ['add', '../x'], 2, 'PATH_OUTSIDE_REPO')
    assert.equal(e.data.path, '../x')
    assert.deepEqual(envelope(s, ['status']).staged, [])
  })

  it('unknown command -> 2 INVALID_ARGUMENT in bl\'s format (and JSON), naming the closest command', () => {
    const e = expectError(s, ['comit', '-m', 'x'], 2, 'INVALID_ARGUMENT')
    assert.equal(e.message, "'comit' is not a bl command")
    assert.match(e.hint, /Did you mean `bl commit`\?/)
    assert.doesNotMatch(expectError(s, ['frobnicate'], 2, 'INVALID_ARGUMENT').hint, /Did you mean/)
  })

  it('unknown flag -> 2 INVALID_ARGUMENT', () => {
    expectError(s, ['status', '--bogus'], 2, 'INVALID_ARGUMENT')
    expectError(s, ['commit', '--nope', '-m', 'x'], 2, 'INVALID_ARGUMENT')
    // oclif words these over several lines; the one line kept says what is wrong.
    assert.equal(expectError(s, ['log', '-n', 'abc'], 2, 'INVALID_ARGUMENT').message, 'Parsing --max-count: Expected an integer but received: abc')
    assert.match(expectError(s, ['ls-tree'], 2, 'INVALID_ARGUMENT').message, /^Missing 1 required arg: rev\b/)
    assert.equal(expectError(s, ['commit'], 2, 'INVALID_ARGUMENT').message, 'Missing required flag message')
  })

  it('nothing to commit -> 1 NOTHING_TO_COMMIT', () => {
    expectError(s, ['commit', '-m', 'again'], 1, 'NOTHING_TO_COMMIT')
    assert.equal(envelope(s, ['log']).length, 1)
  })

  it('show HEAD:missing -> 4 PATH_NOT_FOUND', () => {
    expectError(s, ['show', 'HEAD:missing'], 4, 'PATH_NOT_FOUND')
    expectError(s, ['show', 'HEAD:a.txt/below'], 4, 'PATH_NOT_FOUND')
  })

  it('ref errors: unknown branch -> 4, bad ref name -> 2, existing branch -> 5', async () => {
    expectError(s, ['branch', '-d', 'ghost'], 4, 'REF_NOT_FOUND')
    expectError(s, ['branch', 'bad..name'], 2, 'BAD_REF_NAME')
    expectError(s, ['tag', 'has space'], 2, 'BAD_REF_NAME')
    await ops(s).branch('exists')
    expectError(s, ['branch', 'exists'], 5, 'REF_EXISTS')
    // a branch cannot also be a directory of branches: a remote stores refs as files (Git refuses too)
    expectError(s, ['branch', 'exists/sub'], 5, 'REF_EXISTS')
    expectError(s, ['switch', '-c', 'main/sub'], 5, 'REF_EXISTS')
    expectError(s, ['branch', '-d', 'main'], 5, 'CURRENT_BRANCH')
    // -M onto the checked-out branch would move it under the work tree (Git refuses too)
    expectError(s, ['branch', '-M', 'exists', 'main'], 5, 'CURRENT_BRANCH')
    // renaming a branch to itself keeps its reflog, the way back to its earlier commits
    const log = envelope(s, ['reflog', 'main']).length
    s.ok(['branch', '-q', '-M', 'main', 'main'])
    assert.ok(envelope(s, ['reflog', 'main']).length >= log, 'the reflog of main survives -M main main')
  })

  it('an unknown core.fsync value -> 2 BAD_CONFIG when data is written; batch and always both work', async () => {
    const b = ops(s)
    b.config('core.fsync', 'sometimes')
    s.write('fsync-bad.bin', 'x')
    expectError(s, ['add', 'fsync-bad.bin'], 2, 'BAD_CONFIG')
    fs.rmSync(s.p('fsync-bad.bin'))
    for (const mode of ['always', 'batch']) {
      b.config('core.fsync', mode)
      s.write(`fsync-${mode}.bin`, crypto.randomBytes(300_000))
      s.ok(['add', `fsync-${mode}.bin`])
      assert.equal(envelope(s, ['status']).staged.some((e: any) => e.path === `fsync-${mode}.bin`), true)
    }
    await b.rm(['fsync-always.bin', 'fsync-batch.bin'], {cached: true})
    fs.rmSync(s.p('fsync-always.bin'))
    fs.rmSync(s.p('fsync-batch.bin'))
  })

  it('add is silent like git add; -v names each file', async () => {
    s.write('quiet.txt', 'q\n')
    s.write('loud.txt', 'l\n')
    const quiet = s.bl(['add', 'quiet.txt'])
    assert.equal(quiet.code, 0)
    assert.equal(quiet.stdout, '')
    assert.equal(s.bl(['add', '-v', 'loud.txt']).stdout, 'add loud.txt\n')
    await ops(s).rm(['quiet.txt', 'loud.txt'], {cached: true})
    fs.rmSync(s.p('quiet.txt'))
    fs.rmSync(s.p('loud.txt'))
  })

  it('bl init twice -> 1 ALREADY_A_REPOSITORY', () => {
    expectError(s, ['init'], 1, 'ALREADY_A_REPOSITORY')
    assert.equal(envelope(s, ['log']).length, 1, 'the repository is untouched')
  })

  it('a file name with a newline -> add -A fails with 5 BAD_PATH_NAME and stages nothing', async () => {
    const t = await repoWithIP({'ok.csv': '1\n'})
    try {
      t.write('good.csv', 'good\n')
      t.write('ok.csv', '2\n')
      fs.writeFileSync(path.join(t.dir, 'bad\nname.csv'), 'bad\n')
      const e = expectError(t, ['add', '-A'], 5, 'BAD_PATH_NAME')
      assert.ok(JSON.stringify(e.data).includes('bad\\nname.csv'), JSON.stringify(e.data))
      const st = envelope(t, ['status'])
      assert.deepEqual(st.staged, [], 'nothing may be staged when add -A fails')
      assert.deepEqual(st.unstaged, [{path: 'ok.csv', status: 'M'}])
      assert.deepEqual(st.untracked, ['good.csv'])
      assert.equal(st.invalid.length, 1)
      assert.equal(st.invalid[0].path, 'bad\nname.csv')
      // naming the good file alone still works
      t.ok(['add', 'good.csv', '-q'])
      assert.deepEqual(envelope(t, ['status']).staged, [{path: 'good.csv', status: 'A'}])
    } finally {
      t.cleanup()
    }
  })

  it('an unreadable file -> 8 FILE_UNREADABLE, and nothing is staged', async () => {
    const t = await repoWithIP({'ok.csv': '1\n'})
    try {
      t.write('secret.csv', 'secret\n')
      t.write('ok.csv', '2\n')
      fs.chmodSync(t.p('secret.csv'), 0o000)
      // root reads any file, so as root run bl as an unprivileged user owning the sandbox
      const as: RunOptions = {}
      if (isRoot()) {
        const nobody = 65534
        for (const p of walk(t.base)) fs.lchownSync(p, nobody, nobody)
        Object.assign(as, {uid: nobody, gid: nobody, env: {HOME: t.home}})
      }
      const e = expectError(t, ['add', '-A'], 8, 'FILE_UNREADABLE', as)
      assert.match(e.message, /secret\.csv/)
      const st = t.bl(['status', '--json'], as).json().result
      assert.deepEqual(st.staged, [])
    } finally {
      try {
        fs.chmodSync(t.p('secret.csv'), 0o644)
      } catch {}
      t.cleanup()
    }
  })
})

function walk(dir: string): string[] {
  const out = [dir]
  for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...walk(p))
    else out.push(p)
  }
  return out
}

describe('corrupted database', () => {
  async function corrupted(opts: {header: boolean}): Promise<Sandbox> {
    const t = await repoWithIP({'a.txt': 'a\n', 'big.bin': crypto.randomBytes(3_000_000)})
    const db = path.join(t.dir, '.bl', 'bl.db')
    const fd = fs.openSync(db, 'r+')
    try {
      const size = fs.fstatSync(fd).size
      // SQLite page size from the header (1 means 65536); garbage at the start of a page in the
      // middle of the file hits page structure (e.g. an overflow chain pointer), not just payload.
      const header = Buffer.alloc(100)
      fs.readSync(fd, header, 0, 100, 0)
      const raw = header.readUInt16BE(16)
      const pageSize = raw === 1 ? 65536 : raw
      const garbage = crypto.randomBytes(16384)
      fs.writeSync(fd, garbage, 0, garbage.length, Math.floor(size / 2 / pageSize) * pageSize)
      if (opts.header) fs.writeSync(fd, Buffer.alloc(100, 0), 0, 100, 0)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    return t
  }

  it('with a destroyed header page, any command exits 6 CORRUPT_DATABASE with a one-line error', async () => {
    const t = await corrupted({header: true})
    try {
      for (const cmd of [['status'], ['log'], ['add', '-A'], ['commit', '-m', 'x']]) {
        const e = expectError(t, cmd, 6, 'CORRUPT_DATABASE')
        assert.match(e.message, /bl\.db/)
      }
    } finally {
      t.cleanup()
    }
  })

  it('a corrupt index fails status with exit 6, and the hinted `bl reset` rebuilds it from HEAD (also --hard)', async () => {
    const t = await repoWithIP({'a.txt': 'a\n', 'd/b.txt': 'b\n'})
    const damage = (): void => {
      const db = new Database(path.join(t.dir, '.bl', 'bl.db'))
      const blob = Buffer.from((db.prepare('SELECT data FROM worktree_index').get() as {data: Buffer}).data)
      blob[3] = 0x7f
      db.prepare('UPDATE worktree_index SET data = ?').run(blob)
      db.close()
    }
    try {
      for (const reset of [['reset'], ['reset', '--hard']]) {
        damage()
        const e = expectError(t, ['status'], 6, 'CORRUPT_DATABASE')
        assert.match(e.message, /index is corrupted/)
        assert.match(e.hint, /bl reset/)
        t.write('a.txt', 'edited\n')
        t.ok(reset)
        assert.equal(t.read('a.txt').toString(), reset.length > 1 ? 'a\n' : 'edited\n', 'only --hard touches the work tree')
        const st = t.j(['status'])
        assert.deepEqual(st.staged, [])
        assert.deepEqual(st.unstaged.map((c: any) => c.path), reset.length > 1 ? [] : ['a.txt'])
        await ops(t).checkoutPaths('a.txt')
      }
    } finally {
      t.cleanup()
    }
  })

  it('fsck names the ref that points at a missing commit, and reports a damaged tree once', async () => {
    const t = await repoWithIP({'d/a.txt': 'a\n'})
    try {
      const tree = await ops(t).tree('HEAD')
      const db = new Database(path.join(t.dir, '.bl', 'bl.db'))
      // One damaged tree (its bytes no longer hash to its id), then main moved to a commit that is not there.
      const row = db.prepare('SELECT data FROM objects WHERE id = ?').get(Buffer.from(tree, 'hex')) as {data: Buffer}
      const data = Buffer.from(row.data)
      data[data.length - 1] ^= 0xff
      db.prepare('UPDATE objects SET data = ? WHERE id = ?').run(data, Buffer.from(tree, 'hex'))
      const fsck = (): any => {
        const r = t.bl(['fsck', '--json'])
        assert.equal(r.code, 6, r.stdout)
        return r.json().error
      }
      let e = fsck()
      assert.equal(e.data.problems.filter((p: any) => p.id === tree).length, 1, JSON.stringify(e.data.problems))
      db.prepare("UPDATE refs SET oid = ? WHERE name = 'refs/heads/main'").run(Buffer.alloc(32, 0x11))
      db.close()
      e = fsck()
      assert.ok(e.data.problems.some((p: any) => /missing commit 1{64}, which refs\/heads\/main points at/.test(p.message)), JSON.stringify(e.data.problems))
    } finally {
      t.cleanup()
    }
  })

  it('with garbage in the data pages, fsck and reading the damaged file exit 6 (never an internal error)', async () => {
    const t = await corrupted({header: false})
    try {
      const f = t.bl(['fsck', '--json'])
      assert.equal(f.code, 6, f.stdout)
      const doc = f.json()
      // either the database layer or the object check notices; both are "damaged repository"
      if (doc.ok === false) assert.match(doc.error.code, /^(CORRUPT_DATABASE|CORRUPT_OBJECT|MISSING_OBJECT)$/)
      else assert.equal(doc.result.ok, false)
      const show = t.bl(['show', 'HEAD:big.bin', '--json'])
      assert.equal(show.code === 0 || show.code === 6, true, `show exited ${show.code}: ${show.stdout}`)
      const bytes = t.bl(['show', 'HEAD:big.bin'])
      if (bytes.code === 0) assert.ok(bytes.stdoutBuf.equals(t.read('big.bin')), 'show must never print damaged bytes with exit 0')
      else {
        assert.equal(bytes.code, 6, bytes.stderr)
        assert.match(bytes.stderr, /^error: /)
      }
    } finally {
      t.cleanup()
    }
  })
})
