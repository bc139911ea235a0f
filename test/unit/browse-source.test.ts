/**
 * The data side of `bl browse` (src/core/ops/browse.ts) over real repositories built through the
 * core API: refs, the log with its graph edges, signatures, trees, a commit's changes and the
 * diff of one changed file (lines and rows).
 */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type {BrowseChange, FileDiff} from '../../src/core/browse/types.ts'
import type {Context} from '../../src/core/context.ts'
import {BlError} from '../../src/core/errors.ts'
import type {Oid} from '../../src/core/hash.ts'
import {commitId, encodeCommit, type Commit} from '../../src/core/objects/index.ts'
import {add} from '../../src/core/ops/add.ts'
import {createRef} from '../../src/core/ops/branch.ts'
import {browseSource} from '../../src/core/ops/browse.ts'
import {commit} from '../../src/core/ops/commit.ts'
import {keyGenerate} from '../../src/core/ops/keys.ts'
import {remoteAdd} from '../../src/core/ops/remote.ts'
import {clone, push} from '../../src/core/ops/sync.ts'
import {advanceHead, updateRefs} from '../../src/core/refs/refs.ts'
import {openRepo, type Repo} from '../../src/core/repo.ts'
import {loadBlob, loadCommit} from '../../src/core/odb.ts'
import {lookupPath} from '../../src/core/tree-build.ts'
import {steppingClock, tempRepo as newRepo} from '../support/temp-repo.ts'

function tempRepo(t: {after(fn: () => void): void}): {ctx: Context; repo: Repo} {
  return newRepo(t, {prefix: 'bl-browse-', now: steppingClock(), env: {BL_AUTHOR_NAME: 'Unit', BL_AUTHOR_EMAIL: 'unit@example.com', BL_KEY_PASSPHRASE: undefined}})
}

/** Writes (or, for null, deletes) files, stages everything and commits. */
async function commitFiles(repo: Repo, files: Record<string, string | Buffer | null>, message: string, opts: {meta?: Record<string, string>; sign?: boolean} = {}): Promise<Oid> {
  for (const [p, data] of Object.entries(files)) {
    const abs = path.join(repo.root, p)
    if (data === null) fs.rmSync(abs, {force: true})
    else {
      fs.mkdirSync(path.dirname(abs), {recursive: true})
      fs.writeFileSync(abs, data)
    }
  }
  await add(repo, {paths: [], all: true})
  return (await commit(repo, {message, ...opts})).id
}

/** A commit with a chosen tree and parents, written straight to the store (for merges). */
function rawCommit(repo: Repo, tree: Oid, parents: Oid[], time: number, message: string): Oid {
  const c: Commit = {tree, parents, author: {name: 'M', email: 'm@x', time, tz: 60}, committer: {name: 'M', email: 'm@x', time, tz: 60}, message, meta: {}}
  const id = commitId(c)
  repo.store.transaction(() => repo.store.putObject(id, 'commit', encodeCommit(c)))
  return id
}

const isCode = (code: string) => (e: unknown) => e instanceof BlError && e.code === code

test('a bad revision throws its typed error before any view starts', async (t) => {
  const {repo} = tempRepo(t)
  // No commit yet: HEAD names nothing.
  assert.throws(() => browseSource(repo), isCode('UNKNOWN_REVISION'))
  const first = await commitFiles(repo, {'a.txt': 'a\n'}, 'first')
  assert.throws(() => browseSource(repo, 'nope'), isCode('UNKNOWN_REVISION'))
  assert.throws(() => browseSource(repo, 'HEAD~5'), isCode('UNKNOWN_REVISION'))
  assert.equal(browseSource(repo).start, first)
  assert.equal(browseSource(repo, first.slice(0, 8)).start, first)
})

test('refs: branches (the current one marked), tags and remote-tracking branches', async (t) => {
  const {repo} = tempRepo(t)
  const c1 = await commitFiles(repo, {'a.txt': '1\n'}, 'one')
  createRef(repo, 'branch', 'feature')
  createRef(repo, 'tag', 'v1')
  const c2 = await commitFiles(repo, {'a.txt': '2\n'}, 'two')
  repo.store.transaction(() => updateRefs(repo, [{ref: 'refs/remotes/origin/main', to: c1, message: 'fetch'}]))
  const refs = await browseSource(repo).refs()
  const byName = (n: string) => refs.find((r) => r.name === n)
  assert.deepEqual(byName('main'), {name: 'main', kind: 'branch', commit: c2, current: true})
  assert.deepEqual(byName('feature'), {name: 'feature', kind: 'branch', commit: c1, current: false})
  assert.deepEqual(byName('v1'), {name: 'v1', kind: 'tag', commit: c1, current: false})
  assert.deepEqual(byName('origin/main'), {name: 'origin/main', kind: 'remote', commit: c1, current: false})
  assert.equal(refs.length, 4)
})

test('log: newest first with graph edges, refs, the code commit, and a "more" flag past the limit', async (t) => {
  const {repo} = tempRepo(t)
  const base = await commitFiles(repo, {'a.txt': 'a\n'}, 'base\n\nbody text', {meta: {'git.commit': 'a'.repeat(40)}})
  const left = await commitFiles(repo, {'a.txt': 'b\n'}, 'left')
  const tree = loadCommit(repo.store, left).tree
  const right = rawCommit(repo, tree, [base], 1_800_000_000, 'right')
  const merge = rawCommit(repo, tree, [left, right], 1_800_000_100, 'merge')
  repo.store.transaction(() => {
    advanceHead(repo, left, merge, 'merge')
    updateRefs(repo, [{ref: 'refs/tags/v1', to: base, message: 'tag'}])
  })
  const src = browseSource(repo)
  const all = await src.log('HEAD', 10)
  assert.equal(all.more, false)
  assert.deepEqual(all.commits.map((c) => c.id).slice(0, 1), [merge])
  assert.deepEqual(new Set(all.commits.map((c) => c.id)), new Set([merge, left, right, base]))
  assert.equal(all.commits.at(-1)!.id, base) // never a parent before its child
  const m = all.commits[0]!
  assert.deepEqual(m.parents, [left, right])
  assert.deepEqual(m.edges, [left, right])
  assert.deepEqual(m.refs, ['HEAD -> main'])
  assert.equal(m.authorName, 'M')
  assert.equal(m.authorEmail, 'm@x')
  assert.equal(m.time, 1_800_000_100)
  assert.equal(m.tzOffset, 60)
  assert.equal(m.signed, false)
  assert.equal(m.gitCommit, undefined)
  const b = all.commits.at(-1)!
  assert.equal(b.message, 'base\n\nbody text\n')
  assert.equal(b.gitCommit, 'a'.repeat(40))
  assert.deepEqual(b.refs, ['tag: v1'])
  assert.deepEqual(b.edges, [])

  const two = await src.log('HEAD', 2)
  assert.equal(two.commits.length, 2)
  assert.equal(two.more, true)
  assert.equal((await src.log('HEAD', 4)).more, false)
  // Another start: only what it reaches.
  const side = await src.log(right, 10)
  assert.deepEqual(side.commits.map((c) => c.id), [right, base])
  await assert.rejects(src.log('nope', 10), isCode('UNKNOWN_REVISION'))
})

test('signature: unsigned without loading any key; a signed commit checks good against the keyring', async (t) => {
  const {ctx, repo} = tempRepo(t)
  const plain = await commitFiles(repo, {'a.txt': '1\n'}, 'plain')
  await keyGenerate(ctx, {name: 'Signer', email: 'signer@example.com', noPassphrase: true})
  const signed = await commitFiles(repo, {'a.txt': '2\n'}, 'signed', {sign: true})
  const src = browseSource(repo)
  assert.equal((await src.signature(plain)).status, 'unsigned')
  const v = await src.signature(signed)
  assert.equal(v.status, 'good')
  assert.match(v.userId ?? '', /signer@example\.com/)
  assert.equal((await src.log('HEAD', 5)).commits[0]!.signed, true)
  // Asked again: the same answer (cached).
  assert.equal(await src.signature(signed), v)
})

test('tree: directories first, then files by name, with sizes and file counts', async (t) => {
  const {repo} = tempRepo(t)
  const c = await commitFiles(repo, {'b.txt': 'bb\n', 'A.md': 'x', 'zeta/one.csv': 'id\n1\n', 'zeta/deep/two.bin': Buffer.alloc(100), 'alpha/x': '12345'}, 'tree')
  const src = browseSource(repo)
  const root = await src.tree(c, '')
  assert.deepEqual(root.map((e) => [e.name, e.kind, e.path]), [
    ['alpha', 'dir', 'alpha'],
    ['zeta', 'dir', 'zeta'],
    ['A.md', 'file', 'A.md'],
    ['b.txt', 'file', 'b.txt'],
  ])
  const zeta = root.find((e) => e.name === 'zeta')!
  assert.equal(zeta.size, 5 + 100)
  assert.equal(zeta.files, 2)
  const bt = root.find((e) => e.name === 'b.txt')!
  assert.equal(bt.size, 3)
  assert.equal(bt.files, 1)
  assert.equal(bt.exec, false)
  const sub = await src.tree(c, 'zeta/')
  assert.deepEqual(sub.map((e) => [e.path, e.size, e.files]), [
    ['zeta/deep', 100, 1],
    ['zeta/one.csv', 5, 1],
  ])
  await assert.rejects(src.tree(c, 'nope'), isCode('PATH_NOT_FOUND'))
  await assert.rejects(src.tree(c, 'b.txt'), isCode('INVALID_ARGUMENT'))
})

test('changes: a root commit adds everything; later ones against the first parent, renames kept', async (t) => {
  const {repo} = tempRepo(t)
  const big = 'line\n'.repeat(200)
  const c1 = await commitFiles(repo, {'keep/same.txt': 'same\n', 'mod.txt': 'one\n', 'gone.txt': 'bye\n', 'old/name.txt': big, 'ln': 'target'}, 'root')
  const src = browseSource(repo)
  const root = await src.changes(c1)
  assert.equal(root.parent, null)
  assert.deepEqual(root.changes.map((c) => [c.status, c.path, c.newSize]), [
    ['A', 'gone.txt', 4],
    ['A', 'keep/same.txt', 5],
    ['A', 'ln', 6],
    ['A', 'mod.txt', 4],
    ['A', 'old/name.txt', big.length],
  ])
  fs.rmSync(path.join(repo.root, 'ln'))
  fs.symlinkSync('mod.txt', path.join(repo.root, 'ln'))
  fs.mkdirSync(path.join(repo.root, 'new'))
  fs.renameSync(path.join(repo.root, 'old/name.txt'), path.join(repo.root, 'new/name.txt'))
  const c2 = await commitFiles(repo, {'mod.txt': 'two!\n', 'gone.txt': null, 'added.bin': Buffer.from([0, 1, 2])}, 'second')
  const ch = await browseSource(repo).changes(c2)
  assert.equal(ch.commit, c2)
  assert.equal(ch.parent, c1)
  assert.deepEqual(ch.changes, [
    {status: 'A', path: 'added.bin', kind: 'file', oldSize: null, newSize: 3},
    {status: 'D', path: 'gone.txt', kind: 'file', oldSize: 4, newSize: null},
    {status: 'T', path: 'ln', kind: 'symlink', oldSize: 6, newSize: 7},
    {status: 'M', path: 'mod.txt', kind: 'file', oldSize: 4, newSize: 5},
    {status: 'R', path: 'new/name.txt', oldPath: 'old/name.txt', kind: 'file', oldSize: big.length, newSize: big.length},
  ])
})

async function diffOf(repo: Repo, id: Oid, p: string): Promise<FileDiff> {
  const src = browseSource(repo)
  const change = (await src.changes(id)).changes.find((c: BrowseChange) => c.path === p)
  assert.ok(change, `a change at ${p}`)
  return src.fileDiff(id, change)
}

test('fileDiff: text files as unified hunks with line numbers', async (t) => {
  const {repo} = tempRepo(t)
  const lines = Array.from({length: 12}, (_, i) => `l${i + 1}`)
  await commitFiles(repo, {'t.txt': lines.join('\n') + '\n'}, 'v1')
  const edited = [...lines]
  edited[1] = 'L2'
  edited.splice(10, 1) // drop l11
  const c2 = await commitFiles(repo, {'t.txt': edited.join('\n') + '\n'}, 'v2')
  const d = await diffOf(repo, c2, 't.txt')
  assert.equal(d.kind, 'lines')
  if (d.kind !== 'lines') return
  assert.equal(d.truncated, false)
  assert.deepEqual(d.hunks, [
    {
      oldStart: 1,
      oldLines: 5,
      newStart: 1,
      newLines: 5,
      lines: [
        {op: ' ', text: 'l1', oldNo: 1, newNo: 1},
        {op: '-', text: 'l2', oldNo: 2, newNo: null},
        {op: '+', text: 'L2', oldNo: null, newNo: 2},
        {op: ' ', text: 'l3', oldNo: 3, newNo: 3},
        {op: ' ', text: 'l4', oldNo: 4, newNo: 4},
        {op: ' ', text: 'l5', oldNo: 5, newNo: 5},
      ],
    },
    {
      oldStart: 8,
      oldLines: 5,
      newStart: 8,
      newLines: 4,
      lines: [
        {op: ' ', text: 'l8', oldNo: 8, newNo: 8},
        {op: ' ', text: 'l9', oldNo: 9, newNo: 9},
        {op: ' ', text: 'l10', oldNo: 10, newNo: 10},
        {op: '-', text: 'l11', oldNo: 11, newNo: null},
        {op: ' ', text: 'l12', oldNo: 12, newNo: 11},
      ],
    },
  ])
})

test('fileDiff: added and deleted text, binaries, renames and mode changes', async (t) => {
  const {repo} = tempRepo(t)
  await commitFiles(repo, {'old.txt': 'x\ny\n', 'img.bin': Buffer.from([0, 1, 2, 3]), 'same.txt': 'same\n', 'run.sh': 'echo\n', 'eol.txt': 'a\nb\n', 'bom.txt': 'a\nb\n', 'latin.txt': Buffer.concat([Buffer.from('x\n'.repeat(5000)), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])])}, 'v1')
  fs.renameSync(path.join(repo.root, 'same.txt'), path.join(repo.root, 'moved.txt'))
  fs.chmodSync(path.join(repo.root, 'run.sh'), 0o755)
  const c2 = await commitFiles(repo, {'new.txt': 'a\nb\nc', 'old.txt': null, 'img.bin': Buffer.alloc(2048, 0), 'eol.txt': 'a\nb', 'bom.txt': '\uFEFFa\nb\n', 'latin.txt': Buffer.concat([Buffer.from('x\n'.repeat(5000)), Buffer.from([0x63, 0x61, 0x66, 0xe8, 0x0a])])}, 'v2')
  const added = await diffOf(repo, c2, 'new.txt')
  assert.deepEqual(added, {
    kind: 'lines',
    path: 'new.txt',
    truncated: false,
    hunks: [
      {
        oldStart: 0,
        oldLines: 0,
        newStart: 1,
        newLines: 3,
        lines: [
          {op: '+', text: 'a', oldNo: null, newNo: 1},
          {op: '+', text: 'b', oldNo: null, newNo: 2},
          {op: '+', text: 'c', oldNo: null, newNo: 3},
        ],
      },
    ],
  })
  const deleted = await diffOf(repo, c2, 'old.txt')
  assert.equal(deleted.kind, 'lines')
  if (deleted.kind === 'lines') assert.deepEqual(deleted.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines, h.lines.map((l) => l.op + l.text).join(',')]), [[1, 2, 0, 0, '-x,-y']])
  assert.deepEqual(await diffOf(repo, c2, 'img.bin'), {kind: 'none', path: 'img.bin', reason: 'binary file, 4 B → 2.0 KiB'})
  assert.deepEqual(await diffOf(repo, c2, 'eol.txt'), {kind: 'none', path: 'eol.txt', reason: 'only the newline at the end of the file was removed'})
  // Splitting hides a byte order mark and bytes that decode alike: never blamed on the newline.
  assert.deepEqual(await diffOf(repo, c2, 'bom.txt'), {kind: 'none', path: 'bom.txt', reason: 'only a byte order mark was added'})
  assert.deepEqual(await diffOf(repo, c2, 'latin.txt'), {kind: 'none', path: 'latin.txt', reason: 'the lines read the same, but bytes that are not valid UTF-8 differ'})
  assert.deepEqual(await diffOf(repo, c2, 'moved.txt'), {kind: 'none', path: 'moved.txt', reason: 'renamed from same.txt; the content is unchanged'})
  assert.deepEqual(await diffOf(repo, c2, 'run.sh'), {kind: 'none', path: 'run.sh', reason: 'now executable; the content is unchanged'})
})

test('fileDiff: tables as rows (whole-row matching), and a table that does not parse as lines', async (t) => {
  const {repo} = tempRepo(t)
  await commitFiles(repo, {'t.csv': 'id,name,price\n1,ann,10\n2,bob,20\n3,cy,30\n', 'bad.csv': 'a,b\n1,2\n'}, 'v1')
  const c2 = await commitFiles(repo, {'t.csv': 'id,name,price\n1,ann,10\n2,bob,25\n3,cy,30\n4,"d, e",40\n', 'bad.csv': 'a,b\n1,2,3\n'}, 'v2')
  const d = await diffOf(repo, c2, 't.csv')
  assert.deepEqual(d, {
    kind: 'rows',
    path: 't.csv',
    format: 'csv',
    key: null,
    columns: ['id', 'name', 'price'],
    added: 2,
    removed: 1,
    modified: 0,
    rows: [
      {op: '-', cells: ['2', 'bob', '20']},
      {op: '+', cells: ['2', 'bob', '25']},
      {op: '+', cells: ['4', 'd, e', '40']},
    ],
    truncated: false,
  })
  const bad = await diffOf(repo, c2, 'bad.csv')
  assert.equal(bad.kind, 'lines')
  if (bad.kind === 'lines') {
    assert.match(bad.note ?? '', /not compared as a table: .*expected 2 fields, found 3/)
    assert.deepEqual(bad.hunks[0]!.lines.map((l) => l.op + l.text), [' a,b', '-1,2', '+1,2,3'])
  }
  // An added table: every row added.
  const c3 = await commitFiles(repo, {'n.tsv': 'k\tv\na\t1\nb\t2\n'}, 'v3')
  const n = await diffOf(repo, c3, 'n.tsv')
  assert.equal(n.kind, 'rows')
  if (n.kind === 'rows') {
    assert.equal(n.format, 'tsv')
    assert.equal(n.added, 2)
    assert.deepEqual(n.rows.map((r) => r.op + r.cells.join('|')), ['+a|1', '+b|2'])
  }
})

test('a lazy clone fetches only the chunks a preview or diff reads', async (t) => {
  const {ctx, repo} = tempRepo(t)
  // ~8 MiB of distinct text lines: about 32 chunks.
  const text = Array.from({length: 160_000}, (_, i) => `${i} ${(i * 2654435761) % 4294967296} lorem ipsum dolor\n`).join('')
  await commitFiles(repo, {'big.txt': text, 'small.txt': 'a\nb\n'}, 'v1')
  const c2 = await commitFiles(repo, {'small.txt': 'a\nB\n'}, 'v2')
  const remoteDir = path.join(ctx.cwd, '..', path.basename(ctx.cwd) + '-remote')
  t.after(() => fs.rmSync(remoteDir, {recursive: true, force: true}))
  remoteAdd(repo, 'origin', remoteDir)
  await push(repo, {remote: 'origin', refspecs: ['main']})
  const cloneDir = path.join(ctx.cwd, '..', path.basename(ctx.cwd) + '-clone')
  await clone({...ctx, cwd: path.dirname(cloneDir)}, {url: remoteDir, dir: cloneDir, noCheckout: true})
  const lazy = openRepo({...ctx, cwd: cloneDir})
  t.after(() => {
    lazy.close()
    fs.rmSync(cloneDir, {recursive: true, force: true})
  })
  const e = lookupPath(lazy.store, loadCommit(lazy.store, c2).tree, 'big.txt')!
  const chunks = loadBlob(lazy.store, e.id).chunks
  const local = (): number => chunks.filter((c) => lazy.store.hasChunk(c.id as Oid)).length
  assert.equal(local(), 0, 'nothing local after a --no-checkout clone')
  const src = browseSource(lazy)
  const pv = await src.preview(c2, 'big.txt', {maxLines: 3})
  assert.equal(pv.kind, 'text')
  if (pv.kind === 'text') assert.deepEqual(pv.lines, text.split('\n').slice(0, 3))
  assert.ok(chunks.length >= 16, `${chunks.length} chunks`)
  assert.ok(local() > 0 && local() <= chunks.length / 4, `fetched ${local()} of ${chunks.length} chunks`)
  const d = await src.fileDiff(c2, {status: 'M', path: 'small.txt', kind: 'file', oldSize: 4, newSize: 4})
  assert.equal(d.kind, 'lines')
  if (d.kind === 'lines') assert.deepEqual(d.hunks[0]!.lines.map((l) => l.op + l.text), [' a', '-b', '+B'])
})

test('fileDiff: sizes past the limits are refused without reading a byte', async () => {
  const {diffFile, MAX_LINE_BYTES, MAX_TABLE_BYTES} = await import('../../src/core/browse/file-diff.ts')
  const side = (p: string, size: number, id: string) => ({path: p, kind: 'file' as const, id: id as Oid, size, exec: false, source: () => assert.fail('no read')})
  const text = await diffFile('x.txt', side('x.txt', MAX_LINE_BYTES + 1, 'a'), side('x.txt', 10, 'b'))
  assert.deepEqual(text, {kind: 'none', path: 'x.txt', reason: '8.0 MiB → 10 B: too large to compare line by line (limit 8.0 MiB a side)'})
  const table = await diffFile('t.csv', side('t.csv', 1, 'a'), side('t.csv', MAX_TABLE_BYTES + 1, 'b'))
  assert.equal(table.kind, 'none')
  if (table.kind === 'none') assert.match(table.reason, /^1 B → 256 MiB: too large for an interactive row diff .*bl diff --rows/)
})
