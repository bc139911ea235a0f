/**
 * End-to-end workflow through the real `bl` binary: init -> add -> commit -> edit -> status -> diff
 * -> branch -> checkout an old commit, and the everyday commands around it.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {blake3} from 'hash-wasm'
import {lines, repoWith, revId, Sandbox} from './helpers.ts'

const b3 = (data: Buffer | string): Promise<string> => blake3(typeof data === 'string' ? Buffer.from(data) : data)
const isExec = (p: string): boolean => (fs.statSync(p).mode & 0o100) !== 0

describe('main scenario: init, add, commit, edit, status, diff, branch, checkout', () => {
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

  before(() => {
    s.write('README.md', readme)
    s.write('data/table.csv', table1)
    s.write('big.bin', big)
    s.write('nested/deep/dir/leaf.txt', leaf)
    s.write('run.sh', script, 0o755)
    fs.symlinkSync('data/table.csv', s.p('link'))
  })
  after(() => s.cleanup())

  it('init creates a repository on main', () => {
    const r = s.j(['init'])
    assert.equal(r.branch, 'main')
    assert.equal(r.root, s.dir)
    assert.ok(fs.existsSync(path.join(s.dir, '.bl')))
    const st = s.j(['status'])
    assert.equal(st.branch, 'main')
    assert.equal(st.head, null)
  })

  it('add -A stages every file, commit records them', () => {
    const add = s.j(['add', '-A'])
    assert.deepEqual(add.added, ['README.md', 'big.bin', 'data/table.csv', 'link', 'nested/deep/dir/leaf.txt', 'run.sh'])
    assert.deepEqual(add.updated, [])
    assert.deepEqual(add.removed, [])
    const st = s.j(['status'])
    assert.deepEqual(
      st.staged.map((e: any) => [e.status, e.path]),
      ['README.md', 'big.bin', 'data/table.csv', 'link', 'nested/deep/dir/leaf.txt', 'run.sh'].map((p) => ['A', p]),
    )
    const c = s.j(['commit', '-m', 'first'])
    assert.match(c.id, /^[0-9a-f]{64}$/)
    assert.deepEqual(c.parents, [])
    assert.equal(c.branch, 'main')
    assert.equal(c.message, 'first\n')
    C1 = c.id
    const st2 = s.j(['status'])
    assert.equal(st2.clean, true)
    assert.equal(st2.head, C1)
    assert.deepEqual([st2.staged, st2.unstaged, st2.untracked], [[], [], []])
    assert.equal(s.ok(['status', '--short']).stdout, '')
  })

  it('file ids are BLAKE3 of the bytes; ls-tree -r -l shows modes 100644/100755/120000 and sizes', async () => {
    const rows = s.j(['ls-tree', '-r', '-l', 'HEAD'])
    const byPath = new Map(rows.map((r: any) => [r.path, r]))
    assert.deepEqual([...byPath.keys()].sort(), ['README.md', 'big.bin', 'data/table.csv', 'link', 'nested/deep/dir/leaf.txt', 'run.sh'])
    assert.equal((byPath.get('big.bin') as any).id, await b3(big))
    assert.equal((byPath.get('README.md') as any).id, await b3(readme))
    assert.equal((byPath.get('link') as any).kind, 'symlink')

    const text = lines(s.ok(['ls-tree', '-r', '-l', 'HEAD']).stdout)
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

  it('status after edits: text --short and --json', () => {
    s.write('data/table.csv', table2)
    fs.rmSync(s.p('README.md'))
    s.write('new.txt', 'new\n')
    assert.equal(s.ok(['status', '--short']).stdout, ' D README.md\n M data/table.csv\n?? new.txt\n')
    const st = s.j(['status'])
    assert.equal(st.clean, false)
    assert.equal(st.branch, 'main')
    assert.equal(st.head, C1)
    assert.deepEqual(st.staged, [])
    assert.deepEqual(st.unstaged, [
      {path: 'README.md', status: 'D'},
      {path: 'data/table.csv', status: 'M'},
    ])
    assert.deepEqual(st.untracked, ['new.txt'])
    const long = s.ok(['status']).stdout
    assert.match(long, /On branch main/)
    assert.match(long, /deleted: +README\.md/)
    assert.match(long, /modified: +data\/table\.csv/)
    assert.match(long, /Untracked files:\n\s+new\.txt/)
  })

  it('diff of the work tree: --name-status, --stat, --json, -- <path>', async () => {
    assert.equal(s.ok(['diff', '--name-status']).stdout, 'D\tREADME.md\nM\tdata/table.csv\n')
    assert.equal(s.ok(['diff', '--name-only']).stdout, 'README.md\ndata/table.csv\n')
    const stat = lines(s.ok(['diff', '--stat']).stdout)
    assert.equal(stat.length, 3, stat.join('\n'))
    assert.match(stat[0]!, /^ README\.md +\| 6 B -> 0 B$/)
    assert.match(stat[1]!, new RegExp(`^ data/table\\.csv +\\| ${table1.length} B -> ${table2.length} B$`))
    assert.match(stat[2]!, /^ 2 paths changed/)
    const d = s.j(['diff'])
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
    assert.equal(s.ok(['diff', '--name-status', '--', 'data']).stdout, 'M\tdata/table.csv\n')
    assert.equal(s.ok(['diff', '--name-status', '--', 'README.md']).stdout, 'D\tREADME.md\n')
    assert.equal(s.ok(['diff', '--name-status', '--', 'nested']).stdout, '')
  })

  it('diff --cached after add -A, then commit; diff A B', () => {
    s.ok(['add', '-A'])
    assert.equal(s.ok(['diff', '--name-status']).stdout, '')
    assert.equal(s.ok(['diff', '--cached', '--name-status']).stdout, 'D\tREADME.md\nM\tdata/table.csv\nA\tnew.txt\n')
    assert.equal(s.ok(['diff', '--staged', '--name-status', '--', 'new.txt']).stdout, 'A\tnew.txt\n')
    const cached = s.j(['diff', '--cached'])
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
    C2 = s.j(['commit', '-m', 'second']).id
    assert.equal(s.ok(['diff', '--cached', '--name-status']).stdout, '')
    assert.equal(s.ok(['diff', C1, C2, '--name-status']).stdout, 'D\tREADME.md\nM\tdata/table.csv\nA\tnew.txt\n')
    assert.equal(s.ok(['diff', C2, C1, '--name-status']).stdout, 'A\tREADME.md\nM\tdata/table.csv\nD\tnew.txt\n')
    assert.equal(s.ok(['diff', C1, C2, '--name-status', '--', 'data']).stdout, 'M\tdata/table.csv\n')
    const dj = s.j(['diff', C1, C2])
    assert.deepEqual(
      dj.changes.map((c: any) => [c.status, c.path]),
      [
        ['D', 'README.md'],
        ['M', 'data/table.csv'],
        ['A', 'new.txt'],
      ],
    )
  })

  it('commit -a stages tracked modifications (content, exec bit, symlink target) but not untracked files', () => {
    s.write('big.bin', big2)
    fs.chmodSync(s.p('run.sh'), 0o644)
    fs.rmSync(s.p('link'))
    fs.symlinkSync('new.txt', s.p('link'))
    s.write('nested/deep/dir/other.txt', 'other\n')
    const st = s.j(['status'])
    assert.deepEqual(
      st.unstaged.map((e: any) => e.path),
      ['big.bin', 'link', 'run.sh'],
    )
    const c = s.j(['commit', '-a', '-m', 'third'])
    C3 = c.id
    assert.deepEqual(c.parents, [C2])
    const after = s.j(['status'])
    assert.deepEqual(after.staged, [])
    assert.deepEqual(after.unstaged, [])
    assert.deepEqual(after.untracked, ['nested/deep/dir/other.txt'])
    assert.equal(s.ok(['diff', C2, C3, '--name-status']).stdout, 'M\tbig.bin\nM\tlink\nM\trun.sh\n')
    const rows = s.j(['ls-tree', '-r', 'HEAD'])
    const mode = Object.fromEntries(rows.map((r: any) => [r.path, r.mode]))
    assert.equal(mode['run.sh'], '100644')
    assert.equal(mode['link'], '120000')
  })

  it('tags and revision syntax: full id, 4+ char prefix, HEAD~1, HEAD^, main~2, tag name', () => {
    s.ok(['tag', 'v1', C1])
    s.ok(['tag', 'v2', 'HEAD~1'])
    assert.equal(revId(s, C3), C3)
    assert.equal(revId(s, C3.slice(0, 6)), C3)
    assert.equal(revId(s, C2.slice(0, 4)), C2)
    assert.equal(revId(s, 'HEAD'), C3)
    assert.equal(revId(s, 'HEAD~1'), C2)
    assert.equal(revId(s, 'HEAD^'), C2)
    assert.equal(revId(s, 'HEAD~2'), C1)
    assert.equal(revId(s, 'main~2'), C1)
    assert.equal(revId(s, 'main'), C3)
    assert.equal(revId(s, 'v1'), C1)
    assert.equal(revId(s, 'v2'), C2)
    const tags = s.j(['tag'])
    assert.deepEqual(
      tags.map((t: any) => [t.name, t.commit]),
      [
        ['v1', C1],
        ['v2', C2],
      ],
    )
  })

  it('log --oneline, -n 1, -- <path>', () => {
    const ol = lines(s.ok(['log', '--oneline']).stdout)
    assert.equal(ol.length, 3)
    assert.ok(ol[0]!.startsWith(C3.slice(0, 12) + ' '), ol[0])
    assert.match(ol[0]!, /HEAD -> main/)
    assert.match(ol[0]!, / third$/)
    assert.ok(ol[1]!.startsWith(C2.slice(0, 12) + ' '), ol[1])
    assert.match(ol[1]!, / second$/)
    assert.ok(ol[2]!.startsWith(C1.slice(0, 12) + ' '), ol[2])
    assert.match(ol[2]!, / first$/)
    const one = lines(s.ok(['log', '--oneline', '-n', '1']).stdout)
    assert.equal(one.length, 1)
    assert.ok(one[0]!.startsWith(C3.slice(0, 12)))
    const ids = (args: string[]) => s.j(['log', ...args]).map((c: any) => c.id)
    assert.deepEqual(ids([]), [C3, C2, C1])
    assert.deepEqual(ids(['-n', '1']), [C3])
    assert.deepEqual(ids(['--', 'README.md']), [C2, C1])
    assert.deepEqual(ids(['--', 'big.bin']), [C3, C1])
    assert.deepEqual(ids(['--', 'new.txt']), [C2])
    assert.deepEqual(ids(['--', 'nested']), [C1])
    assert.deepEqual(ids(['--', 'data/table.csv']), [C2, C1])
    assert.deepEqual(ids(['HEAD~1', '--', 'big.bin']), [C1])
  })

  it('show <rev>:<path> streams the exact bytes', async () => {
    assert.ok(s.ok(['show', `${C1}:big.bin`]).stdoutBuf.equals(big))
    assert.ok(s.ok(['show', 'HEAD:big.bin']).stdoutBuf.equals(big2))
    assert.ok(s.ok(['show', 'v1:data/table.csv']).stdoutBuf.equals(Buffer.from(table1)))
    assert.ok(s.ok(['show', 'HEAD:data/table.csv']).stdoutBuf.equals(Buffer.from(table2)))
    assert.ok(s.ok(['show', 'HEAD~2:nested/deep/dir/leaf.txt']).stdoutBuf.equals(Buffer.from(leaf)))
    const meta = s.j(['show', 'v1:run.sh'])
    assert.deepEqual(meta, {kind: 'file', path: 'run.sh', id: await b3(script), size: script.length, exec: true})
    const bigMeta = s.j(['show', 'HEAD:big.bin'])
    assert.deepEqual(bigMeta, {kind: 'file', path: 'big.bin', id: await b3(big2), size: big2.length, exec: false})
  })

  it('branch, then checkout an old commit restores every file byte for byte', () => {
    const b = s.j(['branch', 'feature'])
    assert.equal(b.name, 'feature')
    assert.equal(b.commit, C3)
    const co = s.j(['checkout', C1])
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
    const st = s.j(['status'])
    assert.equal(st.branch, null)
    assert.equal(st.head, C1)
    assert.deepEqual([st.staged, st.unstaged, st.untracked], [[], [], ['nested/deep/dir/other.txt']])
  })

  it('checkout back to the branch restores the newest content', () => {
    const co = s.j(['checkout', 'main'])
    assert.equal(co.branch, 'main')
    assert.equal(co.commit, C3)
    assert.ok(s.read('big.bin').equals(big2))
    assert.ok(s.read('data/table.csv').equals(Buffer.from(table2)))
    assert.equal(s.read('new.txt').toString(), 'new\n')
    assert.equal(fs.existsSync(s.p('README.md')), false)
    assert.equal(isExec(s.p('run.sh')), false)
    assert.equal(fs.readlinkSync(s.p('link')), 'new.txt')
    const st = s.j(['status'])
    assert.equal(st.branch, 'main')
    assert.deepEqual([st.staged, st.unstaged], [[], []])
  })

  it('checkout by tag name restores that snapshot', () => {
    s.ok(['checkout', 'v2'])
    assert.ok(s.read('data/table.csv').equals(Buffer.from(table2)))
    assert.ok(s.read('big.bin').equals(big))
    assert.ok(isExec(s.p('run.sh')))
    assert.equal(fs.readlinkSync(s.p('link')), 'data/table.csv')
    assert.equal(s.j(['status']).head, C2)
    s.ok(['switch', 'main'])
    assert.equal(s.j(['status']).branch, 'main')
  })

  it('checkout -f HEAD on a branch stays on the branch (like git)', () => {
    s.write('data/table.csv', 'scribble\n')
    s.ok(['checkout', '-f', 'HEAD'])
    assert.ok(s.read('data/table.csv').equals(Buffer.from(table2)))
    const st = s.j(['status'])
    assert.equal(st.head, C3)
    assert.equal(st.branch, 'main', '`bl checkout HEAD` must not detach HEAD')
  })

  it('fsck prints ok and exits 0', () => {
    const r = s.ok(['fsck'])
    assert.match(r.stdout, /^ok/m)
    const j = s.j(['fsck'])
    assert.equal(j.ok, true)
    assert.deepEqual(j.problems, [])
    assert.equal(j.reachableCommits, 3)
  })
})

describe('renames', () => {
  it('a moved file shows as R in diff --cached --name-status and status --short', () => {
    const content = 'x,y\n'.repeat(100)
    const s = repoWith({'a/old.csv': content, 'keep.txt': 'k\n'})
    try {
      fs.mkdirSync(s.p('b'))
      fs.renameSync(s.p('a/old.csv'), s.p('b/new.csv'))
      assert.equal(s.ok(['status', '--short']).stdout, ' D a/old.csv\n?? b/\n')
      s.ok(['add', '-A'])
      assert.equal(s.ok(['diff', '--cached', '--name-status']).stdout, 'R\ta/old.csv\tb/new.csv\n')
      assert.equal(s.ok(['status', '--short']).stdout, 'R  a/old.csv -> b/new.csv\n')
      const st = s.j(['status'])
      assert.deepEqual(st.staged, [{path: 'b/new.csv', status: 'R', oldPath: 'a/old.csv'}])
      const c = s.j(['commit', '-m', 'move'])
      const d = s.j(['show', c.id])
      assert.equal(d.kind, 'commit')
      assert.deepEqual(
        d.changes.map((x: any) => [x.status, x.oldPath, x.path]),
        [['R', 'a/old.csv', 'b/new.csv']],
      )
    } finally {
      s.cleanup()
    }
  })
})

describe('rm', () => {
  it('rm deletes the file and stages the deletion; rm --cached keeps the file as untracked', () => {
    const s = repoWith({'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n'})
    try {
      s.ok(['rm', 'a.txt'])
      assert.equal(fs.existsSync(s.p('a.txt')), false)
      s.ok(['rm', '--cached', 'b.txt'])
      assert.equal(s.read('b.txt').toString(), 'b\n', 'rm --cached must keep the file')
      const st = s.j(['status'])
      assert.deepEqual(st.staged, [
        {path: 'a.txt', status: 'D'},
        {path: 'b.txt', status: 'D'},
      ])
      assert.deepEqual(st.unstaged, [])
      assert.deepEqual(st.untracked, ['b.txt'])
      assert.equal(s.ok(['status', '--short']).stdout, 'D  a.txt\nD  b.txt\n?? b.txt\n')
      s.ok(['commit', '-m', 'rm'])
      const tree = s.j(['ls-tree', '-r', 'HEAD']).map((r: any) => r.path)
      assert.deepEqual(tree, ['c.txt'])
      assert.deepEqual(s.j(['status']).untracked, ['b.txt'])
    } finally {
      s.cleanup()
    }
  })
})

describe('restore and checkout -- <path>', () => {
  const s = repoWith({'f.txt': 'v1\n', 'g.txt': 'g1\n'})
  after(() => s.cleanup())
  let C1 = ''

  before(() => {
    C1 = revId(s, 'HEAD')
    s.write('f.txt', 'v2\n')
    s.write('g.txt', 'g2\n')
    s.ok(['commit', '-a', '-q', '-m', 'v2'])
  })

  it('restore <path> takes the content from the index', () => {
    s.write('f.txt', 'scratch\n')
    s.ok(['restore', 'f.txt'])
    assert.equal(s.read('f.txt').toString(), 'v2\n')
    assert.equal(s.j(['status']).clean, true)
  })

  it('restore --staged unstages but keeps the work tree change', () => {
    s.write('f.txt', 'v3\n')
    s.ok(['add', 'f.txt'])
    assert.deepEqual(s.j(['status']).staged, [{path: 'f.txt', status: 'M'}])
    s.ok(['restore', '--staged', 'f.txt'])
    const st = s.j(['status'])
    assert.deepEqual(st.staged, [])
    assert.deepEqual(st.unstaged, [{path: 'f.txt', status: 'M'}])
    assert.equal(s.read('f.txt').toString(), 'v3\n')
    s.ok(['restore', 'f.txt'])
    assert.equal(s.read('f.txt').toString(), 'v2\n')
  })

  it('restore --source <rev> <path> rewrites only the work tree (index untouched, like git)', () => {
    s.ok(['restore', '--source', 'HEAD~1', 'f.txt'])
    assert.equal(s.read('f.txt').toString(), 'v1\n')
    const st = s.j(['status'])
    assert.deepEqual(st.unstaged, [{path: 'f.txt', status: 'M'}])
    assert.deepEqual(st.staged, [], 'restore --source without --staged must not touch the index')
    s.ok(['restore', '--source', 'HEAD', '--staged', '--worktree', 'f.txt'])
    assert.equal(s.read('f.txt').toString(), 'v2\n')
    assert.equal(s.j(['status']).clean, true)
  })

  it('checkout <rev> -- <path> updates the work tree and the index', () => {
    s.ok(['checkout', C1, '--', 'g.txt'])
    assert.equal(s.read('g.txt').toString(), 'g1\n')
    const st = s.j(['status'])
    assert.deepEqual(st.staged, [{path: 'g.txt', status: 'M'}])
    assert.deepEqual(st.unstaged, [])
    assert.equal(s.read('f.txt').toString(), 'v2\n', 'other paths untouched')
    s.ok(['checkout', 'HEAD', '--', 'g.txt'])
    assert.equal(s.read('g.txt').toString(), 'g2\n')
    assert.equal(s.j(['status']).clean, true)
  })
})

describe('branches and tags', () => {
  const s = repoWith({'a.txt': 'a\n'})
  after(() => s.cleanup())

  it('switch -c creates and switches; commits land on the new branch', () => {
    const r = s.j(['switch', '-c', 'topic'])
    assert.equal(r.branch, 'topic')
    assert.equal(r.created, true)
    s.write('t.txt', 't\n')
    s.ok(['add', 't.txt'])
    const c = s.j(['commit', '-m', 'on topic'])
    assert.equal(c.branch, 'topic')
    s.ok(['switch', 'main'])
    assert.equal(fs.existsSync(s.p('t.txt')), false)
    const br = s.j(['branch'])
    assert.deepEqual(
      br.map((b: any) => [b.name, b.current]),
      [
        ['main', true],
        ['topic', false],
      ],
    )
    assert.equal(br[1].commit, c.id)
  })

  it('branch -d refuses an unmerged branch with exit 5; -D deletes it', () => {
    const r = s.bl(['branch', '-d', 'topic'])
    assert.equal(r.code, 5)
    assert.match(r.stderr, /^error: .*not fully merged/m)
    const rj = s.bl(['branch', '-d', 'topic', '--json'])
    assert.equal(rj.code, 5)
    assert.equal(rj.json().error.code, 'BRANCH_NOT_MERGED')
    assert.deepEqual(s.j(['branch']).map((b: any) => b.name), ['main', 'topic'])
    const d = s.j(['branch', '-D', 'topic'])
    assert.equal(d.name, 'topic')
    assert.deepEqual(s.j(['branch']).map((b: any) => b.name), ['main'])
  })

  it('branch -d deletes a merged branch', () => {
    s.ok(['branch', 'merged'])
    s.ok(['branch', '-d', 'merged'])
    assert.deepEqual(s.j(['branch']).map((b: any) => b.name), ['main'])
  })

  it('checkout -b creates and switches', () => {
    const r = s.bl(['checkout', '-b', 'cb'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(s.j(['status']).branch, 'cb')
    s.ok(['switch', 'main'])
  })

  it('branch -m renames a branch', () => {
    s.ok(['branch', 'old-name'])
    const head = revId(s, 'HEAD')
    const m = s.j(['branch', '-m', 'old-name', 'new-name'])
    assert.deepEqual(m, {from: 'old-name', to: 'new-name'})
    const br = s.j(['branch'])
    assert.ok(!br.some((b: any) => b.name === 'old-name'))
    assert.equal(br.find((b: any) => b.name === 'new-name')?.commit, head)
  })

  it('tag creates, lists and tag -d deletes', () => {
    const head = revId(s, 'HEAD')
    const t = s.j(['tag', 'v1.0'])
    assert.equal(t.name, 'v1.0')
    assert.equal(t.commit, head)
    assert.deepEqual(s.j(['tag']).map((x: any) => x.name), ['v1.0'])
    assert.equal(revId(s, 'v1.0'), head)
    const r = s.bl(['tag', 'v1.0'])
    assert.equal(r.code, 5, 'creating an existing tag is refused')
    const d = s.j(['tag', '-d', 'v1.0'])
    assert.deepEqual(d, {name: 'v1.0', commit: head})
    assert.deepEqual(s.j(['tag']), [])
    assert.equal(s.bl(['log', 'v1.0']).code, 4)
  })
})

describe('checkout safety', () => {
  const s = repoWith({'shared.txt': 'same\n', 'differs.txt': 'main\n'})
  after(() => s.cleanup())
  before(() => {
    s.ok(['switch', '-c', 'other', '-q'])
    s.write('differs.txt', 'other\n')
    s.ok(['commit', '-a', '-q', '-m', 'other'])
    s.ok(['switch', 'main', '-q'])
  })

  it('refuses to switch when a file that differs between branches has local changes (exit 5)', () => {
    s.write('differs.txt', 'precious local edit\n')
    for (const args of [['switch', 'other'], ['checkout', 'other']]) {
      const r = s.bl(args)
      assert.equal(r.code, 5, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /^error: .*differs\.txt/m)
      assert.equal(s.read('differs.txt').toString(), 'precious local edit\n')
      assert.equal(s.j(['status']).branch, 'main')
    }
    const rj = s.bl(['checkout', 'other', '--json'])
    assert.equal(rj.json().error.code, 'LOCAL_CHANGES')
  })

  it('carries a local change to a file that is the same on both branches', () => {
    s.ok(['restore', 'differs.txt'])
    s.write('shared.txt', 'local\n')
    s.ok(['switch', 'other'])
    assert.equal(s.read('shared.txt').toString(), 'local\n')
    assert.equal(s.read('differs.txt').toString(), 'other\n')
    s.ok(['switch', 'main'])
    s.ok(['restore', 'shared.txt'])
  })

  it('checkout -f discards local changes', () => {
    s.write('differs.txt', 'throw me away\n')
    s.ok(['checkout', '-f', 'other'])
    assert.equal(s.read('differs.txt').toString(), 'other\n')
    const st = s.j(['status'])
    assert.equal(st.branch, 'other')
    assert.equal(st.clean, true)
  })
})

describe('config and identity', () => {
  it('config get/set at repo level and --global (user level via BL_CONFIG_DIR); repo wins', () => {
    const s = repoWith()
    try {
      const set = s.j(['config', 'core.answer', '42'])
      assert.deepEqual(set, {key: 'core.answer', value: '42', scope: 'repo', action: 'set'})
      assert.equal(s.ok(['config', 'core.answer']).stdout, '42\n')
      s.ok(['config', '--global', 'user.color', 'blue'])
      assert.equal(s.ok(['config', 'user.color']).stdout, 'blue\n')
      assert.deepEqual(s.j(['config', '--global', 'user.color']), {key: 'user.color', value: 'blue', scope: 'user', action: 'get'})
      // the user-level file lives in BL_CONFIG_DIR
      assert.ok(fs.readdirSync(s.configDir).length > 0, 'nothing written to BL_CONFIG_DIR')
      // a second repository sharing the config dir sees user settings but not repo settings
      const other = path.join(s.base, 'other')
      fs.mkdirSync(other)
      s.ok(['init', '-q'], {cwd: other})
      assert.equal(s.ok(['config', 'user.color'], {cwd: other}).stdout, 'blue\n')
      const missing = s.bl(['config', 'core.answer'], {cwd: other})
      assert.equal(missing.code, 1)
      // repo level overrides user level
      s.ok(['config', 'user.color', 'red'])
      assert.equal(s.ok(['config', 'user.color']).stdout, 'red\n')
      assert.equal(s.ok(['config', 'user.color'], {cwd: other}).stdout, 'blue\n')
      const list = s.j(['config', '--list'])
      assert.deepEqual(
        list.entries.filter((e: any) => e.key === 'core.answer'),
        [{key: 'core.answer', value: '42', scope: 'repo'}],
      )
      s.ok(['config', '--unset', 'core.answer'])
      assert.equal(s.bl(['config', 'core.answer']).code, 1)
    } finally {
      s.cleanup()
    }
  })

  it('identity comes from bl config when BL_AUTHOR_* is unset; missing identity is exit 1 with a hint', () => {
    const s = repoWith()
    const noId = {unset: ['BL_AUTHOR_NAME', 'BL_AUTHOR_EMAIL', 'BL_COMMITTER_NAME', 'BL_COMMITTER_EMAIL'], env: {HOME: '', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1'}}
    noId.env.HOME = s.home
    try {
      s.write('a.txt', 'a\n')
      s.ok(['add', 'a.txt'])
      const r = s.bl(['commit', '-m', 'x'], noId)
      assert.equal(r.code, 1)
      const errLines = lines(r.stderr)
      assert.match(errLines[0]!, /^error: .*user\.name/)
      assert.match(errLines[1]!, /^hint: .*user\.name/)
      const rj = s.bl(['commit', '-m', 'x', '--json'], noId)
      assert.equal(rj.code, 1)
      assert.equal(rj.json().error.code, 'IDENTITY_UNKNOWN')
      assert.deepEqual(s.j(['log'], noId), [], 'nothing was committed')

      s.ok(['config', '--global', 'user.name', 'Global Person'], noId)
      s.ok(['config', '--global', 'user.email', 'global@example.com'], noId)
      const c1 = s.j(['commit', '-m', 'by global'], noId)
      let log = s.j(['log', '-n', '1'], noId)
      assert.equal(log[0].id, c1.id)
      assert.deepEqual([log[0].author.name, log[0].author.email], ['Global Person', 'global@example.com'])
      assert.deepEqual([log[0].committer.name, log[0].committer.email], ['Global Person', 'global@example.com'])

      s.ok(['config', 'user.name', 'Repo Person'], noId)
      s.ok(['commit', '--allow-empty', '-m', 'by repo'], noId)
      log = s.j(['log', '-n', '1'], noId)
      assert.deepEqual([log[0].author.name, log[0].author.email], ['Repo Person', 'global@example.com'])

      // BL_AUTHOR_* wins over config
      s.ok(['commit', '--allow-empty', '-m', 'by env'], {env: {BL_AUTHOR_DATE: '1700000000 +0130'}})
      log = s.j(['log', '-n', '1'])
      assert.deepEqual(log[0].author, {name: 'Test', email: 't@example.com', time: 1700000000, tz: 90})
    } finally {
      s.cleanup()
    }
  })
})

describe('.blignore', () => {
  it('affects the untracked listing and add -A: globs, negation, dir patterns, nested .blignore', () => {
    const s = repoWith()
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
      assert.deepEqual(s.j(['status', '-u', 'all']).untracked, ['.blignore', 'data.csv', 'keep.tmp', 'sub/.blignore', 'sub/x/k.csv', 'top.log'])
      assert.deepEqual(s.j(['status']).untracked, ['.blignore', 'data.csv', 'keep.tmp', 'sub/', 'top.log'])
      const add = s.j(['add', '-A'])
      assert.deepEqual(add.added, ['.blignore', 'data.csv', 'keep.tmp', 'sub/.blignore', 'sub/x/k.csv', 'top.log'])
      s.ok(['commit', '-q', '-m', 'ignore'])
      assert.equal(s.j(['status']).clean, true)
      // explicitly named ignored file: refused without -f
      const r = s.bl(['add', 'a.tmp'])
      assert.notEqual(r.code, 0)
      assert.match(r.stderr, /^error: .*a\.tmp/m)
      assert.match(r.stderr, /^hint: .*-f/m)
      assert.deepEqual(s.j(['status']).staged, [])
      const r2 = s.bl(['add', 'sub/x/y.log'])
      assert.notEqual(r2.code, 0)
      const f = s.j(['add', '-f', 'a.tmp'])
      assert.deepEqual(f.added, ['a.tmp'])
      assert.deepEqual(s.j(['status']).staged, [{path: 'a.tmp', status: 'A'}])
      // once tracked, an ignored file's changes are seen
      s.ok(['commit', '-q', '-m', 'forced'])
      s.write('a.tmp', 'changed')
      assert.deepEqual(s.j(['status']).unstaged, [{path: 'a.tmp', status: 'M'}])
    } finally {
      s.cleanup()
    }
  })

  it('empty directories are not tracked', () => {
    const s = repoWith({'a.txt': 'a\n'})
    try {
      fs.mkdirSync(s.p('empty'))
      fs.mkdirSync(s.p('empty2/nested'), {recursive: true})
      const st = s.j(['status'])
      assert.equal(st.clean, true)
      assert.deepEqual(st.untracked, [])
      assert.equal(s.ok(['status', '--short']).stdout, '')
      const add = s.j(['add', '-A'])
      assert.deepEqual(add.added, [])
      assert.equal(s.bl(['commit', '-m', 'x']).code, 1)
    } finally {
      s.cleanup()
    }
  })
})

describe('gc and fsck', () => {
  it('gc removes a blob made unreachable by add then rm --cached; fsck passes after', () => {
    const s = repoWith({'keep.bin': crypto.randomBytes(50_000)})
    try {
      const keep = s.read('keep.bin')
      s.write('junk.bin', crypto.randomBytes(300_000))
      s.ok(['add', 'junk.bin'])
      s.ok(['rm', '--cached', '-q', 'junk.bin'])
      assert.deepEqual(s.j(['status']).untracked, ['junk.bin'])
      const dry = s.j(['gc', '--dry-run'])
      assert.ok(dry.objectsRemoved >= 1, JSON.stringify(dry))
      const gc = s.j(['gc'])
      assert.ok(gc.objectsRemoved >= 1, JSON.stringify(gc))
      assert.ok(gc.chunksRemoved >= 1, JSON.stringify(gc))
      assert.ok(gc.bytesFreed >= 300_000, JSON.stringify(gc))
      const again = s.j(['gc'])
      assert.equal(again.objectsRemoved, 0)
      const fsck = s.ok(['fsck'])
      assert.match(fsck.stdout, /^ok/m)
      assert.equal(s.j(['fsck']).ok, true)
      // reachable data survives gc
      assert.ok(s.ok(['show', 'HEAD:keep.bin']).stdoutBuf.equals(keep))
      fs.rmSync(s.p('keep.bin'))
      s.ok(['checkout', '-f', 'main'])
      assert.ok(s.read('keep.bin').equals(keep))
      // and the unreachable file can still be added again from the work tree
      s.ok(['add', 'junk.bin'])
      s.ok(['commit', '-q', '-m', 'junk'])
      assert.equal(s.j(['fsck']).ok, true)
    } finally {
      s.cleanup()
    }
  })
})
