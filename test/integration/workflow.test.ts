/**
 * End-to-end workflow through the real `bl` binary: init -> add -> commit -> edit -> status -> diff
 * -> branch -> checkout an old commit, and the everyday commands around it.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {blake3} from 'hash-wasm'
import {jA, lines, okA, revIdA, Sandbox, withJson} from './helpers.ts'
// The starting commit of a test's repository, and the set-up a test then examines (add, commit, branch,
// switch, restore, init, reading a revision), are made in this process (inproc.ts, inproc-history.ts: the
// core operations of those commands); the commands each test is about run as `bl`.
import {repoWithIP, setup} from './inproc.ts'
import {ops} from './inproc-history.ts'

const b3 = (data: Buffer | string): Promise<string> => blake3(typeof data === 'string' ? Buffer.from(data) : data)
const isExec = (p: string): boolean => (fs.statSync(p).mode & 0o100) !== 0

// The suites below use separate repositories, so they run side by side (each one's tests in order).
describe('bl workflow', {concurrency: 3}, () => {
  describe('main scenario: init, add, commit, edit, status, diff, branch, checkout', {concurrency: 1}, () => {
    const s = new Sandbox()
    const big = crypto.randomBytes(3 * 1024 * 1024 + 17)
    const big2 = Buffer.from(big)
    big2.fill(0x42, 1_500_000, 1_500_100) // one edit in the middle
    const table1 = 'id,v\n1,a\n2,b\n'
    const table2 = table1 + '3,c\n'
    const readme = 'hello\n'
    const leaf = 'leaf\n'
    const script = '#!/bin/sh\necho hi\n'
    let C1 = ''
    let C2 = ''
    let C3 = ''

    before(async () => {
      s.write('README.md', readme)
      s.write('data/table.csv', table1)
      s.write('big.bin', big)
      s.write('nested/deep/dir/leaf.txt', leaf)
      s.write('run.sh', script, 0o755)
      fs.symlinkSync('data/table.csv', s.p('link'))
    })
    after(() => s.cleanup())

    it('init creates a repository on main', async () => {
      const r = await jA(s, ['init'])
      assert.equal(r.branch, 'main')
      assert.equal(r.root, s.dir)
      assert.ok(fs.existsSync(path.join(s.dir, '.bl')))
      const st = await jA(s, ['status'])
      assert.equal(st.branch, 'main')
      assert.equal(st.head, null)
    })

    it('add -A stages every file, commit records them', async () => {
      const add = await jA(s, ['add', '-A'])
      assert.deepEqual(add.added, ['README.md', 'big.bin', 'data/table.csv', 'link', 'nested/deep/dir/leaf.txt', 'run.sh'])
      assert.deepEqual(add.updated, [])
      assert.deepEqual(add.removed, [])
      const st = await jA(s, ['status'])
      assert.deepEqual(
        st.staged.map((e: any) => [e.status, e.path]),
        ['README.md', 'big.bin', 'data/table.csv', 'link', 'nested/deep/dir/leaf.txt', 'run.sh'].map((p) => ['A', p]),
      )
      const c = await jA(s, ['commit', '-m', 'first'])
      assert.match(c.id, /^[0-9a-f]{64}$/)
      assert.deepEqual(c.parents, [])
      assert.equal(c.branch, 'main')
      assert.equal(c.message, 'first\n')
      C1 = c.id
      const st2 = await jA(s, ['status'])
      assert.equal(st2.clean, true)
      assert.equal(st2.head, C1)
      assert.deepEqual([st2.staged, st2.unstaged, st2.untracked], [[], [], []])
      assert.equal((await okA(s, ['status', '--short'])).stdout, '')
    })

    it('file ids are BLAKE3 of the bytes; ls-tree -r -l shows modes 100644/100755/120000 and sizes', async () => {
      const rows = await jA(s, ['ls-tree', '-r', '-l', 'HEAD'])
      const byPath = new Map(rows.map((r: any) => [r.path, r]))
      assert.deepEqual([...byPath.keys()].sort(), ['README.md', 'big.bin', 'data/table.csv', 'link', 'nested/deep/dir/leaf.txt', 'run.sh'])
      assert.equal((byPath.get('big.bin') as any).id, await b3(big))
      assert.equal((byPath.get('README.md') as any).id, await b3(readme))
      assert.equal((byPath.get('link') as any).kind, 'symlink')

      const text = lines((await okA(s, ['ls-tree', '-r', '-l', 'HEAD'])).stdout)
      const parsed = new Map<string, {mode: string; type: string; id: string; size: number}>()
      for (const l of text) {
        const m = /^(\d{6}) (blob|tree) ([0-9a-f]{64}) +(\d+)\t(.+)$/.exec(l)
        assert.ok(m, `unexpected ls-tree line: ${JSON.stringify(l)}`)
        parsed.set(m[5]!, {mode: m[1]!, type: m[2]!, id: m[3]!, size: Number(m[4])})
      }
      assert.deepEqual(Object.fromEntries([...parsed].map(([p, v]) => [p, [v.mode, v.size]])), {
        'README.md': ['100644', 6],
        'big.bin': ['100644', big.length],
        'data/table.csv': ['100644', table1.length],
        link: ['120000', 'data/table.csv'.length],
        'nested/deep/dir/leaf.txt': ['100644', leaf.length],
        'run.sh': ['100755', script.length],
      })
      assert.equal(parsed.get('data/table.csv')!.id, await b3(table1))
    })

    it('status after edits: text --short and --json', async () => {
      s.write('data/table.csv', table2)
      fs.rmSync(s.p('README.md'))
      s.write('new.txt', 'new\n')
      assert.equal((await okA(s, ['status', '--short'])).stdout, ' D README.md\n M data/table.csv\n?? new.txt\n')
      const st = await jA(s, ['status'])
      assert.equal(st.clean, false)
      assert.equal(st.branch, 'main')
      assert.equal(st.head, C1)
      assert.deepEqual(st.staged, [])
      assert.deepEqual(st.unstaged, [
        {path: 'README.md', status: 'D'},
        {path: 'data/table.csv', status: 'M'},
      ])
      assert.deepEqual(st.untracked, ['new.txt'])
      const long = (await okA(s, ['status'])).stdout
      assert.match(long, /On branch main/)
      assert.match(long, /deleted: +README\.md/)
      assert.match(long, /modified: +data\/table\.csv/)
      assert.match(long, /Untracked files:\n\s+new\.txt/)
    })

    it('diff of the work tree: --name-status, --stat, --json, -- <path>', async () => {
      assert.equal((await okA(s, ['diff', '--name-status'])).stdout, 'D\tREADME.md\nM\tdata/table.csv\n')
      assert.equal((await okA(s, ['diff', '--name-only'])).stdout, 'README.md\ndata/table.csv\n')
      const stat = lines((await okA(s, ['diff', '--stat'])).stdout)
      assert.equal(stat.length, 3, stat.join('\n'))
      assert.match(stat[0]!, /^ README\.md +\| 6 B -> 0 B$/)
      assert.match(stat[1]!, new RegExp(`^ data/table\\.csv +\\| ${table1.length} B -> ${table2.length} B$`))
      assert.match(stat[2]!, /^ 2 paths changed/)
      const d = await jA(s, ['diff'])
      assert.equal(d.from, 'index')
      assert.equal(d.to, 'worktree')
      assert.equal(d.changes.length, 2)
      const [del, mod] = d.changes
      assert.equal(del.status, 'D')
      assert.equal(del.path, 'README.md')
      assert.deepEqual(del.old, {kind: 'file', exec: false, size: 6, id: await b3(readme)})
      assert.equal(del.new, undefined)
      assert.equal(mod.status, 'M')
      assert.equal(mod.path, 'data/table.csv')
      assert.deepEqual(mod.old, {kind: 'file', exec: false, size: table1.length, id: await b3(table1)})
      assert.deepEqual(mod.new, {kind: 'file', exec: false, size: table2.length, id: await b3(table2)})
      assert.equal((await okA(s, ['diff', '--name-status', '--', 'data'])).stdout, 'M\tdata/table.csv\n')
      assert.equal((await okA(s, ['diff', '--name-status', '--', 'README.md'])).stdout, 'D\tREADME.md\n')
    })

    it('diff --cached after add -A, then commit; diff A B', async () => {
      await okA(s, ['add', '-A'])
      assert.equal((await okA(s, ['diff', '--name-status'])).stdout, '')
      assert.equal((await okA(s, ['diff', '--cached', '--name-status'])).stdout, 'D\tREADME.md\nM\tdata/table.csv\nA\tnew.txt\n')
      assert.equal((await okA(s, ['diff', '--staged', '--name-status', '--', 'new.txt'])).stdout, 'A\tnew.txt\n')
      const cached = await jA(s, ['diff', '--cached'])
      assert.equal(cached.from, 'HEAD')
      assert.equal(cached.to, 'index')
      assert.deepEqual(
        cached.changes.map((c: any) => [c.status, c.path]),
        [
          ['D', 'README.md'],
          ['M', 'data/table.csv'],
          ['A', 'new.txt'],
        ],
      )
      C2 = (await jA(s, ['commit', '-m', 'second'])).id
      assert.equal((await okA(s, ['diff', '--cached', '--name-status'])).stdout, '')
      assert.equal((await okA(s, ['diff', C1, C2, '--name-status'])).stdout, 'D\tREADME.md\nM\tdata/table.csv\nA\tnew.txt\n')
      assert.equal((await okA(s, ['diff', C2, C1, '--name-status'])).stdout, 'A\tREADME.md\nM\tdata/table.csv\nD\tnew.txt\n')
      assert.equal((await okA(s, ['diff', C1, C2, '--name-status', '--', 'data'])).stdout, 'M\tdata/table.csv\n')
      const dj = await jA(s, ['diff', C1, C2])
      assert.deepEqual(
        dj.changes.map((c: any) => [c.status, c.path]),
        [
          ['D', 'README.md'],
          ['M', 'data/table.csv'],
          ['A', 'new.txt'],
        ],
      )
    })

    it('commit -a stages tracked modifications (content, exec bit, symlink target) but not untracked files', async () => {
      s.write('big.bin', big2)
      fs.chmodSync(s.p('run.sh'), 0o644)
      fs.rmSync(s.p('link'))
      fs.symlinkSync('new.txt', s.p('link'))
      s.write('nested/deep/dir/other.txt', 'other\n')
      const st = await jA(s, ['status'])
      assert.deepEqual(
        st.unstaged.map((e: any) => e.path),
        ['big.bin', 'link', 'run.sh'],
      )
      const c = await jA(s, ['commit', '-a', '-m', 'third'])
      C3 = c.id
      assert.deepEqual(c.parents, [C2])
      const after = await jA(s, ['status'])
      assert.deepEqual(after.staged, [])
      assert.deepEqual(after.unstaged, [])
      assert.deepEqual(after.untracked, ['nested/deep/dir/other.txt'])
      assert.equal((await okA(s, ['diff', C2, C3, '--name-status'])).stdout, 'M\tbig.bin\nM\tlink\nM\trun.sh\n')
      const rows = await jA(s, ['ls-tree', '-r', 'HEAD'])
      const mode = Object.fromEntries(rows.map((r: any) => [r.path, r.mode]))
      assert.equal(mode['run.sh'], '100644')
      assert.equal(mode['link'], '120000')
    })

    it('tags and revision syntax: full id, 4+ char prefix, HEAD~1, HEAD^, main~2, tag name', async () => {
      await okA(s, ['tag', 'v1', C1])
      await okA(s, ['tag', 'v2', 'HEAD~1'])
      assert.equal(await revIdA(s, C3), C3)
      assert.equal(await revIdA(s, C3.slice(0, 6)), C3)
      assert.equal(await revIdA(s, C2.slice(0, 4)), C2)
      assert.equal(await revIdA(s, 'HEAD~1'), C2)
      assert.equal(await revIdA(s, 'HEAD^'), C2)
      assert.equal(await revIdA(s, 'main~2'), C1)
      assert.equal(await revIdA(s, 'v1'), C1)
      assert.equal(await revIdA(s, 'v2'), C2)
      const tags = await jA(s, ['tag'])
      assert.deepEqual(
        tags.map((t: any) => [t.name, t.commit]),
        [
          ['v1', C1],
          ['v2', C2],
        ],
      )
    })

    it('log --oneline, -n 1, -- <path>', async () => {
      const ol = lines((await okA(s, ['log', '--oneline'])).stdout)
      assert.equal(ol.length, 3)
      assert.ok(ol[0]!.startsWith(C3.slice(0, 12) + ' '), ol[0])
      assert.match(ol[0]!, /HEAD -> main/)
      assert.match(ol[0]!, / third$/)
      assert.ok(ol[1]!.startsWith(C2.slice(0, 12) + ' '), ol[1])
      assert.match(ol[1]!, / second$/)
      assert.ok(ol[2]!.startsWith(C1.slice(0, 12) + ' '), ol[2])
      assert.match(ol[2]!, / first$/)
      const one = lines((await okA(s, ['log', '--oneline', '-n', '1'])).stdout)
      assert.equal(one.length, 1)
      assert.ok(one[0]!.startsWith(C3.slice(0, 12)))
      const ids = async (args: string[]) => (await jA(s, ['log', ...args])).map((c: any) => c.id)
      assert.deepEqual(await ids([]), [C3, C2, C1])
      assert.deepEqual(await ids(['--', 'README.md']), [C2, C1])
      assert.deepEqual(await ids(['--', 'big.bin']), [C3, C1])
      assert.deepEqual(await ids(['--', 'new.txt']), [C2])
      assert.deepEqual(await ids(['--', 'nested']), [C1])
      assert.deepEqual(await ids(['HEAD~1', '--', 'big.bin']), [C1])
    })

    it('show <rev>:<path> streams the exact bytes', async () => {
      assert.ok((await okA(s, ['show', `${C1}:big.bin`])).stdoutBuf.equals(big))
      assert.ok((await okA(s, ['show', 'HEAD:big.bin'])).stdoutBuf.equals(big2))
      assert.ok((await okA(s, ['show', 'v1:data/table.csv'])).stdoutBuf.equals(Buffer.from(table1)))
      assert.ok((await okA(s, ['show', 'HEAD:data/table.csv'])).stdoutBuf.equals(Buffer.from(table2)))
      const meta = await jA(s, ['show', 'v1:run.sh'])
      assert.deepEqual(meta, {kind: 'file', path: 'run.sh', id: await b3(script), size: script.length, exec: true})
      const bigMeta = await jA(s, ['show', 'HEAD:big.bin'])
      assert.deepEqual(bigMeta, {kind: 'file', path: 'big.bin', id: await b3(big2), size: big2.length, exec: false})
    })

    it('branch, then checkout an old commit restores every file byte for byte', async () => {
      const b = await jA(s, ['branch', 'feature'])
      assert.equal(b.name, 'feature')
      assert.equal(b.commit, C3)
      const co = await jA(s, ['checkout', C1])
      assert.equal(co.branch, null)
      assert.equal(co.commit, C1)

      assert.ok(s.read('big.bin').equals(big), 'big.bin differs from the committed bytes')
      assert.ok(s.read('README.md').equals(Buffer.from(readme)))
      assert.ok(s.read('data/table.csv').equals(Buffer.from(table1)))
      assert.ok(s.read('nested/deep/dir/leaf.txt').equals(Buffer.from(leaf)))
      assert.ok(s.read('run.sh').equals(Buffer.from(script)))
      assert.ok(isExec(s.p('run.sh')), 'run.sh lost its exec bit')
      const ls = fs.lstatSync(s.p('link'))
      assert.ok(ls.isSymbolicLink(), 'link is not a symlink')
      assert.equal(fs.readlinkSync(s.p('link')), 'data/table.csv')
      assert.equal(fs.existsSync(s.p('new.txt')), false, 'new.txt (not in C1) should be removed')
      // untracked files survive a checkout
      assert.equal(s.read('nested/deep/dir/other.txt').toString(), 'other\n')
      const st = await jA(s, ['status'])
      assert.equal(st.branch, null)
      assert.equal(st.head, C1)
      assert.deepEqual([st.staged, st.unstaged, st.untracked], [[], [], ['nested/deep/dir/other.txt']])
    })

    it('checkout back to the branch restores the newest content', async () => {
      const co = await jA(s, ['checkout', 'main'])
      assert.equal(co.branch, 'main')
      assert.equal(co.commit, C3)
      assert.ok(s.read('big.bin').equals(big2))
      assert.ok(s.read('data/table.csv').equals(Buffer.from(table2)))
      assert.equal(s.read('new.txt').toString(), 'new\n')
      assert.equal(fs.existsSync(s.p('README.md')), false)
      assert.equal(isExec(s.p('run.sh')), false)
      assert.equal(fs.readlinkSync(s.p('link')), 'new.txt')
      const st = await jA(s, ['status'])
      assert.equal(st.branch, 'main')
      assert.deepEqual([st.staged, st.unstaged], [[], []])
    })

    it('checkout by tag name restores that snapshot', async () => {
      await okA(s, ['checkout', 'v2'])
      assert.ok(s.read('data/table.csv').equals(Buffer.from(table2)))
      assert.ok(s.read('big.bin').equals(big))
      assert.ok(isExec(s.p('run.sh')))
      assert.equal(fs.readlinkSync(s.p('link')), 'data/table.csv')
      assert.equal((await jA(s, ['status'])).head, C2)
      await okA(s, ['switch', 'main'])
      assert.equal((await jA(s, ['status'])).branch, 'main')
    })

    it('checkout -f HEAD on a branch stays on the branch (like git)', async () => {
      s.write('data/table.csv', 'scribble\n')
      await okA(s, ['checkout', '-f', 'HEAD'])
      assert.ok(s.read('data/table.csv').equals(Buffer.from(table2)))
      const st = await jA(s, ['status'])
      assert.equal(st.head, C3)
      assert.equal(st.branch, 'main', '`bl checkout HEAD` must not detach HEAD')
    })

    it('fsck prints ok and exits 0', async () => {
      const r = await okA(s, ['fsck'])
      assert.match(r.stdout, /^ok/m)
      const j = await jA(s, ['fsck'])
      assert.equal(j.ok, true)
      assert.deepEqual(j.problems, [])
      assert.equal(j.reachableCommits, 3)
    })
  })

  describe('renames', {concurrency: 1}, () => {
    it('a moved file shows as R in diff --cached --name-status and status --short', async () => {
      const content = 'x,y\n'.repeat(100)
      const s = await repoWithIP({'a/old.csv': content, 'keep.txt': 'k\n'})
      try {
        fs.mkdirSync(s.p('b'))
        fs.renameSync(s.p('a/old.csv'), s.p('b/new.csv'))
        assert.equal((await okA(s, ['status', '--short'])).stdout, ' D a/old.csv\n?? b/\n')
        const b = setup(s)
        await b.addAll()
        assert.equal((await okA(s, ['diff', '--cached', '--name-status'])).stdout, 'R100\ta/old.csv\tb/new.csv\n')
        assert.equal((await okA(s, ['status', '--short'])).stdout, 'R  a/old.csv -> b/new.csv\n')
        const st = await jA(s, ['status'])
        assert.deepEqual(st.staged, [{path: 'b/new.csv', status: 'R', oldPath: 'a/old.csv', score: 100}])
        const c = await b.commit('move')
        const d = await jA(s, ['show', c])
        assert.equal(d.kind, 'commit')
        assert.deepEqual(
          d.changes.map((x: any) => [x.status, x.oldPath, x.path]),
          [['R', 'a/old.csv', 'b/new.csv']],
        )
        // Names with spaces are quoted in the short format (Git's), so a name holding " -> "
        // cannot pass for a rename.
        fs.renameSync(s.p('b/new.csv'), s.p('x -> y.csv'))
        await b.addAll()
        assert.equal((await okA(s, ['status', '--short'])).stdout, 'R  b/new.csv -> "x -> y.csv"\n')
        s.write('two words.txt', 'w\n')
        assert.match((await okA(s, ['status', '--short'])).stdout, /^\?\? "two words\.txt"$/m)
        assert.match((await okA(s, ['status'])).stdout, /^\ttwo words\.txt$/m, 'the long format stays unquoted, as Git\'s')
      } finally {
        s.cleanup()
      }
    })

    it('a move that also edited the file is a rename by the content kept (Git\'s 50%): status, diff, show, log; -M<n> and --no-renames', async () => {
      // Compared by lines (64-byte pieces for the binary big.bin); tables-diff.test.ts has a file big enough to compare by chunks.
      const rows = Array.from({length: 40}, (_, i) => `${i},value ${i}\n`).join('')
      const big = crypto.createHash('sha256').update('seed').digest()
      const bigData = Buffer.concat(Array.from({length: 48 * 1024}, (_, i) => crypto.createHash('sha256').update(big).update(String(i)).digest()))
      const s = await repoWithIP({'t.csv': `id,v\n${rows}`, 'note.txt': 'first note\n', 'big.bin': bigData})
      try {
        const b = setup(s)
        fs.rmSync(s.p('t.csv'))
        s.write('u.csv', `id,v\n${rows}40,value 40\n`)
        fs.rmSync(s.p('note.txt'))
        s.write('other.txt', 'a different text altogether\n')
        fs.rmSync(s.p('big.bin'))
        s.write('big2.bin', Buffer.concat([bigData.subarray(0, 600_000), Buffer.from('edit'), bigData.subarray(600_000)]))
        await b.addAll()
        const st = await jA(s, ['status'])
        assert.deepEqual(st.staged.map((e: any) => [e.status, e.oldPath ?? null, e.path]), [
          ['R', 'big.bin', 'big2.bin'],
          ['D', null, 'note.txt'],
          ['A', null, 'other.txt'],
          ['R', 't.csv', 'u.csv'],
        ])
        assert.ok(st.staged[0].score >= 80 && st.staged[0].score < 100, `big.bin kept most of its chunks: ${st.staged[0].score}`)
        assert.ok(st.staged[3].score >= 90 && st.staged[3].score < 100, `t.csv kept most of its lines: ${st.staged[3].score}`)
        const score = String(st.staged[3].score).padStart(3, '0')
        assert.equal((await okA(s, ['diff', '--cached', '--name-status', '--', 't.csv', 'u.csv'])).stdout, `R${score}\tt.csv\tu.csv\n`)
        assert.equal((await okA(s, ['diff', '--cached', '--name-status', '-M99%', '--', 't.csv', 'u.csv'])).stdout, 'D\tt.csv\nA\tu.csv\n', 'below the threshold asked for')
        assert.equal((await okA(s, ['status', '--short', '--no-renames', 't.csv', 'u.csv'])).stdout, 'D  t.csv\nA  u.csv\n')
        assert.match((await okA(s, ['status', '--porcelain=v2', 'u.csv'])).stdout, new RegExp(` R${st.staged[3].score} u\\.csv\tt\\.csv\n$`))
        await b.commit('move and edit')
        const shown = await jA(s, ['show', '--name-status'])
        assert.deepEqual(shown.changes.map((c: any) => [c.status, c.oldPath ?? null, c.path]), [['R', 'big.bin', 'big2.bin'], ['D', null, 'note.txt'], ['A', null, 'other.txt'], ['R', 't.csv', 'u.csv']])
        assert.match((await okA(s, ['log', '-1', '--stat', '--oneline'])).stdout, new RegExp(` t\\.csv -> u\\.csv \\| renamed, ${st.staged[3].score}% similar, `))
        assert.equal(s.bl(['show', '--name-status', '-M', '--no-renames']).code, 2, 'the two options exclude each other')
      } finally {
        s.cleanup()
      }
    })
  })

  it('a tracked file replaced by a directory of the same name (and back) is staged and committed like Git', async () => {
    const s = await repoWithIP({'f': 'file\n', 'g/x.txt': 'x\n'})
    fs.rmSync(s.p('f'))
    s.write('f/inner.txt', 'inner\n')
    // commit -a stages the deletion of the tracked file; the new directory stays untracked.
    await okA(s, ['commit', '-q', '-a', '-m', 'f is gone'])
    assert.deepEqual((await jA(s, ['ls-tree', '-r', 'HEAD'])).map((e: any) => e.path), ['g/x.txt'])
    await okA(s, ['add', '-A'])
    await okA(s, ['commit', '-q', '-m', 'f is a directory'])
    assert.deepEqual((await jA(s, ['ls-tree', '-r', 'HEAD'])).map((e: any) => e.path), ['f/inner.txt', 'g/x.txt'])
    // Staging just a new file inside replaces the tracked file it displaces (git add does too).
    s.write('h', 'h\n')
    await okA(s, ['add', 'h'])
    await okA(s, ['commit', '-q', '-m', 'h'])
    fs.rmSync(s.p('h'))
    s.write('h/inner.txt', 'h inner\n')
    await okA(s, ['add', 'h/inner.txt'])
    assert.deepEqual((await jA(s, ['status'])).staged, [{path: 'h', status: 'D'}, {path: 'h/inner.txt', status: 'A'}])
    // And back: a directory replaced by a file.
    fs.rmSync(s.p('g'), {recursive: true})
    s.write('g', 'g is a file\n')
    await okA(s, ['add', 'g'])
    await okA(s, ['commit', '-q', '-m', 'g is a file, h a directory'])
    assert.deepEqual((await jA(s, ['ls-tree', '-r', 'HEAD'])).map((e: any) => e.path), ['f/inner.txt', 'g', 'h/inner.txt'])
    assert.equal((await jA(s, ['fsck'])).ok, true)
    s.cleanup()
  })

  describe('mv', {concurrency: 1}, () => {
    it('mv renames files and directories in the work tree and the index; the commit records renames; modified files keep their changes', async () => {
      const s = await repoWithIP({'raw/a.csv': 'a\n', 'raw/sub/b.csv': 'b\n', 'top.txt': 'top\n', 'two.txt': '2\n', 'archive/keep.txt': 'k\n'})
      try {
        assert.deepEqual(await jA(s, ['mv', 'top.txt', 'top2.txt']), {moved: [{from: 'top.txt', to: 'top2.txt'}], skipped: []})
        assert.equal((await okA(s, ['mv', 'raw', 'archive'])).stdout, 'Renamed raw to archive/raw\n', 'into an existing directory, as Git')
        s.write('two.txt', '2 edited\n')
        await okA(s, ['mv', '-q', 'two.txt', 'top2.txt', 'archive/'])
        assert.equal(s.exists('raw'), false)
        assert.equal(s.read('archive/raw/sub/b.csv').toString(), 'b\n')
        assert.equal((await okA(s, ['status', '--short'])).stdout, [
          'R  raw/a.csv -> archive/raw/a.csv',
          'R  raw/sub/b.csv -> archive/raw/sub/b.csv',
          'R  top.txt -> archive/top2.txt',
          'RM two.txt -> archive/two.txt',
          '',
        ].join('\n'))
        await okA(s, ['commit', '-q', '-a', '-m', 'moves'])
        const shown = await jA(s, ['show', 'HEAD'])
        const byPath = (rows: any[][]): any[][] => rows.sort((x, y) => (x[2] < y[2] ? -1 : 1))
        assert.deepEqual(byPath(shown.changes.map((c: any) => [c.status, c.oldPath ?? null, c.path])), byPath([
          ['R', 'raw/a.csv', 'archive/raw/a.csv'],
          ['R', 'raw/sub/b.csv', 'archive/raw/sub/b.csv'],
          ['R', 'top.txt', 'archive/top2.txt'],
          ['D', null, 'two.txt'],
          ['A', null, 'archive/two.txt'],
        ]))
        assert.equal(s.read('archive/two.txt').toString(), '2 edited\n')
        assert.equal((await jA(s, ['status'])).clean, true)
      } finally {
        s.cleanup()
      }
    })

    it('mv refuses what Git refuses, changing nothing; -f overwrites a file, -n only reports, -k skips', async () => {
      const s = await repoWithIP({'a.txt': 'a\n', 'b.txt': 'b\n', 'd/x.txt': 'x\n'})
      try {
        s.write('untracked.txt', 'u\n')
        fs.symlinkSync('/tmp', s.p('outside'))
        const refusals: Array<[string[], number, string]> = [
          [['mv', 'nosuch', 'y'], 2, 'bad source'],
          [['mv', 'untracked.txt', 'y'], 2, 'not under version control'],
          [['mv', 'a.txt', 'b.txt'], 2, 'destination exists'],
          [['mv', '-f', 'd', 'a.txt'], 2, 'destination exists'],
          [['mv', 'd', 'd/inner'], 2, 'into itself'],
          [['mv', 'a.txt', 'b.txt', 'c'], 2, 'is not a directory'],
          [['mv', 'a.txt', 'no/such/dir/a.txt'], 2, 'does not exist'],
          [['mv', 'a.txt', 'newdir/'], 2, 'does not exist'],
          [['mv', 'a.txt', 'outside/a.txt'], 6, 'beyond a symbolic link'],
          [['mv', 'a.txt', '.bl/a.txt'], 2, 'inside .bl'],
        ]
        const before = await jA(s, ['status'])
        for (const [args, code, message] of refusals) {
          const r = await s.runAsync(withJson(args))
          assert.equal(r.code, code, `bl ${args.join(' ')}: ${r.stdout}`)
          assert.match(r.json().error.message, new RegExp(message), args.join(' '))
          assert.ok(r.json().error.hint)
        }
        assert.deepEqual(await jA(s, ['status']), before, 'nothing moved')
        assert.equal(s.read('a.txt').toString(), 'a\n')
        assert.deepEqual(await jA(s, ['mv', '-n', 'a.txt', 'c.txt']), {moved: [{from: 'a.txt', to: 'c.txt'}], skipped: []})
        assert.equal(s.exists('c.txt'), false)
        const k = await jA(s, ['mv', '-k', 'nosuch', 'a.txt', 'd'])
        assert.deepEqual(k.moved, [{from: 'a.txt', to: 'd/a.txt'}])
        assert.deepEqual(k.skipped.map((x: any) => x.path), ['nosuch'])
        await okA(s, ['mv', '-f', 'd/a.txt', 'b.txt'])
        assert.equal(s.read('b.txt').toString(), 'a\n')
        assert.deepEqual((await jA(s, ['status'])).staged, [{path: 'a.txt', status: 'D'}, {path: 'b.txt', status: 'M'}])
      } finally {
        s.cleanup()
      }
    })
  })

  it('clean deletes untracked files only with -f (-n lists them); -d enters untracked directories, -x/-X ignored files; another repository is left alone', async () => {
    const s = await repoWithIP({'data/a.csv': '1\n', '.blignore': 'out/\n*.tmp\n'})
    try {
      s.write('data/u.csv', 'u\n')
      s.write('data/x.tmp', 't\n')
      s.write('out/deep/o.bin', 'o\n')
      s.write('scratch/s.txt', 's\n')
      s.write('nested/n.txt', 'n\n')
      fs.mkdirSync(s.p('nested/.git'))
      // Directories that hold no file at all: only -d removes them (bl tracks no directories).
      fs.mkdirSync(s.p('data/empty/deeper'), {recursive: true})
      fs.mkdirSync(s.p('out/empty'), {recursive: true})
      const refused = await s.runAsync(withJson(['clean']))
      assert.deepEqual([refused.code, refused.json().error.code], [2, 'INVALID_ARGUMENT'])
      assert.deepEqual(await jA(s, ['clean', '-n']), {removed: ['data/u.csv'], dryRun: true})
      assert.deepEqual((await jA(s, ['clean', '-n', '-d'])).removed, ['data/empty/', 'data/u.csv', 'scratch/s.txt'])
      assert.deepEqual((await jA(s, ['clean', '-n', '-d', '-x'])).removed, ['data/empty/', 'data/u.csv', 'data/x.tmp', 'out/deep/o.bin', 'out/empty/', 'scratch/s.txt'])
      assert.deepEqual((await jA(s, ['clean', '-n', '-d', '-X'])).removed, ['data/x.tmp', 'out/deep/o.bin', 'out/empty/'])
      assert.deepEqual((await jA(s, ['clean', '-n', '-d', 'scratch'])).removed, ['scratch/s.txt'])
      assert.ok(s.exists('data/u.csv') && s.exists('scratch/s.txt'), '-n deletes nothing')
      assert.equal(s.exists('data/empty/deeper'), true, '-n deletes no directory either')
      assert.equal((await okA(s, ['clean', '-f', '-d'])).stdout, 'Removing data/empty/\nRemoving data/u.csv\nRemoving scratch/s.txt\n')
      assert.deepEqual([s.exists('data/u.csv'), s.exists('scratch'), s.exists('data/empty'), s.exists('data/x.tmp'), s.exists('out/deep/o.bin'), s.exists('nested/n.txt')], [false, false, false, true, true, true])
      assert.equal(s.read('data/a.csv').toString(), '1\n', 'tracked files stay')
      await okA(s, ['clean', '-q', '-f', '-d', '-X'])
      assert.deepEqual([s.exists('data/x.tmp'), s.exists('out')], [false, false])
      assert.deepEqual((await jA(s, ['status'])).untracked, ['nested/'])
    } finally {
      s.cleanup()
    }
  })

  describe('rm', {concurrency: 1}, () => {
    it('rm deletes the file and stages the deletion; rm --cached keeps the file as untracked', async () => {
      const s = await repoWithIP({'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n'})
      try {
        await okA(s, ['rm', 'a.txt'])
        assert.equal(fs.existsSync(s.p('a.txt')), false)
        await okA(s, ['rm', '--cached', 'b.txt'])
        assert.equal(s.read('b.txt').toString(), 'b\n', 'rm --cached must keep the file')
        const st = await jA(s, ['status'])
        assert.deepEqual(st.staged, [
          {path: 'a.txt', status: 'D'},
          {path: 'b.txt', status: 'D'},
        ])
        assert.deepEqual(st.unstaged, [])
        assert.deepEqual(st.untracked, ['b.txt'])
        assert.equal((await okA(s, ['status', '--short'])).stdout, 'D  a.txt\nD  b.txt\n?? b.txt\n')
        await setup(s).commit('rm')
        const tree = (await jA(s, ['ls-tree', '-r', 'HEAD'])).map((r: any) => r.path)
        assert.deepEqual(tree, ['c.txt'])
        assert.deepEqual((await jA(s, ['status'])).untracked, ['b.txt'])
      } finally {
        s.cleanup()
      }
    })

    it('rm needs -r only for a directory named outright (or .), not for a wildcard that names the files, as git rm', async () => {
      const s = await repoWithIP({'d/a.log': 'a', 'd/b': 'b', 'd/e/c': 'c', 'top.log': 't'})
      try {
        for (const spec of ['d', 'd/e', '.']) {
          const r = await s.runAsync(['rm', '--cached', '-q', spec])
          assert.equal(r.code, 2, spec)
          assert.match(r.stderr, /recursively without -r/)
        }
        assert.deepEqual((await jA(s, ['rm', '--cached', 'd/*.log'])).removed, ['d/a.log'])
        // `*` crosses `/`, as in Git: d/* names every file below d
        assert.deepEqual((await jA(s, ['rm', '--cached', 'd/*'])).removed, ['d/b', 'd/e/c'])
        assert.deepEqual((await jA(s, ['rm', '--cached', '*.log'])).removed, ['top.log'])
      } finally {
        s.cleanup()
      }
    })
  })

  describe('restore and checkout -- <path>', {concurrency: 1}, () => {
    let s: Sandbox
    after(() => s?.cleanup())
    let C1 = ''

    before(async () => {
      s = await repoWithIP({'f.txt': 'v1\n', 'g.txt': 'g1\n'})
      const o = ops(s)
      C1 = await o.rev('HEAD')
      s.write('f.txt', 'v2\n')
      s.write('g.txt', 'g2\n')
      await o.commitA('v2')
    })

    it('restore <path> takes the content from the index', async () => {
      s.write('f.txt', 'scratch\n')
      await okA(s, ['restore', 'f.txt'])
      assert.equal(s.read('f.txt').toString(), 'v2\n')
      assert.equal((await jA(s, ['status'])).clean, true)
    })

    it('restore --staged unstages but keeps the work tree change', async () => {
      s.write('f.txt', 'v3\n')
      await setup(s).add('f.txt')
      assert.deepEqual((await jA(s, ['status'])).staged, [{path: 'f.txt', status: 'M'}])
      await okA(s, ['restore', '--staged', 'f.txt'])
      const st = await jA(s, ['status'])
      assert.deepEqual(st.staged, [])
      assert.deepEqual(st.unstaged, [{path: 'f.txt', status: 'M'}])
      assert.equal(s.read('f.txt').toString(), 'v3\n')
      await okA(s, ['restore', 'f.txt'])
      assert.equal(s.read('f.txt').toString(), 'v2\n')
    })

    it('restore --source <rev> <path> rewrites only the work tree (index untouched, like git)', async () => {
      try {
        await okA(s, ['restore', '--source', 'HEAD~1', 'f.txt'])
        assert.equal(s.read('f.txt').toString(), 'v1\n')
        const st = await jA(s, ['status'])
        assert.deepEqual(st.staged, [], 'restore --source without --staged must not touch the index')
        assert.deepEqual(st.unstaged, [{path: 'f.txt', status: 'M'}])
      } finally {
        await okA(s, ['restore', '--source', 'HEAD', '--staged', '--worktree', 'f.txt'])
      }
      assert.equal(s.read('f.txt').toString(), 'v2\n')
      assert.equal((await jA(s, ['status'])).clean, true)
    })

    it('restore --source <rev> --staged --worktree sets both', async () => {
      await okA(s, ['restore', '--source', 'HEAD~1', '--staged', '--worktree', 'f.txt'])
      assert.equal(s.read('f.txt').toString(), 'v1\n')
      const st = await jA(s, ['status'])
      assert.deepEqual(st.staged, [{path: 'f.txt', status: 'M'}])
      assert.deepEqual(st.unstaged, [])
      await okA(s, ['restore', '--source', 'HEAD', '--staged', '--worktree', 'f.txt'])
      assert.equal(s.read('f.txt').toString(), 'v2\n')
      assert.equal((await jA(s, ['status'])).clean, true)
    })

    it('checkout <rev> -- <path> updates the work tree and the index', async () => {
      await okA(s, ['checkout', C1, '--', 'g.txt'])
      assert.equal(s.read('g.txt').toString(), 'g1\n')
      const st = await jA(s, ['status'])
      assert.deepEqual(st.staged, [{path: 'g.txt', status: 'M'}])
      assert.deepEqual(st.unstaged, [])
      assert.equal(s.read('f.txt').toString(), 'v2\n', 'other paths untouched')
      await okA(s, ['checkout', 'HEAD', '--', 'g.txt'])
      assert.equal(s.read('g.txt').toString(), 'g2\n')
      assert.equal((await jA(s, ['status'])).clean, true)
    })
  })

  it('ls-tree paths and <rev>:./<path> are read from the current directory, as in Git', async () => {
    const s = await repoWithIP({'d/e/a.txt': 'a\n', 'b.txt': 'b\n'})
    const paths = async (args: string[], cwd?: string): Promise<string[]> => (await jA(s, ['ls-tree', ...args], cwd ? {cwd} : {})).map((e: any) => e.path)
    assert.deepEqual(await paths(['HEAD', '.']), ['b.txt', 'd'])
    const sub = s.p('d')
    assert.deepEqual(await paths(['HEAD', 'e'], sub), ['d/e'])
    assert.deepEqual(await paths(['-r', 'HEAD', '.'], sub), ['d/e/a.txt'])
    assert.equal((await okA(s, ['show', 'HEAD:./e/a.txt'], {cwd: sub})).stdout, 'a\n')
    assert.equal((await okA(s, ['show', 'HEAD:../b.txt'], {cwd: sub})).stdout, 'b\n')
    // Without ./ a tree path is from the root, wherever the command runs.
    assert.equal((await okA(s, ['show', 'HEAD:d/e/a.txt'], {cwd: sub})).stdout, 'a\n')
    assert.equal((await s.runAsync(['show', 'HEAD:e/a.txt'], {cwd: sub})).code, 4)
    // Git's <rev>:<dir> tree-ish: its entries, named from that directory.
    assert.deepEqual(await paths(['HEAD:d']), ['e'])
    assert.deepEqual(await paths(['-r', 'HEAD:d']), ['e/a.txt'])
    assert.deepEqual(await paths(['HEAD:./e'], sub), ['a.txt'])
    assert.deepEqual(await paths(['HEAD:d', 'e/a.txt']), ['e/a.txt'])
    assert.equal((await s.runAsync(withJson(['ls-tree', 'HEAD:b.txt']))).code, 2)
    assert.equal((await s.runAsync(withJson(['ls-tree', 'HEAD:nope']))).code, 4)
    s.cleanup()
  })

  it('log -<n> shows at most n commits (Git); elsewhere -<n> is an unknown option, not a path or ignored', async () => {
    const s = await repoWithIP({'a.txt': '1\n'})
    for (const v of ['2', '3']) {
      s.write('a.txt', `${v}\n`)
      await ops(s).commitA(`c${v}`)
    }
    assert.deepEqual((await jA(s, ['log', '-2'])).map((e: any) => e.message.trim()), ['c3', 'c2'])
    assert.equal(lines((await okA(s, ['log', '--oneline', '-1', '--', 'a.txt'])).stdout).length, 1)
    for (const args of [['status', '-1'], ['diff', '-5', 'HEAD~1', 'HEAD'], ['add', '-3']]) {
      const r = await s.runAsync(withJson(args))
      assert.equal(r.code, 2, `bl ${args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.equal(r.json().error.code, 'INVALID_ARGUMENT')
      assert.match(r.json().error.message, /unknown option -\d/)
    }
    s.cleanup()
  })

  it('diff A...B shows what B changed since it forked from A (from their merge base), as in Git', async () => {
    const s = await repoWithIP({'a.txt': '1\n'})
    const o = ops(s)
    await o.branch('f')
    s.write('a.txt', '2\n')
    await o.commitA('main edits a')
    await o.switch('f')
    s.write('b.txt', 'b\n')
    await o.add('b.txt')
    await o.commit('f adds b')
    const names = async (args: string[]): Promise<string[]> => (await jA(s, ['diff', ...args])).changes.map((c: any) => `${c.status} ${c.path}`)
    assert.deepEqual(await names(['main...f']), ['A b.txt'])
    assert.deepEqual(await names(['f...main']), ['M a.txt'])
    assert.deepEqual(await names(['main..f']), ['M a.txt', 'A b.txt'])
    s.cleanup()
  })

  it('commit <paths> commits only those tracked paths from the work tree (Git --only); the rest stays staged; -i, -a and untracked paths', async () => {
    const s = await repoWithIP({'a.txt': '1\n', 'b.txt': '1\n', 'd/x.txt': 'x1\n', 'd/y.txt': 'y1\n'})
    s.write('a.txt', '2\n')
    s.write('b.txt', '2\n')
    await setup(s).addAll()
    s.write('a.txt', '3\n') // the work tree wins over what is staged, as in Git
    s.write('d/x.txt', 'x2\n')
    fs.rmSync(s.p('d/y.txt'))
    s.write('d/new.txt', 'untracked\n')
    // -m takes one value: the path after it is a pathspec, not part of the message.
    const c = await jA(s, ['commit', '-m', 'only a and d', 'a.txt', 'd'])
    assert.equal(c.message, 'only a and d\n')
    const show = async (spec: string): Promise<string> => (await s.runAsync(['show', spec])).stdout
    assert.equal(await show('HEAD:a.txt'), '3\n')
    assert.equal(await show('HEAD:b.txt'), '1\n', 'b.txt was staged but not named: not committed')
    assert.equal(await show('HEAD:d/x.txt'), 'x2\n')
    assert.equal((await s.runAsync(['show', 'HEAD:d/y.txt'])).code, 4, 'a named tracked file gone from disk is committed as deleted')
    assert.equal((await s.runAsync(['show', 'HEAD:d/new.txt'])).code, 4, 'untracked files under a named directory are not added')
    assert.deepEqual(lines((await s.runAsync(['status', '--short'])).stdout), ['M  b.txt', '?? d/new.txt'])
    // Refusals: an untracked path, paths with -a, -i without paths; nothing is committed.
    const refused = async (args: string[], code: number, errCode: string): Promise<void> => {
      const r = await s.runAsync(withJson(args))
      assert.equal(r.code, code, r.stdout + r.stderr)
      assert.equal(r.json().error.code, errCode)
    }
    await refused(['commit', '-m', 'x', 'd/new.txt'], 4, 'PATHSPEC_NO_MATCH')
    await refused(['commit', '-a', '-m', 'x', 'b.txt'], 2, 'INVALID_ARGUMENT')
    await refused(['commit', '-i', '-m', 'x'], 2, 'INVALID_ARGUMENT')
    await refused(['commit', '-m', 'x', 'a.txt'], 1, 'NOTHING_TO_COMMIT')
    assert.equal((await jA(s, ['log'])).length, 2)
    // -i stages the named paths and commits the whole index (b.txt too).
    s.write('a.txt', '4\n')
    await okA(s, ['commit', '-q', '-i', '-m', 'include', 'a.txt'])
    assert.equal(await show('HEAD:a.txt'), '4\n')
    assert.equal(await show('HEAD:b.txt'), '2\n')
    assert.deepEqual(lines((await s.runAsync(['status', '--short'])).stdout), ['?? d/new.txt'])
    const two = await jA(s, ['commit', '--allow-empty', '-m', 'one', '-m', 'two'])
    assert.equal(two.message, 'one\n\ntwo\n')
    s.cleanup()
  })

  it('checkout <rev> -- <path> never removes what <rev> lacks (Git\'s overlay mode); restore --source does', async () => {
    const s = await repoWithIP({'a.txt': '1\n', 'd/x.txt': 'x1\n'})
    s.write('b.txt', '2\n')
    s.write('d/y.txt', 'y2\n')
    s.write('d/x.txt', 'x2\n')
    await setup(s).commitAll('two')
    s.write('b.txt', 'precious uncommitted edit\n')
    s.write('d/y.txt', 'y edited\n')
    const r = await s.runAsync(withJson(['checkout', 'HEAD~1', '--', 'b.txt']))
    assert.equal(r.code, 4, r.stdout + r.stderr)
    assert.equal(r.json().error.code, 'PATHSPEC_NO_MATCH')
    assert.equal(s.read('b.txt').toString(), 'precious uncommitted edit\n')
    const dir = await jA(s, ['checkout', 'HEAD~1', '--', 'd'])
    assert.deepEqual([dir.restored, dir.removed], [['d/x.txt'], []])
    assert.equal(s.read('d/x.txt').toString(), 'x1\n')
    assert.equal(s.read('d/y.txt').toString(), 'y edited\n', 'a file HEAD~1 lacks keeps its edit')
    // restore has Git's no-overlay default: tracked paths the source lacks go.
    const res = await jA(s, ['restore', '--source', 'HEAD~1', '--', 'd'])
    assert.deepEqual(res.removed, ['d/y.txt'])
    // Every pathspec must match, or nothing is restored (Git checks them all before writing).
    s.write('a.txt', 'a edited\n')
    for (const args of [['restore', '--', 'a.txt', 'nope'], ['restore', '--source', 'HEAD', '--', 'a.txt', 'nope']]) {
      const partial = await s.runAsync(withJson(args))
      assert.deepEqual([partial.code, partial.json().error.code, partial.json().error.data.path], [4, 'PATHSPEC_NO_MATCH', 'nope'], args.join(' '))
      assert.equal(s.read('a.txt').toString(), 'a edited\n')
    }
    assert.equal(s.exists('d/y.txt'), false)
    s.cleanup()
  })

  describe('branches and tags', {concurrency: 1}, () => {
    let s: Sandbox
    before(async () => {
      s = await repoWithIP({'a.txt': 'a\n'})
    })
    after(() => s?.cleanup())

    it('switch -c creates and switches; commits land on the new branch', async () => {
      const r = await jA(s, ['switch', '-c', 'topic'])
      assert.equal(r.branch, 'topic')
      assert.equal(r.created, true)
      s.write('t.txt', 't\n')
      await setup(s).add('t.txt')
      const c = await jA(s, ['commit', '-m', 'on topic'])
      assert.equal(c.branch, 'topic')
      await okA(s, ['switch', 'main'])
      assert.equal(fs.existsSync(s.p('t.txt')), false)
      const br = await jA(s, ['branch'])
      assert.deepEqual(
        br.map((b: any) => [b.name, b.current]),
        [
          ['main', true],
          ['topic', false],
        ],
      )
      assert.equal(br[1].commit, c.id)
    })

    it('branch -d refuses an unmerged branch with exit 5; -D deletes it', async () => {
      const r = await s.runAsync(['branch', '-d', 'topic'])
      assert.equal(r.code, 5)
      assert.match(r.stderr, /^error: .*not fully merged/m)
      const rj = await s.runAsync(['branch', '-d', 'topic', '--json'])
      assert.equal(rj.code, 5)
      assert.equal(rj.json().error.code, 'BRANCH_NOT_MERGED')
      assert.deepEqual((await jA(s, ['branch'])).map((b: any) => b.name), ['main', 'topic'])
      const d = await jA(s, ['branch', '-D', 'topic'])
      assert.equal(d.name, 'topic')
      assert.deepEqual((await jA(s, ['branch'])).map((b: any) => b.name), ['main'])
    })

    it('branch -d deletes a merged branch', async () => {
      await setup(s).branch('merged')
      await okA(s, ['branch', '-d', 'merged'])
      assert.deepEqual((await jA(s, ['branch'])).map((b: any) => b.name), ['main'])
    })

    it('checkout -b creates and switches', async () => {
      const r = await s.runAsync(['checkout', '-b', 'cb'])
      assert.equal(r.code, 0, r.stderr)
      assert.equal((await jA(s, ['status'])).branch, 'cb')
      await setup(s).switch('main')
    })

    it('branch -m renames a branch', async () => {
      const o = ops(s)
      await o.branch('old-name')
      const head = await o.rev('HEAD')
      const m = await jA(s, ['branch', '-m', 'old-name', 'new-name'])
      assert.deepEqual(m, {from: 'old-name', to: 'new-name'})
      const br = await jA(s, ['branch'])
      assert.ok(!br.some((b: any) => b.name === 'old-name'))
      assert.equal(br.find((b: any) => b.name === 'new-name')?.commit, head)
    })

    it('tag creates, lists and tag -d deletes', async () => {
      const head = await ops(s).rev('HEAD')
      const t = await jA(s, ['tag', 'v1.0'])
      assert.equal(t.name, 'v1.0')
      assert.equal(t.commit, head)
      assert.deepEqual((await jA(s, ['tag'])).map((x: any) => x.name), ['v1.0'])
      assert.equal(await revIdA(s, 'v1.0'), head)
      const r = await s.runAsync(['tag', 'v1.0'])
      assert.equal(r.code, 5, 'creating an existing tag is refused')
      const d = await jA(s, ['tag', '-d', 'v1.0'])
      assert.deepEqual(d, {name: 'v1.0', commit: head})
      assert.deepEqual(await jA(s, ['tag']), [])
      assert.equal((await s.runAsync(['log', 'v1.0'])).code, 4)
    })
  })

  describe('checkout safety', {concurrency: 1}, () => {
    let s: Sandbox
    after(() => s?.cleanup())
    before(async () => {
      s = await repoWithIP({'shared.txt': 'same\n', 'differs.txt': 'main\n'})
      const o = ops(s)
      await o.switchNew('other')
      s.write('differs.txt', 'other\n')
      await o.commitA('other')
      await o.switch('main')
    })

    it('refuses to switch when a file that differs between branches has local changes (exit 5)', async () => {
      s.write('differs.txt', 'precious local edit\n')
      for (const args of [['switch', 'other'], ['checkout', 'other']]) {
        const r = await s.runAsync(args)
        assert.equal(r.code, 5, `${args.join(' ')}: ${r.stderr}`)
        assert.match(r.stderr, /^error: .*differs\.txt/m)
        assert.equal(s.read('differs.txt').toString(), 'precious local edit\n')
        assert.equal((await jA(s, ['status'])).branch, 'main')
      }
      const rj = await s.runAsync(['checkout', 'other', '--json'])
      assert.equal(rj.json().error.code, 'LOCAL_CHANGES')
      assert.match(rj.json().error.hint, /-f \(--force\)/)
    })

    it('carries a local change to a file that is the same on both branches', async () => {
      const o = ops(s)
      await o.restore('differs.txt')
      s.write('shared.txt', 'local\n')
      await okA(s, ['switch', 'other'])
      assert.equal(s.read('shared.txt').toString(), 'local\n')
      assert.equal(s.read('differs.txt').toString(), 'other\n')
      await o.switch('main')
      await o.restore('shared.txt')
    })

    it('a file deleted only in the work tree: the switch writes the other branch\'s version, or keeps the deletion where both agree (Git\'s)', async () => {
      fs.rmSync(s.p('differs.txt'))
      fs.rmSync(s.p('shared.txt'))
      await okA(s, ['switch', 'other'])
      assert.equal(s.read('differs.txt').toString(), 'other\n')
      assert.equal(s.exists('shared.txt'), false)
      assert.deepEqual((await jA(s, ['status'])).unstaged, [{path: 'shared.txt', status: 'D'}])
      await okA(s, ['switch', 'main'])
      await okA(s, ['restore', 'shared.txt'])
      assert.equal((await jA(s, ['status'])).clean, true)
    })

    it('checkout -f discards local changes', async () => {
      s.write('differs.txt', 'throw me away\n')
      await okA(s, ['checkout', '-f', 'other'])
      assert.equal(s.read('differs.txt').toString(), 'other\n')
      const st = await jA(s, ['status'])
      assert.equal(st.branch, 'other')
      assert.equal(st.clean, true)
    })
  })

  describe('config and identity', {concurrency: 1}, () => {
    it('config get/set at repo level and --global (user level via BL_CONFIG_DIR); repo wins', async () => {
      const s = await repoWithIP()
      try {
        const set = await jA(s, ['config', 'core.answer', '42'])
        assert.deepEqual(set, {key: 'core.answer', value: '42', scope: 'repo', action: 'set'})
        assert.equal((await okA(s, ['config', 'core.answer'])).stdout, '42\n')
        await okA(s, ['config', '--global', 'user.color', 'blue'])
        assert.equal((await okA(s, ['config', 'user.color'])).stdout, 'blue\n')
        assert.deepEqual(await jA(s, ['config', '--global', 'user.color']), {key: 'user.color', value: 'blue', scope: 'user', action: 'get'})
        // the user-level file lives in BL_CONFIG_DIR
        assert.ok(fs.readdirSync(s.configDir).length > 0, 'nothing written to BL_CONFIG_DIR')
        // a second repository sharing the config dir sees user settings but not repo settings
        const other = path.join(s.base, 'other')
        fs.mkdirSync(other)
        ops(s, {cwd: other}).init()
        assert.equal((await okA(s, ['config', 'user.color'], {cwd: other})).stdout, 'blue\n')
        const missing = await s.runAsync(['config', 'core.answer'], {cwd: other})
        assert.equal(missing.code, 1)
        // repo level overrides user level
        await okA(s, ['config', 'user.color', 'red'])
        assert.equal((await okA(s, ['config', 'user.color'])).stdout, 'red\n')
        assert.equal((await okA(s, ['config', 'user.color'], {cwd: other})).stdout, 'blue\n')
        const list = await jA(s, ['config', '--list'])
        assert.deepEqual(
          list.entries.filter((e: any) => e.key === 'core.answer'),
          [{key: 'core.answer', value: '42', scope: 'repo'}],
        )
        await okA(s, ['config', '--unset', 'core.answer'])
        assert.equal((await s.runAsync(['config', 'core.answer'])).code, 1)
      } finally {
        s.cleanup()
      }
    })

    it('identity comes from bl config when BL_AUTHOR_* is unset; missing identity is exit 1 with a hint', async () => {
      const s = await repoWithIP()
      const noId = {unset: ['BL_AUTHOR_NAME', 'BL_AUTHOR_EMAIL', 'BL_COMMITTER_NAME', 'BL_COMMITTER_EMAIL'], env: {HOME: '', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1'}}
      noId.env.HOME = s.home
      try {
        s.write('a.txt', 'a\n')
        await setup(s).add('a.txt')
        const r = await s.runAsync(['commit', '-m', 'x'], noId)
        assert.equal(r.code, 1)
        const errLines = lines(r.stderr)
        assert.match(errLines[0]!, /^error: .*user\.name/)
        assert.match(errLines[1]!, /^hint: .*user\.name/)
        const rj = await s.runAsync(['commit', '-m', 'x', '--json'], noId)
        assert.equal(rj.code, 1)
        assert.equal(rj.json().error.code, 'IDENTITY_UNKNOWN')
        assert.equal((await jA(s, ['status'], noId)).head, null, 'nothing was committed')

        await okA(s, ['config', '--global', 'user.name', 'Global Person'], noId)
        await okA(s, ['config', '--global', 'user.email', 'global@example.com'], noId)
        const c1 = await jA(s, ['commit', '-m', 'by global'], noId)
        let log = await jA(s, ['log', '-n', '1'], noId)
        assert.equal(log[0].id, c1.id)
        assert.deepEqual([log[0].author.name, log[0].author.email], ['Global Person', 'global@example.com'])
        assert.deepEqual([log[0].committer.name, log[0].committer.email], ['Global Person', 'global@example.com'])

        await okA(s, ['config', 'user.name', 'Repo Person'], noId)
        await okA(s, ['commit', '--allow-empty', '-m', 'by repo'], noId)
        log = await jA(s, ['log', '-n', '1'], noId)
        assert.deepEqual([log[0].author.name, log[0].author.email], ['Repo Person', 'global@example.com'])

        // BL_AUTHOR_* wins over config
        await okA(s, ['commit', '--allow-empty', '-m', 'by env'], {env: {BL_AUTHOR_DATE: '1700000000 +0130'}})
        log = await jA(s, ['log', '-n', '1'])
        assert.deepEqual(log[0].author, {name: 'Test', email: 't@example.com', time: 1700000000, tz: 90})
      } finally {
        s.cleanup()
      }
    })
  })

  describe('.blignore', {concurrency: 1}, () => {
    it('affects the untracked listing and add -A: globs, negation, dir patterns, nested .blignore', async () => {
      const s = await repoWithIP()
      try {
        s.write('.blignore', '*.tmp\n!keep.tmp\ncache/\n')
        s.write('a.tmp', 'x')
        s.write('keep.tmp', 'k')
        s.write('data.csv', 'd')
        s.write('cache/c.bin', 'c')
        s.write('deep/cache/inner.bin', 'c')
        s.write('sub/.blignore', '*.log\n')
        s.write('sub/x/y.log', 'l')
        s.write('sub/x/k.csv', 'k')
        s.write('top.log', 'l')
        s.write('deep/z.tmp', 'z')
        assert.deepEqual((await jA(s, ['status', '-u', 'all'])).untracked, ['.blignore', 'data.csv', 'keep.tmp', 'sub/.blignore', 'sub/x/k.csv', 'top.log'])
        assert.deepEqual((await jA(s, ['status'])).untracked, ['.blignore', 'data.csv', 'keep.tmp', 'sub/', 'top.log'])
        const add = await jA(s, ['add', '-A'])
        assert.deepEqual(add.added, ['.blignore', 'data.csv', 'keep.tmp', 'sub/.blignore', 'sub/x/k.csv', 'top.log'])
        await setup(s).commit('ignore')
        assert.equal((await jA(s, ['status'])).clean, true)
        // explicitly named ignored file: refused without -f
        const r = await s.runAsync(['add', 'a.tmp'])
        assert.notEqual(r.code, 0)
        assert.match(r.stderr, /^error: .*a\.tmp/m)
        assert.match(r.stderr, /^hint: .*-f/m)
        assert.deepEqual((await jA(s, ['status'])).staged, [])
        const r2 = await s.runAsync(['add', 'sub/x/y.log'])
        assert.notEqual(r2.code, 0)
        const f = await jA(s, ['add', '-f', 'a.tmp'])
        assert.deepEqual(f.added, ['a.tmp'])
        assert.deepEqual((await jA(s, ['status'])).staged, [{path: 'a.tmp', status: 'A'}])
        // once tracked, an ignored file's changes are seen
        await setup(s).commit('forced')
        s.write('a.tmp', 'changed')
        assert.deepEqual((await jA(s, ['status'])).unstaged, [{path: 'a.tmp', status: 'M'}])
      } finally {
        s.cleanup()
      }
    })

    it('an excluded directory stays excluded below (tracked files or not); a deeper .blignore can re-include a directory, as in Git', async () => {
      const s = await repoWithIP({'d/t.csv': 't\n'})
      try {
        s.write('.blignore', 'd/\nout/\n')
        s.write('d/.blignore', '!n.csv\n')
        s.write('d/n.csv', 'n')
        s.write('a/.blignore', '!out/\n')
        s.write('a/out/f.csv', 'f')
        s.write('out/g.csv', 'g')
        assert.deepEqual((await jA(s, ['status', '-u', 'all'])).untracked, ['.blignore', 'a/.blignore', 'a/out/f.csv'])
        assert.deepEqual((await jA(s, ['add', '-A'])).added, ['.blignore', 'a/.blignore', 'a/out/f.csv'])
      } finally {
        s.cleanup()
      }
    })

    it('add -f of a directory, or add -f -A, adds the ignored files under it, as git add -f (never .git or bl.lock)', async () => {
      const s = await repoWithIP()
      try {
        s.write('.blignore', '*.log\ne/\n')
        s.write('d/a.log', 'a')
        s.write('d/b.csv', 'b')
        s.write('d/e/c.csv', 'c')
        s.write('top.log', 't')
        s.write('.git/HEAD', 'ref: refs/heads/main\n')
        s.write('d/.git/config', '')
        s.write('bl.lock', '{}')
        assert.deepEqual((await jA(s, ['add', '-f', 'd'])).added, ['d/a.log', 'd/b.csv', 'd/e/c.csv'])
        assert.deepEqual((await jA(s, ['add', '-f', '-A'])).added, ['.blignore', 'top.log'])
      } finally {
        s.cleanup()
      }
    })

    it('status with a pathspec naming an ignored file or directory lists nothing, as git status', async () => {
      const s = await repoWithIP({'d/t.log': 't\n'})
      try {
        s.write('.blignore', '*.log\ne/\n')
        s.write('x.log', 'x')
        s.write('d/a.log', 'a')
        s.write('d/e/c.csv', 'c')
        s.write('d/b.csv', 'b')
        assert.deepEqual((await jA(s, ['status', '--', 'x.log', 'd/a.log', 'd/e', 'd/e/c.csv'])).untracked, [])
        assert.deepEqual((await jA(s, ['status', '-u', 'all', '--', 'd'])).untracked, ['d/b.csv'])
        // a tracked file is reported whatever the rules say
        s.write('d/t.log', 'changed')
        assert.deepEqual((await jA(s, ['status', '--', 'd/t.log'])).unstaged, [{path: 'd/t.log', status: 'M'}])
      } finally {
        s.cleanup()
      }
    })

    it('empty directories are not tracked', async () => {
      const s = await repoWithIP({'a.txt': 'a\n'})
      try {
        fs.mkdirSync(s.p('empty'))
        fs.mkdirSync(s.p('empty2/nested'), {recursive: true})
        const st = await jA(s, ['status'])
        assert.equal(st.clean, true)
        assert.deepEqual(st.untracked, [])
        assert.equal((await okA(s, ['status', '--short'])).stdout, '')
        const add = await jA(s, ['add', '-A'])
        assert.deepEqual(add.added, [])
        assert.equal((await s.runAsync(['commit', '-m', 'x'])).code, 1)
      } finally {
        s.cleanup()
      }
    })
  })

  describe('gc and fsck', {concurrency: 1}, () => {
    it('gc removes a blob made unreachable by add then rm --cached; fsck passes after', async () => {
      const s = await repoWithIP({'keep.bin': crypto.randomBytes(50_000)})
      try {
        const keep = s.read('keep.bin')
        s.write('junk.bin', crypto.randomBytes(300_000))
        await okA(s, ['add', 'junk.bin'])
        await okA(s, ['rm', '--cached', '-q', 'junk.bin'])
        assert.deepEqual((await jA(s, ['status'])).untracked, ['junk.bin'])
        const dry = await jA(s, ['gc', '--dry-run'])
        assert.ok(dry.objectsRemoved >= 1, JSON.stringify(dry))
        const gc = await jA(s, ['gc'])
        assert.ok(gc.objectsRemoved >= 1, JSON.stringify(gc))
        assert.ok(gc.chunksRemoved >= 1, JSON.stringify(gc))
        assert.ok(gc.bytesFreed >= 300_000, JSON.stringify(gc))
        const again = await jA(s, ['gc'])
        assert.equal(again.objectsRemoved, 0)
        const fsck = await okA(s, ['fsck'])
        assert.match(fsck.stdout, /^ok/m)
        assert.equal((await jA(s, ['fsck'])).ok, true)
        // reachable data survives gc
        assert.ok((await okA(s, ['show', 'HEAD:keep.bin'])).stdoutBuf.equals(keep))
        fs.rmSync(s.p('keep.bin'))
        await okA(s, ['checkout', '-f', 'main'])
        assert.ok(s.read('keep.bin').equals(keep))
        // and the unreachable file can still be added again from the work tree
        await okA(s, ['add', 'junk.bin'])
        await setup(s).commit('junk')
        assert.equal((await jA(s, ['fsck'])).ok, true)
      } finally {
        s.cleanup()
      }
    })
  })
  it('add <name>/ names a directory: a file or symlink there does not match, as in Git', async () => {
    const s = await repoWithIP({'d/a': 'a\n'})
    try {
      s.write('f', 'f')
      fs.symlinkSync('d', s.p('L'))
      for (const spec of ['f/', 'L/']) {
        const r = await s.runAsync(['add', spec])
        assert.equal(r.code, 4, spec)
        assert.match(r.stderr, /did not match any files/)
      }
      s.write('d/b', 'b')
      assert.deepEqual((await jA(s, ['add', 'd/'])).added, ['d/b'])
      assert.deepEqual((await jA(s, ['status'])).staged, [{path: 'd/b', status: 'A'}])
    } finally {
      s.cleanup()
    }
  })

  it('work-tree edges: rm keeps staged-only content, empty paths, case collisions by name, symlinks in the way, FIFOs, case-sensitive and unlinked .blignore, emptied database', async () => {
    const s = await repoWithIP({'base.txt': 'base\n', 'readme.txt': 'a\n', 'd/f.txt': 'f\n'})
    const fails = async (args: string[], exit: number, code: string, cwd?: string): Promise<void> => {
      const r = await s.runAsync(withJson(args), cwd ? {cwd} : {})
      assert.equal(r.code, exit, `bl ${args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.equal(r.json().error.code, code)
    }
    // add --json counts every stored byte, the last segment's too (it is written at the end).
    const fresh = crypto.randomBytes(300_000)
    s.write('fresh.bin', fresh)
    const added = await jA(s, ['add', 'fresh.bin'])
    assert.deepEqual([added.bytesRead, added.bytesStored], [300_000, 300_000])
    // rm without --cached refuses a file whose content is only staged: deleting it would lose that content.
    const o = ops(s)
    s.write('new.csv', 'run 42\n')
    await o.add('new.csv')
    await fails(['rm', 'new.csv'], 5, 'LOCAL_CHANGES')
    s.write('base.txt', 'v2\n')
    await o.add('base.txt')
    await fails(['rm', 'base.txt'], 5, 'LOCAL_CHANGES')
    assert.equal(s.read('new.csv').toString(), 'run 42\n')
    assert.equal(s.read('base.txt').toString(), 'v2\n')
    // An empty path (an unset shell variable) is not "this directory".
    await fails(['rm', '-r', '-f', ''], 2, 'INVALID_ARGUMENT', s.p('d'))
    await fails(['add', ''], 2, 'INVALID_ARGUMENT', s.p('d'))
    assert.ok(s.exists('d/f.txt'))
    // A name that differs from a tracked one only by case is refused even when added by name.
    s.write('README.txt', 'a\n')
    await fails(['add', 'README.txt'], 5, 'BAD_PATH_NAME')
    fs.rmSync(s.p('README.txt'))
    // .blignore is case-sensitive (as Git on Linux), and a symlinked one is not followed.
    s.write('.blignore', 'Results.csv\n')
    s.write('results.csv', '1\n')
    await okA(s, ['add', 'results.csv'])
    fs.rmSync(s.p('.blignore'))
    s.write('../outside-ignore', 'a.txt\n')
    fs.symlinkSync(s.p('../outside-ignore'), s.p('.blignore'))
    s.write('a.txt', 'a\n')
    assert.ok((await jA(s, ['status'])).untracked.includes('a.txt'), 'rules behind a symlinked .blignore are not read')
    // Paths through a symlink, and FIFOs, are refused, not silently skipped.
    s.write('real/f', 'c\n')
    fs.symlinkSync('real', s.p('link'))
    await fails(['add', 'link/f'], 2, 'INVALID_ARGUMENT')
    execFileSync('mkfifo', [s.p('fifo')])
    await fails(['add', 'fifo'], 2, 'INVALID_ARGUMENT')
    // rm of a tracked path whose directory became a symlink never deletes behind the link.
    await o.commit('staged')
    // A tracked file replaced by a FIFO is gone: commit -a records its deletion, as status reports it.
    fs.rmSync(s.p('new.csv'))
    execFileSync('mkfifo', [s.p('new.csv')])
    await okA(s, ['commit', '-q', '-a', '-m', 'fifo'])
    assert.equal((await s.runAsync(['show', 'HEAD:new.csv'])).code, 4)
    s.write('../outside/f.txt', 'outside\n')
    fs.rmSync(s.p('d'), {recursive: true})
    fs.symlinkSync(s.p('../outside'), s.p('d'))
    await okA(s, ['rm', '-q', 'd/f.txt'])
    assert.equal(fs.readFileSync(s.p('../outside/f.txt'), 'utf8'), 'outside\n')
    // An absolute path reaching the work tree through a symlinked directory is inside it.
    const via = s.p('../via')
    fs.symlinkSync(s.dir, via)
    s.write('b.txt', 'b\n')
    await okA(s, ['add', path.join(via, 'b.txt')], {cwd: via})
    assert.ok((await jA(s, ['status'])).staged.some((e: any) => e.path === 'b.txt'))
    // ...but links inside the work tree are still never followed.
    await fails(['add', path.join(via, 'link', 'f')], 2, 'INVALID_ARGUMENT', via)
    await fails(['branch', ''], 2, 'BAD_REF_NAME')
    // status --short lists names bl cannot store (with a warning on stderr), as Git lists them.
    s.write('bad\nname', 'x\n')
    const short = await s.runAsync(['status', '--short'])
    assert.ok(lines(short.stdout).includes('?? "bad\\nname"'), short.stdout)
    assert.match(short.stderr, /cannot be stored/)
    // From a subdirectory, text status names paths from there (as Git), so they can be pasted back.
    s.write('real/new.txt', 'n\n')
    const sub = lines((await s.runAsync(['status', '--short'], {cwd: s.p('real')})).stdout)
    assert.ok(sub.includes('?? ../a.txt') && sub.includes('A  ../b.txt') && sub.includes('?? ./'), sub.join('\n'))
    // A mode-only change says so in text diff output.
    s.write('m.sh', 'echo\n')
    await o.add('m.sh')
    await o.commit('script')
    fs.chmodSync(s.p('m.sh'), 0o755)
    assert.match((await okA(s, ['diff'])).stdout, /^M {2}m\.sh .* mode 100644 -> 100755$/m)
    // An emptied database is reported as damaged (exit 6), not as an internal error.
    fs.writeFileSync(s.p('.bl/bl.db'), '')
    await fails(['status'], 6, 'CORRUPT_DATABASE')
    s.cleanup()
  })
})
