/**
 * Merge, cherry-pick, revert and rebase through the real binary: fast-forward, clean three-way
 * merges (renames follow edits), every conflict kind resolved every way, exit code 3, abort
 * restoring byte-identical files, a dirty work tree refused untouched, and a criss-cross history.
 */
import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {Sandbox, withJson} from './helpers.ts'
import {commitFiles, repoWithIP as repoWith, setup} from './inproc.ts'
import {ops} from './inproc-history.ts'
import {mergeOps, scenario} from './inproc-merge.ts'

/** Every work-tree file (outside .bl) -> sha256 of its bytes. */
function snapshot(s: Sandbox): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (dir: string, rel: string): void => {
    for (const d of fs.readdirSync(dir, {withFileTypes: true})) {
      if (rel === '' && d.name === '.bl') continue
      const r = rel ? `${rel}/${d.name}` : d.name
      if (d.isDirectory()) walk(path.join(dir, d.name), r)
      else out[r] = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, d.name))).digest('hex')
    }
  }
  walk(s.dir, '')
  return out
}

function text(s: Sandbox, p: string): string {
  return s.read(p).toString('utf8')
}

/** Runs a command expected to stop on conflicts: exit 3 in text and JSON, conflicts in error.data. */
function expectConflict(s: Sandbox, args: string[]): any[] {
  const r = s.bl(withJson(args))
  assert.equal(r.code, 3, `bl ${args.join(' ')} must exit 3 on conflicts, got ${r.code}: ${r.stdout}${r.stderr}`)
  const doc = r.json()
  assert.equal(doc.ok, false)
  assert.equal(doc.error.code, 'MERGE_CONFLICT')
  assert.ok(Array.isArray(doc.error.data.conflicts) && doc.error.data.conflicts.length > 0)
  return doc.error.data.conflicts
}

const sandboxes: Sandbox[] = []
function track(s: Sandbox): Sandbox {
  sandboxes.push(s)
  return s
}
after(() => {
  for (const s of sandboxes) s.cleanup()
})

describe('merge: fast-forward and clean three-way merges', () => {
  it('fast-forwards when HEAD is behind; --no-ff makes a merge commit; --ff-only refuses a diverged history', async () => {
    const s = track(await repoWith({'a.csv': 'x\n1\n'}, 'base'))
    const b = setup(s)
    const base = await ops(s).rev()
    await b.switchNew('feature')
    s.write('a.csv', 'x\n1\n2\n')
    const tip = await b.commit('append', {all: true})
    await b.switch('main')
    const ff = s.j(['merge', 'feature'])
    assert.equal(ff.status, 'fast-forward')
    assert.equal(ff.commit, tip)
    assert.equal(text(s, 'a.csv'), 'x\n1\n2\n')
    assert.equal(s.j(['status']).clean, true)
    assert.equal(s.j(['merge', 'feature']).status, 'up-to-date')

    await ops(s).reset('hard', base)
    const noff = s.j(['merge', '--no-ff', 'feature'])
    assert.equal(noff.status, 'merged')
    assert.deepEqual(noff.parents, [base, tip])

    await b.switchNew('side', base)
    s.write('b.csv', 'other\n')
    await b.add('b.csv')
    await b.commit('side')
    const r = s.bl(withJson(['merge', '--ff-only', 'feature']))
    assert.equal(r.code, 5)
    assert.equal(r.json().error.code, 'NOT_FAST_FORWARD')
    assert.equal(s.exists('b.csv'), true, 'nothing changed')
    // merge.ff only is --ff-only; --ff (or --no-ff) on the command line wins.
    await ops(s).config('merge.ff', 'only')
    assert.equal(refused(s, ['merge', 'feature'], 5, 'NOT_FAST_FORWARD').code, 'NOT_FAST_FORWARD')
    assert.equal(s.j(['merge', '--ff', 'feature']).status, 'merged')
  })

  it('merge.ff false makes a merge commit where a fast-forward was possible; a bad value is BAD_CONFIG', async () => {
    const s = track(await repoWith({'a.txt': 'a\n'}, 'base'))
    const base = await ops(s).rev()
    await setup(s).switchNew('feature')
    const tip = await commitFiles(s, {'a.txt': 'b\n'}, 'feature')
    await setup(s).switch('main')
    await ops(s).config('merge.ff', 'false')
    assert.deepEqual(s.j(['merge', 'feature']).parents, [base, tip])
    await ops(s).config('merge.ff', 'sometimes')
    assert.match(refused(s, ['merge', 'feature'], 2, 'BAD_CONFIG').message, /merge.ff is "sometimes"/)
  })

  it('takes one-sided changes, identical changes once, and follows a moved file with the other side\'s edit', async () => {
    const s = track(
      await scenario(
        {'keep.txt': 'k\n', 'ours-edit.txt': 'o\n', 'theirs-edit.txt': 't\n', 'both-same.txt': 's\n', 'moved.csv': 'id,v\n1,a\n', 'gone.txt': 'g\n'},
        {'ours-edit.txt': 'o2\n', 'both-same.txt': 'same\n', 'data/moved.csv': {from: 'moved.csv'}, 'ours-new.txt': 'n\n'},
        {'theirs-edit.txt': 't2\n', 'both-same.txt': 'same\n', 'moved.csv': 'id,v\n1,a\n2,b\n', 'gone.txt': null, 'theirs-new/x.bin': 'bin'},
      ),
    )
    const ours = await ops(s).rev()
    const res = s.j(['merge', 'theirs'])
    assert.equal(res.status, 'merged')
    assert.equal(res.parents[0], ours)
    assert.equal(res.parents.length, 2)
    assert.equal(text(s, 'ours-edit.txt'), 'o2\n')
    assert.equal(text(s, 'theirs-edit.txt'), 't2\n')
    assert.equal(text(s, 'both-same.txt'), 'same\n')
    assert.equal(text(s, 'data/moved.csv'), 'id,v\n1,a\n2,b\n', 'their edit follows our move')
    assert.equal(s.exists('moved.csv'), false)
    assert.equal(s.exists('gone.txt'), false)
    assert.equal(text(s, 'theirs-new/x.bin'), 'bin')
    assert.equal(text(s, 'ours-new.txt'), 'n\n')
    assert.equal(s.j(['status']).clean, true)
    const tree = s.j(['ls-tree', '-r', 'HEAD']).map((e: any) => e.path)
    assert.deepEqual(tree, ['both-same.txt', 'data/moved.csv', 'keep.txt', 'ours-edit.txt', 'ours-new.txt', 'theirs-edit.txt', 'theirs-new/x.bin'])
    assert.equal(s.j(['show', 'HEAD']).commit.message, "Merge branch 'theirs'\n")
  })

  it('merges an exec-bit change on one side with a content change on the other, as Git merges modes', async () => {
    const s = track(await repoWith({'run.sh': 'v1\n', 'tool.sh': 'w1\n'}, 'base'))
    const b = setup(s)
    await b.branch('theirs')
    fs.chmodSync(s.p('run.sh'), 0o755)
    s.write('tool.sh', 'w2\n')
    await b.commit('ours: +x run.sh, edit tool.sh', {all: true})
    await b.switch('theirs')
    s.write('run.sh', 'v2\n')
    fs.chmodSync(s.p('tool.sh'), 0o755)
    await b.commit('theirs: edit run.sh, +x tool.sh', {all: true})
    await b.switch('main')
    assert.equal(s.j(['merge', 'theirs']).status, 'merged')
    const tree = Object.fromEntries(s.j(['ls-tree', '-r', 'HEAD']).map((e: any) => [e.path, e.mode]))
    assert.deepEqual(tree, {'run.sh': '100755', 'tool.sh': '100755'})
    assert.deepEqual([text(s, 'run.sh'), text(s, 'tool.sh')], ['v2\n', 'w2\n'])
    assert.equal(fs.statSync(s.p('run.sh')).mode & 0o111, 0o111)
    assert.equal(s.j(['status']).clean, true)
  })
})

describe('merge conflicts', () => {
  it('both modified: exit 3, status/diff/show stages, --continue refused until resolved, --theirs resolves', async () => {
    const s = track(await scenario({'t.csv': 'base\n', 'x.txt': 'x\n'}, {'t.csv': 'ours!\n'}, {'t.csv': 'theirs!!\n', 'x.txt': 'x2\n'}))
    const conflicts = expectConflict(s, ['merge', 'theirs'])
    assert.deepEqual(conflicts.map((c: any) => [c.path, c.kind]), [['t.csv', 'both-modified']])
    const st = s.j(['status'])
    assert.deepEqual(st.conflicts, [{path: 't.csv', kind: 'both-modified'}])
    assert.equal(st.operation.kind, 'merge')
    assert.equal(st.clean, false)
    assert.match(s.ok(['status', '--short']).stdout, /^UU t\.csv$/m)
    assert.equal(text(s, 'x.txt'), 'x2\n', 'the clean part of the merge is applied')
    const d = s.j(['diff'])
    assert.equal(d.conflicts.length, 1)
    assert.deepEqual([d.conflicts[0].base.size, d.conflicts[0].ours.size, d.conflicts[0].theirs.size], [5, 6, 9])
    assert.match(s.ok(['diff']).stdout, /^U {2}t\.csv {2}both-modified {2}base [0-9a-f]{12} \(5 B\) {2}ours [0-9a-f]{12} \(6 B\) {2}theirs [0-9a-f]{12} \(9 B\)/m)
    assert.equal(s.ok(['show', ':1:t.csv']).stdout, 'base\n')
    assert.equal(s.ok(['show', ':2:t.csv']).stdout, 'ours!\n')
    assert.equal(s.ok(['show', ':3:t.csv']).stdout, 'theirs!!\n')

    const cont = s.bl(withJson(['merge', '--continue']))
    assert.equal(cont.code, 3)
    assert.equal(cont.json().error.code, 'UNRESOLVED_CONFLICTS')
    const commit = s.bl(['commit', '-m', 'x'])
    assert.equal(commit.code, 5, 'a plain commit is refused during a merge')

    s.ok(['checkout', '--theirs', 't.csv'])
    assert.equal(text(s, 't.csv'), 'theirs!!\n')
    assert.deepEqual(s.j(['status']).conflicts, [])
    const done = s.j(['merge', '--continue'])
    assert.equal(done.parents.length, 2)
    assert.equal(s.ok(['show', 'HEAD:t.csv']).stdout, 'theirs!!\n')
    assert.equal(s.j(['status']).clean, true)
  })

  it('both modified resolved with --ours, and by editing the file and bl add', async () => {
    const s = track(await scenario({'a.txt': 'a\n', 'b.txt': 'b\n'}, {'a.txt': 'a-ours\n', 'b.txt': 'b-ours\n'}, {'a.txt': 'a-theirs\n', 'b.txt': 'b-theirs\n'}))
    expectConflict(s, ['merge', 'theirs'])
    s.ok(['checkout', '--ours', 'a.txt'])
    s.write('b.txt', 'b-hand-merged\n')
    s.ok(['add', 'b.txt'])
    s.ok(['merge', '--continue'])
    assert.equal(s.ok(['show', 'HEAD:a.txt']).stdout, 'a-ours\n')
    assert.equal(s.ok(['show', 'HEAD:b.txt']).stdout, 'b-hand-merged\n')
  })

  it('modify/delete both ways: the modified file is kept in the work tree; --theirs / --ours / rm decide', async () => {
    const s = track(await scenario({'del-by-them.txt': 'v1\n', 'del-by-us.txt': 'w1\n'}, {'del-by-them.txt': 'v2 ours\n', 'del-by-us.txt': null}, {'del-by-them.txt': null, 'del-by-us.txt': 'w2 theirs\n'}))
    const conflicts = expectConflict(s, ['merge', 'theirs'])
    assert.deepEqual(conflicts.map((c: any) => [c.path, c.kind]).sort(), [['del-by-them.txt', 'deleted-by-them'], ['del-by-us.txt', 'deleted-by-us']])
    assert.equal(text(s, 'del-by-them.txt'), 'v2 ours\n')
    assert.equal(text(s, 'del-by-us.txt'), 'w2 theirs\n', 'their modified version is shown, nothing is lost')
    const r = s.bl(['show', ':2:del-by-us.txt'])
    assert.equal(r.code, 4, 'we have no version of a file we deleted')
    assert.equal(s.ok(['show', ':3:del-by-us.txt']).stdout, 'w2 theirs\n')
    s.ok(['checkout', '--theirs', 'del-by-them.txt'])
    assert.equal(s.exists('del-by-them.txt'), false, 'taking their side deletes it')
    s.ok(['rm', '-q', 'del-by-us.txt'])
    s.ok(['merge', '--continue'])
    assert.deepEqual(s.j(['ls-tree', '-r', 'HEAD']), [])
  })

  it('add/add, file/directory and renamed-differently conflicts', async () => {
    const s = track(
      await scenario(
        {'r.csv': 'rows\n', 'keep.txt': 'k\n'},
        {'new.txt': 'ours new\n', 'thing': 'a file\n', 'r-ours.csv': {from: 'r.csv'}},
        {'new.txt': 'theirs new\n', 'thing/inner.txt': 'in a dir\n', 'r-theirs.csv': {from: 'r.csv'}},
      ),
    )
    const conflicts = expectConflict(s, ['merge', 'theirs'])
    const kinds = Object.fromEntries(conflicts.map((c: any) => [c.path, c.kind]))
    assert.deepEqual(kinds, {'new.txt': 'both-added', 'thing/inner.txt': 'file-directory', 'r-ours.csv': 'renamed-differently'})
    assert.equal(text(s, 'new.txt'), '<<<<<<< HEAD\nours new\n=======\ntheirs new\n>>>>>>> theirs\n', 'two added texts merge against an empty base')
    assert.equal(text(s, 'thing'), 'a file\n', 'our file stays; their directory waits in the conflict')
    assert.equal(s.ok(['show', ':3:thing/inner.txt']).stdout, 'in a dir\n')
    const rr = conflicts.find((c: any) => c.kind === 'renamed-differently')
    assert.deepEqual([rr.base.path, rr.ours.path, rr.theirs.path], ['r.csv', 'r-ours.csv', 'r-theirs.csv'])
    s.ok(['checkout', '--theirs', 'new.txt', 'thing/inner.txt', 'r-ours.csv'])
    assert.equal(text(s, 'new.txt'), 'theirs new\n')
    assert.equal(text(s, 'thing/inner.txt'), 'in a dir\n')
    assert.equal(s.exists('r-ours.csv'), false)
    assert.equal(text(s, 'r-theirs.csv'), 'rows\n')
    s.ok(['merge', '--continue'])
    assert.deepEqual(
      s.j(['ls-tree', '-r', 'HEAD']).map((e: any) => e.path),
      ['keep.txt', 'new.txt', 'r-theirs.csv', 'thing/inner.txt'],
    )
  })

  it('a move on one side and a deletion on the other is a rename/delete conflict, in either direction', async () => {
    const s = track(await scenario({'a.csv': 'rows\n', 'keep.txt': 'k\n'}, {'b.csv': {from: 'a.csv'}}, {'a.csv': null}))
    const conflicts = expectConflict(s, ['merge', 'theirs'])
    assert.deepEqual(conflicts.map((c: any) => [c.path, c.kind, c.base?.path, c.ours?.path, c.theirs?.path]), [['b.csv', 'deleted-by-them', 'a.csv', 'b.csv', undefined]])
    assert.equal(text(s, 'b.csv'), 'rows\n', 'our moved file stays while the conflict waits')
    s.ok(['add', 'b.csv'])
    s.ok(['merge', '--continue'])
    assert.deepEqual(s.j(['ls-tree', '-r', 'HEAD']).map((e: any) => e.path), ['b.csv', 'keep.txt'])

    // They moved it, we deleted it: their file shows at its new place; --ours takes the deletion.
    const t = track(await scenario({'a.csv': 'rows\n', 'keep.txt': 'k\n'}, {'a.csv': null}, {'b.csv': {from: 'a.csv'}}))
    const c2 = expectConflict(t, ['merge', 'theirs'])
    assert.deepEqual(c2.map((c: any) => [c.path, c.kind]), [['b.csv', 'deleted-by-us']])
    assert.equal(text(t, 'b.csv'), 'rows\n')
    t.ok(['checkout', '--ours', 'b.csv'])
    t.ok(['merge', '--continue'])
    assert.deepEqual(t.j(['ls-tree', '-r', 'HEAD']).map((e: any) => e.path), ['keep.txt'])
  })

  it('a move on one side and a file turned into a symlink on the other is rename/delete, as Git breaks a type change', async () => {
    // Ours moves a.csv to b.csv; theirs replaces a.csv by a symlink. The symlink is a new entry,
    // not an edit of the file: it stays at a.csv, and our moved file is not overwritten by it.
    const s = track(await repoWith({'a.csv': 'rows\n', 'keep.txt': 'k\n'}, 'base'))
    await setup(s).branch('theirs')
    fs.renameSync(s.p('a.csv'), s.p('b.csv'))
    await setup(s).commitAll('ours: move')
    await setup(s).switch('theirs')
    fs.rmSync(s.p('a.csv'))
    fs.symlinkSync('keep.txt', s.p('a.csv'))
    await setup(s).commitAll('theirs: symlink')
    await setup(s).switch('main')
    const conflicts = expectConflict(s, ['merge', 'theirs'])
    assert.deepEqual(conflicts.map((c: any) => [c.path, c.kind, c.base?.path, c.ours?.path, c.theirs?.path]), [['b.csv', 'deleted-by-them', 'a.csv', 'b.csv', undefined]])
    assert.equal(text(s, 'b.csv'), 'rows\n')
    assert.equal(fs.readlinkSync(s.p('a.csv')), 'keep.txt', 'their symlink is at its own path')
    s.ok(['add', 'b.csv'])
    s.ok(['merge', '--continue'])
    assert.deepEqual(s.j(['ls-tree', '-r', 'HEAD']).map((e: any) => [e.path, e.kind]), [['a.csv', 'symlink'], ['b.csv', 'file'], ['keep.txt', 'file']])

    // The other way round (we made the symlink, they moved the file): deleted-by-us at their path.
    await setup(s).switchNew('ours2', 'main~2')
    fs.rmSync(s.p('a.csv'))
    fs.symlinkSync('keep.txt', s.p('a.csv'))
    await setup(s).commitAll('ours2: symlink')
    await setup(s).switchNew('theirs2', 'main~2')
    fs.renameSync(s.p('a.csv'), s.p('b.csv'))
    await setup(s).commitAll('theirs2: move')
    await setup(s).switch('ours2')
    const c2 = expectConflict(s, ['merge', 'theirs2'])
    assert.deepEqual(c2.map((c: any) => [c.path, c.kind]), [['b.csv', 'deleted-by-us']])
    assert.equal(fs.readlinkSync(s.p('a.csv')), 'keep.txt')
    assert.equal(text(s, 'b.csv'), 'rows\n')
  })

  it('a moved symlink is a rename: the other side\'s new target follows it, as Git merges it cleanly', async () => {
    const s = track(await repoWith({'keep.txt': 'k\n'}, 'base'))
    fs.symlinkSync('v1', s.p('latest'))
    await setup(s).commitAll('link')
    await setup(s).branch('theirs')
    fs.mkdirSync(s.p('links'))
    fs.renameSync(s.p('latest'), s.p('links/latest'))
    await setup(s).commitAll('ours: move the link')
    await setup(s).switch('theirs')
    fs.rmSync(s.p('latest'))
    fs.symlinkSync('v2', s.p('latest'))
    await setup(s).commitAll('theirs: retarget the link')
    await setup(s).switch('main')
    assert.equal(s.j(['merge', 'theirs']).status, 'merged')
    assert.deepEqual(s.j(['ls-tree', '-r', 'HEAD']).map((e: any) => [e.path, e.kind]), [['keep.txt', 'file'], ['links/latest', 'symlink']])
    assert.equal(fs.readlinkSync(s.p('links/latest')), 'v2')
    assert.equal(s.exists('latest'), false)
  })

  it('bl add . or bl rm of our file never resolves the directory their side holds back', async () => {
    const s = track(await scenario({'thing': 'base\n'}, {'thing': 'ours\n'}, {'thing': null, 'thing/inner.txt': 'in a dir\n'}))
    const conflicts = expectConflict(s, ['merge', 'theirs'])
    assert.deepEqual(conflicts.map((c: any) => [c.path, c.kind]).sort(), [['thing', 'deleted-by-them'], ['thing/inner.txt', 'file-directory']])
    // Taking their deletion of the file must leave their directory's conflict waiting: it is in
    // no file and no index entry, so resolving it here would drop it from the merge unseen.
    s.ok(['rm', '-q', 'thing'])
    assert.deepEqual(s.j(['status']).conflicts, [{path: 'thing/inner.txt', kind: 'file-directory'}])
    s.ok(['add', '.'])
    assert.deepEqual(s.j(['status']).conflicts, [{path: 'thing/inner.txt', kind: 'file-directory'}])
    assert.equal(s.bl(['merge', '--continue']).code, 3)
    s.ok(['checkout', '--theirs', 'thing/inner.txt'])
    s.ok(['merge', '--continue'])
    assert.deepEqual(s.j(['ls-tree', '-r', 'HEAD']).map((e: any) => e.path), ['thing/inner.txt'])
  })

  it('every conflict kind resolved with --ours keeps our side exactly', async () => {
    const s = track(
      await scenario(
        {'m.txt': 'm\n', 'dt.txt': 'dt\n', 'du.txt': 'du\n', 'r.csv': 'rows\n'},
        {'m.txt': 'm-ours\n', 'dt.txt': 'dt-ours\n', 'du.txt': null, 'new.txt': 'ours new\n', 'thing': 'a file\n', 'r-ours.csv': {from: 'r.csv'}},
        {'m.txt': 'm-theirs\n', 'dt.txt': null, 'du.txt': 'du-theirs\n', 'new.txt': 'theirs new\n', 'thing/inner.txt': 'in a dir\n', 'r-theirs.csv': {from: 'r.csv'}},
      ),
    )
    const conflicts = expectConflict(s, ['merge', 'theirs'])
    assert.deepEqual(
      conflicts.map((c: any) => c.kind).sort(),
      ['both-added', 'both-modified', 'deleted-by-them', 'deleted-by-us', 'file-directory', 'renamed-differently'],
    )
    s.ok(['checkout', '--ours', ...conflicts.map((c: any) => c.path)])
    assert.deepEqual(s.j(['status']).conflicts, [])
    s.ok(['merge', '--continue'])
    const tree = Object.fromEntries(s.j(['ls-tree', '-r', 'HEAD']).map((e: any) => [e.path, e.size]))
    assert.deepEqual(Object.keys(tree).sort(), ['dt.txt', 'm.txt', 'new.txt', 'r-ours.csv', 'thing'])
    assert.deepEqual([text(s, 'm.txt'), text(s, 'dt.txt'), text(s, 'new.txt'), text(s, 'thing'), text(s, 'r-ours.csv')], ['m-ours\n', 'dt-ours\n', 'ours new\n', 'a file\n', 'rows\n'])
    assert.equal(s.exists('du.txt'), false, 'we deleted it; --ours keeps it deleted')
    assert.equal(s.exists('r-theirs.csv'), false)
  })

  it('-X ours / -X theirs settle every conflict for the whole merge', async () => {
    const base = {'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n'}
    const ours = {'a.txt': 'a-ours\n', 'b.txt': null, 'c.txt': 'c-ours\n'}
    const theirs = {'a.txt': 'a-theirs\n', 'b.txt': 'b-theirs\n', 'd.txt': 'd\n'}
    const s1 = track(await scenario(base, ours, theirs))
    const r1 = s1.j(['merge', '-X', 'ours', 'theirs'])
    assert.equal(r1.status, 'merged')
    assert.equal(r1.favored, 2)
    assert.deepEqual([text(s1, 'a.txt'), s1.exists('b.txt'), text(s1, 'c.txt'), text(s1, 'd.txt')], ['a-ours\n', false, 'c-ours\n', 'd\n'])
    const s2 = track(await scenario(base, ours, theirs))
    s2.ok(['merge', '-X', 'theirs', 'theirs'])
    assert.deepEqual([text(s2, 'a.txt'), text(s2, 'b.txt'), text(s2, 'c.txt'), text(s2, 'd.txt')], ['a-theirs\n', 'b-theirs\n', 'c-ours\n', 'd\n'])
  })

  it('-X ours / -X theirs settle the content of a both-modified file and keep the other side\'s exec-bit change, as Git', async () => {
    for (const favor of ['ours', 'theirs']) {
      // Both sides rewrite run.sh; only theirs (or only ours) makes it executable: the mode merges apart from the content.
      const s = track(await repoWith({'run.sh': 'v1\n', 'tool.sh': 'w1\n'}, 'base'))
      await setup(s).branch('theirs')
      s.write('run.sh', 'v-ours\n')
      s.write('tool.sh', 'w-ours\n')
      fs.chmodSync(s.p('tool.sh'), 0o755)
      await setup(s).commit('ours', {all: true})
      await setup(s).switch('theirs')
      s.write('run.sh', 'v-theirs\n')
      fs.chmodSync(s.p('run.sh'), 0o755)
      s.write('tool.sh', 'w-theirs\n')
      await setup(s).commit('theirs', {all: true})
      await setup(s).switch('main')
      assert.equal(s.j(['merge', '-X', favor, 'theirs']).favored, 2)
      const tree = Object.fromEntries(s.j(['ls-tree', '-r', 'HEAD']).map((e: any) => [e.path, e.mode]))
      assert.deepEqual(tree, {'run.sh': '100755', 'tool.sh': '100755'}, `-X ${favor}`)
      assert.deepEqual([text(s, 'run.sh'), text(s, 'tool.sh')], [`v-${favor}\n`, `w-${favor}\n`])
      assert.equal(s.j(['status']).clean, true)
    }
  })

  it('--abort restores files, index and HEAD byte for byte, keeping unrelated local changes', async () => {
    const big = crypto.randomBytes(300_000)
    const s = track(await scenario({'t.csv': 'base\n', 'big.bin': big.toString('base64'), 'local.txt': 'l\n'}, {'t.csv': 'ours\n'}, {'t.csv': 'theirs\n', 'big.bin': null, 'added/n.txt': 'n\n'}))
    s.write('local.txt', 'uncommitted local edit\n')
    const before = snapshot(s)
    const head = await ops(s).rev()
    expectConflict(s, ['merge', 'theirs'])
    assert.equal(s.exists('big.bin'), false)
    s.write('t.csv', 'half-resolved\n')
    s.ok(['merge', '--abort'])
    assert.deepEqual(snapshot(s), before)
    assert.equal(s.j(['log']).at(0).id, head)
    const st = s.j(['status'])
    assert.equal(st.operation, null)
    assert.deepEqual(st.staged, [])
    assert.deepEqual(st.unstaged.map((e: any) => e.path), ['local.txt'])
    assert.equal(s.bl(['merge', '--abort']).code, 5, 'nothing left to abort')
  })

  it('a switch or checkout of a branch during a stopped merge is refused; forced, it drops the merge', async () => {
    const s = track(await scenario({'t.csv': 'base\n'}, {'t.csv': 'ours\n'}, {'t.csv': 'theirs\n'}))
    expectConflict(s, ['merge', 'theirs'])
    for (const args of [['switch', 'theirs'], ['checkout', 'theirs'], ['switch', '--detach', 'HEAD~1']]) {
      const r = s.bl(withJson(args))
      assert.equal(r.code, 5, `bl ${args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.equal(r.json().error.code, 'OPERATION_IN_PROGRESS')
    }
    const stopped = s.j(['status'])
    assert.equal(stopped.branch, 'main')
    assert.equal(stopped.operation.kind, 'merge')
    s.ok(['switch', '-q', '-f', 'theirs'])
    const st = s.j(['status'])
    assert.deepEqual([st.branch, st.operation, st.clean], ['theirs', null, true])
    assert.equal(text(s, 't.csv'), 'theirs\n')
  })

  it('refuses to merge over local changes to a path the merge changes, touching nothing', async () => {
    const s = track(await scenario({'t.csv': 'base\n', 'u.txt': 'u\n'}, {'u.txt': 'u-ours\n'}, {'t.csv': 'theirs\n'}))
    s.write('t.csv', 'my local edit\n')
    const before = snapshot(s)
    const head = await ops(s).rev()
    const r = s.bl(withJson(['merge', 'theirs']))
    assert.equal(r.code, 5)
    assert.equal(r.json().error.code, 'LOCAL_CHANGES')
    assert.deepEqual(r.json().error.data.paths, ['t.csv'])
    // merge has no --force (and bl no stash): the hint names what exists.
    assert.doesNotMatch(r.json().error.hint, /force|stash/)
    assert.match(r.json().error.hint, /bl restore/)
    assert.deepEqual(snapshot(s), before)
    assert.equal(s.j(['log']).at(0).id, head)
    assert.equal(s.j(['status']).operation, null)
  })

  it('never deletes an untracked directory (merge) or a newly staged file (switch) standing where a file or directory goes', async () => {
    const s = track(await scenario({'a.txt': 'a\n'}, {'a.txt': 'a-ours\n'}, {'out': 'their file\n', 'cfg/x': 'their x\n'}))
    s.write('out/keep.txt', 'my untracked work\n')
    const head = await ops(s).rev()
    const r = s.bl(withJson(['merge', 'theirs']))
    assert.equal(r.code, 5, r.stdout + r.stderr)
    assert.equal(r.json().error.code, 'LOCAL_CHANGES')
    assert.ok(r.json().error.data.paths.includes('out'))
    assert.equal(text(s, 'out/keep.txt'), 'my untracked work\n')
    assert.equal(s.j(['log']).at(0).id, head)
    fs.rmSync(s.p('out'), {recursive: true})
    s.write('cfg', 'newly staged\n')
    await setup(s).add('cfg')
    // switch carries staged changes along, so it reaches the work-tree check itself
    const r2 = s.bl(withJson(['switch', 'theirs']))
    assert.equal(r2.code, 5, r2.stdout + r2.stderr)
    assert.ok(r2.json().error.data.paths.includes('cfg'))
    assert.equal(text(s, 'cfg'), 'newly staged\n')
  })

  it('merges a criss-cross history (two best merge bases) without spurious conflicts', async () => {
    const s = track(await repoWith({'a.txt': 'a0\n', 'b.txt': 'b0\n'}, 'root'))
    await setup(s).branch('x')
    s.write('a.txt', 'a1\n')
    await setup(s).commit('main a1', {all: true})
    await setup(s).switch('x')
    s.write('b.txt', 'b1\n')
    await setup(s).commit('x b1', {all: true})
    // criss-cross: each side merges the other's tip
    await ops(s).merge('main', 'x merges main')
    await setup(s).switch('main')
    await ops(s).merge('x~1', 'main merges x~1')
    // both sides go on
    s.write('c.txt', 'c-main\n')
    await setup(s).add('c.txt')
    await setup(s).commit('main c')
    await setup(s).switch('x')
    s.write('a.txt', 'a2 on x\n')
    await setup(s).commit('x a2', {all: true})
    await setup(s).switch('main')
    const bases = s.ok(['merge-base', '--all', 'main', 'x']).stdout.trim().split('\n')
    assert.equal(bases.length, 2, 'a criss-cross history has two best merge bases')
    const res = s.j(['merge', 'x'])
    assert.equal(res.status, 'merged')
    assert.deepEqual([text(s, 'a.txt'), text(s, 'b.txt'), text(s, 'c.txt')], ['a2 on x\n', 'b1\n', 'c-main\n'])
  })
})

describe('revert, cherry-pick and rebase', () => {
  it('revert makes an undo commit; --no-commit only stages it; a conflicting revert stops and continues', async () => {
    const s = track(await repoWith({'a.txt': 'a1\n', 'b.txt': 'b1\n'}, 'c1'))
    s.write('a.txt', 'a2\n')
    const c2 = await setup(s).commit('c2', {all: true})
    const r = s.j(['revert', 'HEAD'])
    assert.equal(r.done.length, 1)
    assert.equal(text(s, 'a.txt'), 'a1\n')
    assert.match(s.j(['show', 'HEAD']).commit.message, /^Revert "c2"\n\nThis reverts commit [0-9a-f]{64}\.\n$/)

    s.write('b.txt', 'b2\n')
    const c4 = await setup(s).commit('c4', {all: true})
    const nc = s.j(['revert', '--no-commit', c4])
    assert.equal(nc.staged, true)
    assert.equal(s.j(['log']).at(0).id, c4, 'nothing committed')
    assert.deepEqual(s.j(['status']).staged.map((e: any) => [e.status, e.path]), [['M', 'b.txt']])
    await ops(s).commitMsg('manual revert of c4')

    s.write('a.txt', 'a3 conflicting\n')
    await setup(s).commit('c6', {all: true})
    const conflicts = expectConflict(s, ['revert', c2])
    assert.deepEqual(conflicts.map((c: any) => c.path), ['a.txt'])
    s.write('a.txt', 'a settled\n')
    await setup(s).add('a.txt')
    const done = s.j(['revert', '--continue'])
    assert.equal(done.done.length, 1)
    assert.equal(s.ok(['show', 'HEAD:a.txt']).stdout, 'a settled\n')
  })

  it('cherry-pick copies commits with author and message; conflicts stop, --abort returns, --continue finishes', async () => {
    const s = track(await repoWith({'a.txt': 'a\n', 'b.txt': 'b\n'}, 'base'))
    await setup(s).switchNew('topic')
    s.write('n1.txt', 'n1\n')
    await setup(s).add('n1.txt')
    await setup(s, {env: {BL_AUTHOR_NAME: 'Topic Author'}}).commit('add n1')
    s.write('a.txt', 'a-topic\n')
    await setup(s).commit('edit a', {all: true})
    await setup(s).switch('main')
    s.write('a.txt', 'a-main\n')
    const head = await setup(s).commit('main edits a', {all: true})

    const one = s.j(['cherry-pick', 'topic~1'])
    assert.equal(one.done.length, 1)
    const picked = s.j(['show', 'HEAD']).commit
    assert.equal(picked.message, 'add n1\n')
    assert.equal(picked.author.name, 'Topic Author')
    assert.deepEqual(picked.parents, [head])
    assert.equal(text(s, 'n1.txt'), 'n1\n')

    const before = snapshot(s)
    const afterPick = await ops(s).rev()
    expectConflict(s, ['cherry-pick', 'topic'])
    assert.equal(s.j(['status']).operation.kind, 'cherry-pick')
    s.ok(['cherry-pick', '--abort'])
    assert.deepEqual(snapshot(s), before)
    assert.equal(s.j(['log']).at(0).id, afterPick)

    expectConflict(s, ['cherry-pick', 'topic'])
    await ops(s).checkoutSide('theirs', 'a.txt')
    const fin = s.j(['cherry-pick', '--continue'])
    assert.equal(fin.done.length, 1)
    assert.equal(s.ok(['show', 'HEAD:a.txt']).stdout, 'a-topic\n')
    assert.equal(s.j(['show', 'HEAD']).commit.message, 'edit a\n')
  })

  it('cherry-pick --skip drops the stopped commit and picks the rest (Git\'s)', async () => {
    const s = track(await repoWith({'a.txt': 'a\n'}, 'base'))
    await setup(s).switchNew('topic')
    s.write('a.txt', 'a-topic\n')
    await setup(s).commit('edit a', {all: true})
    s.write('n2.txt', 'n2\n')
    await setup(s).add('n2.txt')
    await setup(s).commit('add n2')
    await setup(s).switch('main')
    s.write('a.txt', 'a-main\n')
    await setup(s).commit('main edits a', {all: true})
    const stop = s.bl(withJson(['cherry-pick', 'main..topic']))
    assert.equal(stop.code, 3)
    assert.deepEqual(stop.json().error.data.conflicts.map((c: any) => c.path), ['a.txt'])
    assert.match(stop.json().error.hint, /bl cherry-pick --skip/, 'the stop names --skip')
    const skip = s.j(['cherry-pick', '--skip'])
    assert.deepEqual([skip.skipped.length, skip.done.length], [1, 1])
    assert.deepEqual(s.j(['log']).map((e: any) => e.message), ['add n2\n', 'main edits a\n', 'base\n'])
    assert.equal(text(s, 'a.txt'), 'a-main\n')
    const st = s.j(['status'])
    assert.equal(st.clean, true)
    assert.equal(st.operation, null)
  })

  it('revert -m 1 undoes what a merge brought in; cherry-pick -m 1 applies it elsewhere; a merge without -m is refused', async () => {
    const s = track(await repoWith({'a.txt': 'a\n'}, 'base'))
    const o = ops(s)
    await setup(s).switchNew('feature')
    await commitFiles(s, {'f.txt': 'f\n', 'a.txt': 'a feature\n'}, 'feature drop')
    await setup(s).switchNew('other', 'main')
    await setup(s).switch('main')
    const mainTip = await commitFiles(s, {'m.txt': 'm\n'}, 'main work')
    await o.merge('feature', 'merge feature')
    const merged = await o.rev()

    const e = refused(s, ['revert', merged], 2, 'INVALID_ARGUMENT')
    assert.match(e.message, /is a merge commit but no -m option was given/)
    assert.match(e.hint, /-m 1/)
    assert.match(refused(s, ['revert', '-m', '3', merged], 2, 'INVALID_ARGUMENT').message, /does not have parent 3/)
    const rv = s.j(['revert', '-m', '1', merged])
    assert.equal(rv.done.length, 1)
    assert.equal(fs.existsSync(path.join(s.dir, 'f.txt')), false)
    assert.equal(text(s, 'a.txt'), 'a\n')
    assert.equal(text(s, 'm.txt'), 'm\n', 'the mainline side stays')
    assert.equal(s.j(['log', '-n', '1'])[0].message, `Revert "merge feature"\n\nThis reverts commit ${merged}, reversing\nchanges made to ${mainTip}.\n`)

    // On a branch without the feature, -m 1 picks what the merge brought into main: the feature.
    await setup(s).switch('other')
    const cp = s.j(['cherry-pick', '-m', '1', merged])
    assert.equal(cp.done.length, 1)
    assert.equal(text(s, 'f.txt'), 'f\n')
    assert.equal(text(s, 'a.txt'), 'a feature\n')
    assert.equal(fs.existsSync(path.join(s.dir, 'm.txt')), false)
    // -m 2: relative to the feature side, the merge brought main's work.
    assert.equal(s.j(['cherry-pick', '-m', '2', merged]).done.length, 1)
    assert.equal(text(s, 'm.txt'), 'm\n')
    assert.match(refused(s, ['cherry-pick', '-m', '2', mainTip], 2, 'INVALID_ARGUMENT').message, /is not a merge/)
  })

  it('rebase replays a branch; with conflicts it stops, and --continue, --skip and --abort work', async () => {
    const build = async (): Promise<Sandbox> => {
      const s = track(await repoWith({'x.txt': 'x\n', 'y.txt': 'y\n'}, 'base'))
      await setup(s).switchNew('topic')
      s.write('t1.txt', 't1\n')
      await setup(s).add('t1.txt')
      await setup(s).commit('t1')
      s.write('x.txt', 'x-topic\n')
      await setup(s).commit('t2 edits x', {all: true})
      s.write('t3.txt', 't3\n')
      await setup(s).add('t3.txt')
      await setup(s).commit('t3')
      await setup(s).switch('main')
      s.write('x.txt', 'x-main\n')
      await setup(s).commit('main edits x', {all: true})
      await setup(s).switch('topic')
      return s
    }
    // clean: upstream without the conflicting edit
    const clean = track(await repoWith({'x.txt': 'x\n'}, 'base'))
    await setup(clean).switchNew('topic')
    clean.write('t.txt', 't\n')
    await setup(clean).add('t.txt')
    await setup(clean).commit('topic work')
    await setup(clean).switch('main')
    clean.write('m.txt', 'm\n')
    await setup(clean).add('m.txt')
    const mainTip = await setup(clean).commit('main work')
    await setup(clean).switch('topic')
    const rb = clean.j(['rebase', 'main'])
    assert.equal(rb.done.length, 1)
    const log = clean.j(['log'])
    assert.deepEqual(log.map((e: any) => e.message), ['topic work\n', 'main work\n', 'base\n'])
    assert.equal(log[1].id, mainTip)
    assert.equal(clean.j(['status']).branch, 'topic')

    const s1 = await build()
    const origTopic = await ops(s1).rev()
    const before = snapshot(s1)
    expectConflict(s1, ['rebase', 'main'])
    s1.ok(['rebase', '--abort'])
    assert.equal(s1.j(['log']).at(0).id, origTopic)
    assert.equal(s1.j(['status']).branch, 'topic')
    assert.deepEqual(snapshot(s1), before)

    expectConflict(s1, ['rebase', 'main'])
    s1.write('x.txt', 'x-both\n')
    await setup(s1).add('x.txt')
    const cont = s1.j(['rebase', '--continue'])
    assert.equal(cont.done.length, 2, 'the resolved commit and t3')
    assert.deepEqual(s1.j(['log']).map((e: any) => e.message), ['t3\n', 't2 edits x\n', 't1\n', 'main edits x\n', 'base\n'])
    assert.equal(text(s1, 'x.txt'), 'x-both\n')

    const s2 = await build()
    expectConflict(s2, ['rebase', 'main'])
    const skip = s2.j(['rebase', '--skip'])
    assert.equal(skip.skipped.length, 1)
    assert.deepEqual(s2.j(['log']).map((e: any) => e.message), ['t3\n', 't1\n', 'main edits x\n', 'base\n'])
    assert.equal(text(s2, 'x.txt'), 'x-main\n')
    assert.equal(s2.j(['status']).clean, true)
  })
})

describe('rebase --onto and the default upstream', () => {
  it('rebase --onto <newbase> <upstream> replays only the commits after <upstream>; without <upstream> it needs one', async () => {
    // main: base -> m; topic-base: base -> b; topic: b -> t1 -> t2. Moving topic onto main without b.
    const s = track(await repoWith({'x.txt': 'x\n'}, 'base'))
    const o = ops(s)
    await setup(s).switchNew('topic-base')
    await commitFiles(s, {'b.txt': 'b\n'}, 'b')
    await setup(s).switchNew('topic')
    await commitFiles(s, {'t1.txt': 't1\n'}, 't1')
    await commitFiles(s, {'t2.txt': 't2\n'}, 't2')
    await setup(s).switch('main')
    const m = await commitFiles(s, {'m.txt': 'm\n'}, 'm')
    await setup(s).switch('topic')
    const rb = s.j(['rebase', '--onto', 'main', 'topic-base'])
    assert.equal(rb.done.length, 2)
    assert.deepEqual(s.j(['log']).map((e: any) => e.message), ['t2\n', 't1\n', 'm\n', 'base\n'])
    assert.equal(await o.rev('HEAD~2'), m)
    assert.equal(fs.existsSync(path.join(s.dir, 'b.txt')), false, 'the commit of topic-base is not replayed')
    assert.equal(text(s, 't2.txt'), 't2\n')
    assert.equal(s.j(['status']).branch, 'topic')
    // Again: already there.
    assert.equal(s.j(['rebase', '--onto', 'main', 'main']).status, 'up-to-date')

    // No <upstream> and none configured: a usage error that says how to name one; detached too.
    const e = refused(s, ['rebase'], 2, 'INVALID_ARGUMENT')
    assert.match(e.message, /no tracking information for branch 'topic'/)
    assert.match(e.hint, /bl branch -u/)
    await o.switchDetach('HEAD')
    assert.match(refused(s, ['rebase'], 2, 'INVALID_ARGUMENT').message, /detached/)
    assert.equal(s.bl(['merge-base', '--fork-point', 'nosuch']).code, 4, 'an unknown ref is an unknown revision')
  })

  it('a commit that already sits where it would be replayed is kept as it is (Git reuses it): same id', async () => {
    // main: base - m1 - m2; topic: base - m1 - t1. Onto m1 from base: m1 is dropped, t1 reused.
    const s = track(await repoWith({'x.txt': 'x\n'}, 'base'))
    const m1 = await commitFiles(s, {'m1.txt': '1\n'}, 'm1')
    await setup(s).switchNew('topic')
    const t1 = await commitFiles(s, {'t1.txt': 't\n'}, 't1')
    await setup(s).switch('main')
    await commitFiles(s, {'m2.txt': '2\n'}, 'm2')
    await setup(s).switch('topic')
    const rb = s.j(['rebase', '--onto', 'main~1', 'main~2'])
    assert.deepEqual(rb.done, [{from: t1, to: t1, automerged: []}])
    assert.equal(await ops(s).rev('topic'), t1)
    assert.equal(await ops(s).rev('topic~1'), m1)
    assert.equal(s.j(['status']).branch, 'topic')
  })

  it('rebase --exec runs a check after each replayed commit; a failure stops there, the fix is committed, --continue goes on', async () => {
    const s = track(await repoWith({'x.txt': 'x\n'}, 'base'))
    await setup(s).switchNew('topic')
    await commitFiles(s, {'t1.txt': '1\n'}, 't1')
    await commitFiles(s, {'t2.txt': '2\n', 'bad.txt': 'bad\n'}, 't2 (with a bad file)')
    await commitFiles(s, {'t3.txt': '3\n'}, 't3')
    await setup(s).switch('main')
    await commitFiles(s, {'m.txt': 'm\n'}, 'm')
    await setup(s).switch('topic')
    const runs = `${s.base}/runs.log`
    const r = s.bl(withJson(['rebase', '-x', `echo run >> '${runs}'`, '--exec', 'test ! -e bad.txt', 'main']))
    assert.equal(r.code, 1, r.stdout + r.stderr)
    assert.equal(r.json().error.code, 'EXEC_FAILED')
    assert.equal(r.json().error.data.command, 'test ! -e bad.txt')
    assert.deepEqual(s.j(['log']).map((e: any) => e.message), ['t2 (with a bad file)\n', 't1\n', 'm\n', 'base\n'], 'stopped right after t2, t2 made')
    assert.equal(r.json().error.data.commit, await ops(s).rev())
    assert.match(s.j(['status']).operation.label, /`test ! -e bad.txt` failed after/)
    // The fix is a commit of its own, made while the rebase is stopped.
    await ops(s).rm(['bad.txt'])
    const fix = s.bl(['commit', '-q', '-m', 'drop the bad file'])
    assert.equal(fix.code, 0, fix.stderr)
    const cont = s.j(['rebase', '--continue'])
    assert.equal(cont.done.length, 1, 't3')
    assert.deepEqual(s.j(['log']).map((e: any) => e.message), ['t3\n', 'drop the bad file\n', 't2 (with a bad file)\n', 't1\n', 'm\n', 'base\n'])
    assert.equal(s.j(['status']).branch, 'topic')
    assert.equal(fs.readFileSync(runs, 'utf8'), 'run\nrun\nrun\n', 'once after each of t1, t2 and t3; the failed check is not run again')

    // --skip at such a stop skips nothing (t2 is made): the rest is replayed, checked again.
    const s2 = track(await repoWith({'x.txt': 'x\n'}, 'base'))
    await setup(s2).switchNew('topic')
    await commitFiles(s2, {'bad.txt': 'bad\n'}, 'bad')
    await commitFiles(s2, {'t.txt': 't\n'}, 'then t')
    await setup(s2).switch('main')
    await commitFiles(s2, {'m.txt': 'm\n'}, 'm')
    await setup(s2).switch('topic')
    assert.equal(s2.bl(['rebase', '-x', 'test ! -e t.txt', 'main']).code, 1)
    const skip = s2.j(['rebase', '--skip'])
    assert.deepEqual(skip.skipped, [])
    assert.deepEqual(s2.j(['log']).map((e: any) => e.message), ['then t\n', 'bad\n', 'm\n', 'base\n'])
    // An up-to-date branch is still gone through with --exec: each commit checked, none rewritten.
    const tip = await ops(s2).rev()
    const runs2 = `${s2.base}/runs2.log`
    const again = s2.j(['rebase', '-x', `echo run >> '${runs2}'`, 'HEAD~2'])
    assert.equal(again.head, tip)
    assert.equal(fs.readFileSync(runs2, 'utf8'), 'run\nrun\n')
  })
})

describe('--autostash', () => {
  it('rebase --autostash sets local changes aside and brings them back, also after a stop (--continue, --abort)', async () => {
    // topic edits x.txt and adds t.txt; main edits x.txt too (stop) or adds m.txt only (clean).
    const build = async (conflicting: boolean): Promise<Sandbox> => {
      const s = track(await repoWith({'x.txt': 'x\n', 'y.txt': 'y\n'}, 'base'))
      await setup(s).switchNew('topic')
      await commitFiles(s, conflicting ? {'x.txt': 'x topic\n'} : {'t.txt': 't\n'}, 'topic work')
      await setup(s).switch('main')
      await commitFiles(s, conflicting ? {'x.txt': 'x main\n'} : {'m.txt': 'm\n'}, 'main work')
      await setup(s).switch('topic')
      s.write('y.txt', 'local\n')
      return s
    }
    const clean = await build(false)
    refused(clean, ['rebase', 'main'], 5, 'LOCAL_CHANGES')
    const rb = clean.j(['rebase', '--autostash', 'main'])
    assert.equal(rb.done.length, 1)
    assert.equal(rb.autostash.status, 'applied')
    assert.equal(text(clean, 'y.txt'), 'local\n')
    assert.equal(text(clean, 'm.txt'), 'm\n')
    assert.deepEqual(clean.j(['stash', 'list']), [], 'the autostash is dropped once applied')

    const s = await build(true)
    const stop = s.bl(withJson(['rebase', '--autostash', 'main']))
    assert.equal(stop.code, 3, stop.stdout + stop.stderr)
    assert.match(stop.json().error.hint, /autostash/)
    assert.equal(text(s, 'y.txt'), 'y\n', 'set aside while the rebase is stopped')
    const aborted = s.j(['rebase', '--abort'])
    assert.equal(aborted.autostash.status, 'applied')
    assert.equal(text(s, 'y.txt'), 'local\n')
    assert.equal(text(s, 'x.txt'), 'x topic\n')

    expectConflict(s, ['rebase', '--autostash', 'main'])
    s.write('x.txt', 'x both\n')
    await setup(s).add('x.txt')
    const cont = s.bl(['rebase', '--continue'])
    assert.equal(cont.code, 0, cont.stdout + cont.stderr)
    assert.match(cont.stdout, /Applied autostash\./)
    assert.equal(text(s, 'y.txt'), 'local\n')
    assert.deepEqual(s.j(['log']).map((e: any) => e.message), ['topic work\n', 'main work\n', 'base\n'])
  })

  it('an autostash never overwrites an untracked file standing where a staged deletion was; a fast-forward rebase refuses staged changes', async () => {
    const s = track(await repoWith({'c.txt': 'c\n', 'd.txt': 'd\n'}, 'base'))
    await setup(s).switchNew('feat')
    await commitFiles(s, {'n.txt': 'n\n'}, 'feat')
    await setup(s).switch('main')
    await ops(s).rm(['c.txt'], {cached: true})
    s.write('c.txt', 'precious\n')
    s.write('d.txt', 'local\n')
    for (const args of [['merge', '--autostash', 'feat'], ['stash']]) {
      const e = refused(s, args, 5, 'LOCAL_CHANGES')
      assert.deepEqual(e.data.paths, ['c.txt'], args.join(' '))
      assert.equal(text(s, 'c.txt'), 'precious\n')
      assert.equal(text(s, 'd.txt'), 'local\n')
    }
    assert.deepEqual(s.j(['stash', 'list']), [])
    // Staged, not unstaged: a rebase that would only fast-forward refuses it (Git's "index contains uncommitted changes").
    await ops(s).reset('hard')
    s.write('d.txt', 'staged\n')
    await setup(s).add('d.txt')
    assert.match(refused(s, ['rebase', 'feat'], 5, 'LOCAL_CHANGES').message, /staged changes/)
  })

  it('merge.autoStash: local edits merge with the incoming ones; edits that no longer apply stay on the stash list, with a warning', async () => {
    const s = track(await repoWith({'x.txt': 'a\nb\nc\nd\ne\n', 'y.txt': 'y\n'}, 'base'))
    await setup(s).switchNew('theirs')
    await commitFiles(s, {'x.txt': 'A\nb\nc\nd\ne\n'}, 'theirs edits the first line')
    await setup(s).switch('main')
    await ops(s).config('merge.autoStash', 'true')
    s.write('x.txt', 'a\nb\nc\nd\nE\n')
    const m = s.j(['merge', 'theirs'])
    assert.equal(m.status, 'fast-forward')
    assert.equal(m.autostash.status, 'applied')
    assert.equal(text(s, 'x.txt'), 'A\nb\nc\nd\nE\n', 'the local edit of the last line is back on top of theirs')

    await setup(s).switch('theirs')
    await commitFiles(s, {'y.txt': 'y theirs\n'}, 'theirs edits y')
    await setup(s).switch('main')
    s.write('y.txt', 'y local\n')
    const r = s.bl(['merge', '--no-ff', '-m', 'join', 'theirs'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stderr, /your changes are safe in stash@\{0\}/)
    assert.equal(text(s, 'y.txt'), 'y theirs\n')
    const kept = s.j(['stash', 'list'])
    assert.equal(kept.length, 1)
    assert.equal(s.bl(['show', `${kept[0].commit}:y.txt`]).stdout, 'y local\n')
    // --squash takes no autostash (its result stays staged for a commit of the user's).
    assert.equal(refused(s, ['merge', '--squash', '--autostash', 'theirs'], 2, 'INVALID_ARGUMENT').code, 'INVALID_ARGUMENT')
    // --no-autostash wins over the setting: the local change refuses the merge, as without it.
    await setup(s).switch('theirs')
    await commitFiles(s, {'x.txt': 'A\nB\nc\nd\ne\n'}, 'theirs edits x again')
    await setup(s).switch('main')
    s.write('x.txt', 'local\n')
    refused(s, ['merge', '--no-autostash', 'theirs'], 5, 'LOCAL_CHANGES')
  })
})

/** Runs a command expected to be refused with `code` (checked in JSON); returns the error. */
function refused(s: Sandbox, args: string[], exit: number, code: string): any {
  const r = s.bl(withJson(args))
  assert.equal(r.code, exit, `bl ${args.join(' ')}: ${r.stdout}${r.stderr}`)
  assert.equal(r.json().error.code, code)
  return r.json().error
}

describe('local work survives refused and stopped operations', () => {

  it('a pick or revert refused by a local change leaves no operation; --abort after a refused later step keeps untracked files', async () => {
    const s = await scenario({'a.txt': 'base\n', 'b.txt': 'base\n'}, {'x.txt': 'x\n'}, {'b.txt': 'theirs\n'})
    s.write('b.txt', 'local edit\n')
    refused(s, ['cherry-pick', 'theirs'], 5, 'LOCAL_CHANGES')
    refused(s, ['cherry-pick', '--abort'], 5, 'NO_OPERATION')
    assert.equal(text(s, 'b.txt'), 'local edit\n')
    await ops(s).restore('b.txt')
    s.write('a.txt', 'v2\n')
    await setup(s).commit('a v2', {all: true})
    s.write('a.txt', 'local edit\n')
    refused(s, ['revert', 'HEAD'], 5, 'LOCAL_CHANGES')
    refused(s, ['revert', '--abort'], 5, 'NO_OPERATION')
    assert.equal(text(s, 'a.txt'), 'local edit\n')
    await ops(s).restore('a.txt')
    // A range: the first step is committed, the second is refused by an untracked file it would write.
    await setup(s).switch('theirs')
    s.write('u.txt', 'u\n')
    await setup(s).add('u.txt')
    await setup(s).commit('add u')
    s.write('v.txt', 'v\n')
    await setup(s).add('v.txt')
    await setup(s).commit('add v')
    await setup(s).switch('main')
    s.write('v.txt', 'precious\n')
    const e = refused(s, ['cherry-pick', 'theirs~2..theirs'], 5, 'LOCAL_CHANGES')
    assert.match(e.message, /untracked v\.txt/)
    assert.match(e.hint, /cherry-pick --abort/)
    s.ok(['cherry-pick', '--abort'])
    assert.equal(text(s, 'v.txt'), 'precious\n')
    // A range that selects nothing is refused, as Git's "empty commit set passed".
    refused(s, ['cherry-pick', 'theirs..theirs~1'], 2, 'INVALID_ARGUMENT')
  })

  it('merge refuses up front when a path that will conflict has local changes, or an untracked file stands where a rename goes', async () => {
    const s = await scenario({'a.txt': 'base\n'}, {'a.txt': 'ours\n'}, {'a.txt': 'theirs\n'})
    s.write('a.txt', 'dirty\n')
    refused(s, ['merge', 'theirs'], 5, 'LOCAL_CHANGES')
    assert.equal(text(s, 'a.txt'), 'dirty\n')
    assert.equal(s.j(['status']).operation ?? null, null)
    const r = await scenario({'a.txt': 'base\n'}, {'b.txt': {from: 'a.txt'}}, {'c.txt': {from: 'a.txt'}})
    r.write('c.txt', 'precious\n')
    refused(r, ['merge', 'theirs'], 5, 'LOCAL_CHANGES')
    assert.equal(text(r, 'c.txt'), 'precious\n')
    // Created during the stop instead: picking a side never overwrites it, and a stray path is refused.
    fs.rmSync(r.p('c.txt'))
    expectConflict(r, ['merge', 'theirs'])
    r.write('c.txt', 'precious\n')
    refused(r, ['checkout', '--theirs', 'b.txt'], 5, 'LOCAL_CHANGES')
    refused(r, ['checkout', '--ours', 'b.txt', 'nosuch'], 4, 'PATHSPEC_NO_MATCH')
    assert.equal(text(r, 'c.txt'), 'precious\n')
    r.ok(['merge', '--abort'])
    assert.equal(text(r, 'c.txt'), 'precious\n')
    // checkout <rev> -- <path> of a conflicted path resolves it, as in Git.
    const q = await scenario({'a.txt': 'base\n'}, {'a.txt': 'ours\n'}, {'a.txt': 'theirs\n'})
    expectConflict(q, ['merge', 'theirs'])
    q.ok(['checkout', 'theirs', '--', 'a.txt'])
    assert.deepEqual(q.j(['status']).conflicts, [])
    q.ok(['merge', '--continue'])
    assert.equal(text(q, 'a.txt'), 'theirs\n')
  })

  it('checkout --theirs of a file over a directory keeps untracked files and edits in it; the rebased branch cannot be deleted mid-rebase', async () => {
    const s = await scenario({'a.txt': 'base\n'}, {'p/x.txt': 'in\n'}, {'p': 'file\n'})
    expectConflict(s, ['merge', 'theirs'])
    s.write('p/u.txt', 'precious\n')
    s.write('p/x.txt', 'modified\n')
    const e = refused(s, ['checkout', '--theirs', 'p'], 5, 'LOCAL_CHANGES')
    assert.deepEqual(e.data.paths, ['p/u.txt', 'p/x.txt'])
    assert.equal(text(s, 'p/u.txt'), 'precious\n')
    assert.equal(text(s, 'p/x.txt'), 'modified\n')
    s.ok(['merge', '--abort'])
    const r = await scenario({'a.txt': 'base\n'}, {'a.txt': 'ours\n'}, {'a.txt': 'theirs\n'})
    await setup(r).switch('theirs')
    expectConflict(r, ['rebase', 'main'])
    refused(r, ['branch', '-D', 'theirs'], 5, 'CURRENT_BRANCH')
    refused(r, ['branch', '-f', 'theirs', 'main'], 5, 'CURRENT_BRANCH')
    await ops(r).checkoutSide('theirs', 'a.txt')
    r.ok(['rebase', '--continue'])
    assert.equal(r.j(['status']).branch, 'theirs')
  })
})

describe('aborts and side picks that would lose work made during the stop', () => {

  it('--abort refuses to overwrite an untracked file or an edited file the operation had written; --ours keeps an edited file its side deleted', async () => {
    // rebase: the stop is before the commit that adds n; an untracked n made meanwhile survives.
    const s = await scenario({'a.txt': 'base\n'}, {'a.txt': 'ours\n'}, {'a.txt': 'theirs\n'})
    await setup(s).switch('theirs')
    s.write('n.txt', 'new\n')
    await setup(s).add('n.txt')
    await setup(s).commit('add n')
    expectConflict(s, ['rebase', 'main'])
    s.write('n.txt', 'mine\n')
    assert.deepEqual(refused(s, ['rebase', '--abort'], 5, 'LOCAL_CHANGES').data.paths, ['n.txt'])
    assert.equal(text(s, 'n.txt'), 'mine\n')
    fs.rmSync(s.p('n.txt'))
    s.ok(['rebase', '--abort'])
    assert.equal(text(s, 'n.txt'), 'new\n')
    // cherry-pick: the first step added n (committed), the second stopped; n edited meanwhile.
    const c = await scenario({'a.txt': 'base\n'}, {'a.txt': 'ours\n'}, {'n.txt': 'new\n'})
    await setup(c).switch('theirs')
    c.write('a.txt', 'theirs\n')
    await setup(c).commit('a theirs', {all: true})
    await setup(c).switch('main')
    expectConflict(c, ['cherry-pick', 'main..theirs'])
    c.write('n.txt', 'edited\n')
    refused(c, ['cherry-pick', '--abort'], 5, 'LOCAL_CHANGES')
    assert.equal(text(c, 'n.txt'), 'edited\n')
    await ops(c).restore('n.txt')
    c.ok(['cherry-pick', '--abort'])
    assert.equal(c.exists('n.txt'), false)
    // checkout --ours of a path our side deleted: an edit to the file is not deleted silently.
    const d = await scenario({'x.txt': 'x\n'}, {'x.txt': null}, {'x.txt': 'theirs\n'})
    expectConflict(d, ['merge', 'theirs'])
    d.write('x.txt', 'my edit\n')
    refused(d, ['checkout', '--ours', 'x.txt'], 5, 'LOCAL_CHANGES')
    assert.equal(text(d, 'x.txt'), 'my edit\n')
  })
})

describe('log of a path through merges', () => {
  it('log -- <path> leaves out a merge that took one side\'s version unchanged (Git\'s history simplification)', async () => {
    const s = await scenario({'a.txt': 'base\n'}, {'m.txt': 'main\n'}, {'f.txt': 'feature\n'})
    await mergeOps(s).merge('theirs', {noFf: true, message: 'merge theirs'})
    assert.deepEqual(s.j(['log', '--', 'f.txt']).map((e: any) => e.message), ['theirs\n'])
    // A merge whose result differs from both parents there is listed.
    // (Edits of lines 1 and 3 merge by content, as in Git.)
    const c = await scenario({'a.txt': '1\n2\n3\n'}, {'a.txt': 'one\n2\n3\n'}, {'a.txt': '1\n2\nthree\n'})
    const r = c.bl(withJson(['merge', 'theirs']))
    assert.equal(r.code, 0, r.stderr)
    assert.equal(c.read('a.txt').toString(), 'one\n2\nthree\n')
    assert.equal(c.j(['log', '--', 'a.txt'])[0].parents.length, 2)
  })

  it('log -- <path> does not walk the side whose change a merge discarded (it follows the TREESAME parent)', async () => {
    const s = await scenario({'a.txt': 'base\n'}, {'a.txt': 'main\n'}, {'a.txt': 'theirs\n'})
    assert.equal(s.bl(withJson(['merge', 'theirs'])).code, 3)
    await ops(s).checkoutSide('ours', 'a.txt')
    await setup(s).add('a.txt')
    await ops(s).mergeContinue()
    const messages = (args: string[]): string[] => s.j(args).map((e: any) => e.message.trim())
    // Git lists ours and base: the merge kept main's a.txt, so theirs did not shape it.
    assert.deepEqual(messages(['log', '--', 'a.txt']), ['ours', 'base'])
    // The same in a range and in the graph (which draws the lanes through the kept parent only).
    assert.deepEqual(messages(['log', 'HEAD~1..HEAD', '--', 'a.txt']), [])
    assert.deepEqual(messages(['log', '--graph', '--', 'a.txt']), ['ours', 'base'])
    // Without a path, every commit is listed.
    const all = messages(['log'])
    assert.equal(all.length, 4)
    assert.ok(all.includes('theirs'))
  })
})
