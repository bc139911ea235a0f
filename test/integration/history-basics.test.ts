/**
 * reset, reflog, log ranges and --graph, and merge-base, through the real binary. Histories with
 * merges are built in-process with the core API (commits with chosen parents and times), so the
 * expected graphs and merge bases are exact.
 */
import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import type {Oid} from '../../src/core/hash.ts'
import {commitId, encodeCommit, type Commit} from '../../src/core/objects/commit.ts'
import {loadCommit} from '../../src/core/odb.ts'
import {updateRefs} from '../../src/core/refs/refs.ts'
import {resolveRevision} from '../../src/core/refs/revision.ts'
import {openRepo, type Repo} from '../../src/core/repo.ts'
import {failsWith, initRepo, lines, revId, Sandbox, withJson} from './helpers.ts'
import {repoWithIP} from './inproc.ts'
import {ops} from './inproc-history.ts'

const sandboxes: Sandbox[] = []
function track(s: Sandbox): Sandbox {
  sandboxes.push(s)
  return s
}
after(() => {
  for (const s of sandboxes) s.cleanup()
})

/** Runs `fn` on the sandbox's repository in this process (closed again before any `bl` runs). */
function withRepo<T>(s: Sandbox, fn: (repo: Repo) => T): T {
  const repo = openRepo({cwd: s.dir, env: {}, userConfigDir: s.configDir, now: () => new Date()})
  try {
    return repo.store.transaction(() => fn(repo))
  } finally {
    repo.close()
  }
}

/**
 * Writes commits in-process: each `spec` is [name, parent names, subject]; every commit reuses the
 * tree of `base` and gets the next second after it as committer time. Then points the branches.
 */
function build(s: Sandbox, base: string, specs: Array<[string, string[], string]>, branches: Record<string, string>): Record<string, Oid> {
  return withRepo(s, (repo) => {
    const baseId = resolveRevision(repo, base)
    const ids: Record<string, Oid> = {base: baseId}
    const tree = loadCommit(repo.store, baseId).tree
    let t = 1_800_000_000
    for (const [name, parents, subject] of specs) {
      const who = {name: 'Test', email: 't@example.com', time: ++t, tz: 0}
      const c: Commit = {tree, parents: parents.map((p) => ids[p]!), author: who, committer: who, message: `${subject}\n`, meta: {}}
      ids[name] = commitId(c)
      repo.store.putObject(ids[name]!, 'commit', encodeCommit(c))
    }
    updateRefs(repo, Object.entries(branches).map(([b, name]) => ({ref: `refs/heads/${b}`, to: ids[name]!, message: 'test: build'})))
    return ids
  })
}

const short = (id: string): string => id.slice(0, 12)

describe('reset', () => {
  /** c1 (a1 b1) -> c2 (a2) -> c3 (b2) on main; built in-process. */
  async function three(): Promise<{s: Sandbox; c1: string; c2: string; c3: string}> {
    const s = track(await repoWithIP({'a.txt': 'a1\n', 'b.txt': 'b1\n'}, 'c1'))
    const b = ops(s)
    const c1 = await b.rev('HEAD')
    s.write('a.txt', 'a2\n')
    const c2 = await b.commitA('c2')
    s.write('b.txt', 'b2\n')
    return {s, c1, c2, c3: await b.commitA('c3')}
  }

  it('--soft moves the branch only: the undone change is staged, files untouched', async () => {
    const {s, c2, c3} = await three()
    const r = s.j(['reset', '--soft', 'HEAD~1'])
    assert.deepEqual(r, {head: c2, branch: 'main', mode: 'soft', previous: c3, subject: 'c2'})
    assert.equal(revId(s, 'main'), c2)
    const st = s.j(['status'])
    assert.deepEqual(st.staged, [{path: 'b.txt', status: 'M'}])
    assert.deepEqual(st.unstaged, [])
    assert.equal(s.read('b.txt').toString(), 'b2\n')
  })

  it('--mixed (the default) resets the index and keeps the files, and the stat cache of unchanged entries', async () => {
    const {s, c2, c3} = await three()
    const statOf = (): Record<string, unknown> => withRepo(s, (repo) => Object.fromEntries(repo.store.readIndex().map((e) => [e.path, [e.id, e.mtime, e.ino, e.checked]])))
    const before = statOf()
    const r = s.j(['reset', 'HEAD~1'])
    assert.equal(r.mode, 'mixed')
    assert.equal(r.head, c2)
    assert.equal(r.previous, c3)
    // Read the index before status runs: status may legitimately refresh the check time of a
    // racily-clean entry (its mtime is too close to the index write), which is not reset's doing.
    const now = statOf()
    // a.txt has the same content at c2: its stat data survives, so status need not re-hash it.
    assert.deepEqual(now['a.txt'], before['a.txt'])
    assert.notDeepEqual((now['b.txt'] as unknown[])[0], (before['b.txt'] as unknown[])[0])
    const st = s.j(['status'])
    assert.deepEqual(st.staged, [])
    assert.deepEqual(st.unstaged, [{path: 'b.txt', status: 'M'}])
    assert.equal(s.read('b.txt').toString(), 'b2\n')
  })

  it('--hard resets index and files, then HEAD@{1} and the reflog id bring the commit back', async () => {
    const {s, c1, c3} = await three()
    s.write('a.txt', 'local edit\n')
    s.write('new.txt', 'untracked\n')
    const out = s.ok(['reset', '--hard', 'HEAD~2']).stdout
    assert.equal(out, `HEAD is now at ${short(c1)} c1\n`)
    assert.equal(revId(s, 'HEAD'), c1)
    assert.equal(s.read('a.txt').toString(), 'a1\n')
    assert.equal(s.read('b.txt').toString(), 'b1\n')
    assert.equal(s.read('new.txt').toString(), 'untracked\n', 'untracked files stay, as in Git')
    const st = s.j(['status'])
    assert.deepEqual([st.staged, st.unstaged, st.untracked], [[], [], ['new.txt']])

    // The reflog remembers where HEAD was.
    const log = s.j(['reflog'])
    assert.equal(log[0].index, 0)
    assert.equal(log[0].ref, 'HEAD')
    assert.equal(log[0].new, c1)
    assert.equal(log[0].old, c3)
    assert.equal(log[0].message, 'reset: moving to HEAD~2')
    assert.equal(log[1].new, c3)
    assert.deepEqual(Object.keys(log[0]).sort(), ['email', 'index', 'message', 'name', 'new', 'old', 'ref', 'time', 'tz'])
    assert.equal(lines(s.ok(['reflog', '-n', '1']).stdout)[0], `${short(c1)} HEAD@{0}: reset: moving to HEAD~2`)

    s.ok(['reset', '-q', '--hard', 'HEAD@{1}'])
    assert.equal(revId(s, 'main'), c3)
    assert.equal(s.read('b.txt').toString(), 'b2\n')

    s.ok(['reset', '-q', '--hard', c1])
    const lost = s.j(['reflog', 'main']).find((e: {new: string}) => e.new === c3).new
    s.ok(['reset', '-q', '--hard', lost])
    assert.equal(revId(s, 'HEAD'), c3)
    assert.equal(s.read('a.txt').toString(), 'a2\n')
    assert.equal(s.j(['status']).clean, false, 'only the untracked file is left')
    assert.deepEqual(s.j(['status']).untracked, ['new.txt'])
  })

  it('-- <paths> unstages (or sets entries from a revision) without moving HEAD', async () => {
    const {s, c1, c3} = await three()
    s.write('a.txt', 'a3\n')
    s.write('b.txt', 'b3\n')
    await ops(s).add('a.txt', 'b.txt')
    const r = s.j(['reset', '--', 'a.txt'])
    assert.deepEqual(r.paths, ['a.txt'])
    assert.equal(r.head, c3)
    assert.equal(revId(s, 'HEAD'), c3)
    let st = s.j(['status'])
    assert.deepEqual(st.staged, [{path: 'b.txt', status: 'M'}])
    assert.deepEqual(st.unstaged, [{path: 'a.txt', status: 'M'}])
    assert.equal(s.read('a.txt').toString(), 'a3\n')
    // Without --, a path that is no revision is a path.
    s.ok(['reset', '-q', 'b.txt'])
    assert.deepEqual(s.j(['status']).staged, [])
    // From another commit: the index gets c1's version, HEAD stays.
    s.ok(['reset', '-q', c1, '--', 'a.txt'])
    st = s.j(['status'])
    assert.deepEqual(st.staged, [{path: 'a.txt', status: 'M'}])
    assert.equal(revId(s, 'HEAD'), c3)

    const hard = s.bl(withJson(['reset', '--hard', '--', 'a.txt']))
    assert.equal(hard.code, 2)
    assert.equal(hard.json().error.code, 'INVALID_ARGUMENT')
    const none = s.bl(withJson(['reset', '--', 'nope.txt']))
    assert.equal(none.code, 4)
    assert.equal(none.json().error.code, 'PATHSPEC_NO_MATCH')
  })

  it('-- <glob> sets the entries the glob matches from the revision, never untracks them (Git pathspecs)', async () => {
    const {s, c1} = await three()
    s.write('a.txt', 'a3\n')
    await ops(s).add('a.txt')
    s.ok(['reset', '-q', '--', '*.txt'])
    let st = s.j(['status'])
    assert.deepEqual([st.staged, st.unstaged, st.untracked], [[], [{path: 'a.txt', status: 'M'}], []])
    s.ok(['reset', '-q', c1, '--', '*.txt'])
    st = s.j(['status'])
    assert.deepEqual([st.staged, st.untracked], [[{path: 'a.txt', status: 'M'}, {path: 'b.txt', status: 'M'}], []])
  })

  it('--hard drops a stopped merge; --soft refuses during one', async () => {
    const s = track(await repoWithIP({'t.txt': 'base\n'}, 'base'))
    const b = ops(s)
    await b.branch('x')
    s.write('t.txt', 'ours\n')
    const ours = await b.commitA('ours')
    await b.switch('x')
    s.write('t.txt', 'theirs\n')
    await b.commitA('theirs')
    await b.switch('main')
    assert.equal(s.bl(['merge', '-q', 'x']).code, 3)
    assert.equal(s.j(['status']).operation.kind, 'merge')

    const soft = s.bl(withJson(['reset', '--soft']))
    assert.equal(soft.code, 5)
    assert.equal(soft.json().error.code, 'OPERATION_IN_PROGRESS')
    assert.equal(s.j(['status']).operation.kind, 'merge')

    s.write('t.txt', 'half-resolved\n')
    s.ok(['reset', '-q', '--hard'])
    const st = s.j(['status'])
    assert.equal(st.operation, null)
    assert.equal(st.clean, true)
    assert.equal(s.read('t.txt').toString(), 'ours\n')
    assert.equal(revId(s, 'HEAD'), ours)
  })
})

describe('reflog revisions', () => {
  it('HEAD@{N}, <branch>@{N} and @{N} name earlier values; too far is UNKNOWN_REVISION', async () => {
    const s = track(await repoWithIP({'a.txt': '1\n'}, 'c1'))
    const b = ops(s)
    const c1 = await b.rev('HEAD')
    s.write('a.txt', '2\n')
    const c2 = await b.commitA('c2')
    await b.switchNew('side')
    s.write('a.txt', '3\n')
    const c3 = await b.commitA('c3')
    // HEAD moved: c1 (initial), c2, checkout to side (still c2), c3.
    assert.equal(revId(s, 'HEAD@{0}'), c3)
    assert.equal(revId(s, 'HEAD@{1}'), c2)
    assert.equal(revId(s, 'HEAD@{2}'), c2)
    assert.equal(revId(s, 'HEAD@{3}'), c1)
    assert.equal(revId(s, 'HEAD@{1}~1'), c1)
    // side's own log: created at c2, then c3. @{N} is the current branch's.
    assert.equal(revId(s, 'side@{1}'), c2)
    assert.equal(revId(s, '@{1}'), c2)
    assert.equal(revId(s, 'main@{0}'), c2)
    assert.equal(revId(s, 'main@{1}'), c1)
    const far = s.bl(withJson(['log', 'HEAD@{9}']))
    assert.equal(far.code, 4)
    const err = far.json().error
    assert.equal(err.code, 'UNKNOWN_REVISION')
    assert.match(err.message, /only has 4 entries/)
    assert.ok(err.hint.includes('bl reflog'))
    assert.equal(s.bl(['log', 'nosuch@{0}']).code, 4)
    // `reflog show <ref>` and `reflog <ref>` are the same; the text names the ref as given.
    assert.equal(s.ok(['reflog', 'show', 'side']).stdout, s.ok(['reflog', 'side']).stdout)
    assert.deepEqual(lines(s.ok(['reflog', 'side']).stdout), [`${short(c3)} side@{0}: commit: c3`, `${short(c2)} side@{1}: branch: Created from HEAD`])
    assert.equal(s.j(['reflog', '-n', '2']).length, 2)
    assert.equal(s.bl(withJson(['reflog', 'nosuch'])).json().error.code, 'REF_NOT_FOUND')
  })

  it('@{-N} and `switch -` / `checkout -` / `merge -` name the branch checked out before; ^{commit} peels; branch --show-current', async () => {
    const s = track(await repoWithIP({'a.txt': '1\n'}, 'c1'))
    const b = ops(s)
    const c1 = await b.rev('HEAD')
    const noPrevious = s.bl(withJson(['switch', '-']))
    assert.deepEqual([noPrevious.code, noPrevious.json().error.code], [4, 'UNKNOWN_REVISION'])
    await b.switchNew('side')
    s.write('b.txt', 'side\n')
    await b.add('b.txt')
    const c2 = await b.commit('side work')
    assert.deepEqual(s.j(['branch', '--show-current']), {branch: 'side'})
    assert.equal(revId(s, '@{-1}'), c1, 'main, the branch before side')
    assert.equal(revId(s, `${c2}^{commit}`), c2)
    assert.equal(revId(s, 'HEAD^{}~1'), c1)
    assert.equal(s.ok(['switch', '-']).stdout.trim(), "Switched to branch 'main'")
    assert.deepEqual(s.j(['branch', '--show-current']), {branch: 'main'})
    assert.equal(s.exists('b.txt'), false)
    assert.equal(revId(s, '@{-1}'), c2)
    assert.equal(s.ok(['checkout', '-']).stdout.trim(), "Switched to branch 'side'")
    assert.equal(revId(s, '@{-2}'), c2, 'two checkouts ago: side, before main')
    s.ok(['switch', '-q', 'main'])
    const merged = s.j(['merge', '-'])
    assert.deepEqual([merged.status, merged.commit], ['fast-forward', c2])
    assert.equal(s.read('b.txt').toString(), 'side\n')
    // A detached HEAD before: checkout - goes back to it; switch - wants --detach, as Git's.
    s.ok(['checkout', '-q', c1])
    assert.equal(s.ok(['branch', '--show-current']).stdout, '', 'nothing when detached')
    assert.deepEqual(s.j(['branch', '--show-current']), {branch: null})
    s.ok(['switch', '-q', 'main'])
    const refused = s.bl(withJson(['switch', '-']))
    assert.deepEqual([refused.code, refused.json().error.code], [2, 'INVALID_ARGUMENT'])
    assert.match(refused.json().error.hint, /--detach/)
    assert.equal(s.j(['checkout', '-']).commit, c1)
    assert.deepEqual(s.j(['branch', '--show-current']), {branch: null})
  })

  it('rev-parse prints the ids revisions name: commits, ^{tree}, <rev>:<path> (b3sum\'s id), --short, --abbrev-ref, --verify', async () => {
    const s = track(await repoWithIP({'d/x.csv': 'id\n1\n', 'top.txt': 't\n'}, 'c1'))
    const b = ops(s)
    const c1 = await b.rev('HEAD')
    await b.tag('v1')
    s.write('d/x.csv', 'id\n1\n2\n')
    const c2 = await b.commitA('c2')
    assert.equal(s.ok(['rev-parse', 'HEAD', 'v1', 'HEAD~1']).stdout, `${c2}\n${c1}\n${c1}\n`)
    assert.equal(s.ok(['rev-parse', '--short', 'HEAD']).stdout, `${c2.slice(0, 12)}\n`)
    assert.equal(s.ok(['rev-parse', '--abbrev-ref', 'HEAD', 'v1']).stdout, 'main\nv1\n')
    assert.equal(s.ok(['rev-parse', '--symbolic-full-name', 'HEAD']).stdout, 'refs/heads/main\n')
    const {blake3} = await import('hash-wasm')
    assert.equal(s.ok(['rev-parse', 'v1:d/x.csv']).stdout, `${await blake3(Buffer.from('id\n1\n'))}\n`)
    assert.equal(s.ok(['rev-parse', ':d/x.csv']).stdout, `${await blake3(Buffer.from('id\n1\n2\n'))}\n`)
    const tree = s.j(['rev-parse', 'HEAD^{tree}', 'HEAD:d'])
    assert.deepEqual(tree.revs.map((r: any) => r.kind), ['tree', 'tree'])
    assert.equal(tree.revs[0].id, s.j(['log', '-n', '1']).at(0).tree)
    assert.equal(tree.revs[1].id, s.j(['show', 'HEAD:d']).id)
    assert.deepEqual(s.j(['rev-parse', 'main', '--show-toplevel']), {toplevel: fs.realpathSync(s.dir), revs: [{rev: 'main', kind: 'commit', id: c2, ref: 'refs/heads/main'}]})
    const bad = s.bl(withJson(['rev-parse', '--verify', 'nosuch']))
    assert.deepEqual([bad.code, bad.json().error.code], [4, 'UNKNOWN_REVISION'])
    assert.equal(s.bl(['rev-parse', '--verify', 'HEAD', 'v1']).code, 2)
    assert.equal(s.bl(['rev-parse', 'HEAD:nosuch']).code, 4)
    await b.checkout(c1)
    assert.equal(s.ok(['rev-parse', '--abbrev-ref', 'HEAD']).stdout, 'HEAD\n', 'detached, as Git prints it')
    assert.equal(s.ok(['rev-parse', '--abbrev-ref', 'HEAD~0', 'main']).stdout, 'main\n', 'a commit that is no ref prints nothing, as in Git')
    // A name that is a tag and a branch is the tag (Git's order: refs/tags/ before refs/heads/),
    // and --abbrev-ref keeps the branch apart from it.
    await b.branch('v1', 'main')
    assert.equal(s.ok(['rev-parse', 'v1', 'v1~0', 'heads/v1']).stdout, `${c1}\n${c1}\n${c2}\n`)
    assert.equal(s.ok(['rev-parse', '--abbrev-ref', 'heads/v1', 'tags/v1']).stdout, 'heads/v1\ntags/v1\n')
    // Git keeps no reflog for tags, so v1@{0} reads the branch's log.
    assert.equal(s.ok(['rev-parse', 'v1@{0}']).stdout, `${c2}\n`)
  })
})

describe('log ranges and --graph, merge-base', () => {
  /**
   * base - a1 - a2 - m (main)    m = merge(a2, b2); q = merge(b2, a2) makes a criss-cross:
   *     \- b1 - b2 -/ (side)     cp1 on m (branch cp), cq1 on q (branch cq)
   */
  async function history(): Promise<{s: Sandbox; ids: Record<string, Oid>}> {
    const s = track(await repoWithIP({'a.txt': 'x\n'}, 'base'))
    const ids = build(
      s,
      'HEAD',
      [
        ['a1', ['base'], 'a1'],
        ['b1', ['base'], 'b1'],
        ['a2', ['a1'], 'a2'],
        ['b2', ['b1'], 'b2'],
        ['m', ['a2', 'b2'], 'merge side'],
        ['q', ['b2', 'a2'], 'q'],
        ['cp1', ['m'], 'cp1'],
        ['cq1', ['q'], 'cq1'],
      ],
      {main: 'm', side: 'b2', cp: 'cp1', cq: 'cq1'},
    )
    return {s, ids}
  }

  it('draws the graph of a merge, in --oneline and full form; --json stays the plain list', async () => {
    const {s, ids} = await history()
    const oneline = lines(s.ok(['log', '--graph', '--oneline']).stdout)
    assert.deepEqual(oneline, [
      `*   ${short(ids.m!)} (HEAD -> main) merge side`,
      '|\\',
      `| * ${short(ids.b2!)} (side) b2`,
      `* | ${short(ids.a2!)} a2`,
      `| * ${short(ids.b1!)} b1`,
      `* | ${short(ids.a1!)} a1`,
      '|/',
      `* ${short(ids.base!)} base`,
    ])
    const full = lines(s.ok(['log', '--graph', '-n', '2']).stdout)
    assert.equal(full[0], `*   commit ${ids.m} (HEAD -> main)`)
    assert.equal(full[1], `|\\  Merge: ${short(ids.a2!)} ${short(ids.b2!)}`)
    assert.match(full[2]!, /^\| \| Author: Test <t@example\.com>$/)
    assert.ok(full.includes('| |     merge side'))
    assert.ok(full.includes(`| * commit ${ids.b2} (side)`))
    const json = s.j(['log', '--graph'])
    assert.deepEqual(
      json.map((e: {id: string}) => e.id),
      ['m', 'b2', 'a2', 'b1', 'a1', 'base'].map((n) => ids[n]),
    )
    assert.deepEqual(Object.keys(json[0]).sort(), Object.keys(s.j(['log', '-n', '1'])[0]).sort())
  })

  it('takes a..b, ^a b, several revisions and a...b', async () => {
    const {s, ids} = await history()
    const logIds = (...args: string[]): string[] => s.j(['log', ...args]).map((e: {id: string}) => e.id)
    const names = (...n: string[]): string[] => n.map((x) => ids[x]!)
    assert.deepEqual(logIds('side..main'), names('m', 'a2', 'a1'))
    assert.deepEqual(logIds('main', '^side'), names('m', 'a2', 'a1'))
    assert.deepEqual(logIds('main..side'), [])
    assert.deepEqual(logIds('side..'), names('m', 'a2', 'a1'), 'an empty side is HEAD')
    assert.deepEqual(logIds('cp...cq'), names('cq1', 'cp1', 'q', 'm'))
    assert.deepEqual(logIds(ids.cp1!, ids.cq1!, '^main'), names('cq1', 'cp1', 'q'))
    assert.deepEqual(logIds('-n', '2', 'side..cp'), names('cp1', 'm'))
    assert.deepEqual(logIds('side..main', '--', 'a.txt'), [], 'path-limited: no commit here changes a.txt')
    assert.deepEqual(lines(s.ok(['log', '--oneline', '--graph', 'side..main']).stdout), [`* ${short(ids.m!)} (HEAD -> main) merge side`, `* ${short(ids.a2!)} a2`, `* ${short(ids.a1!)} a1`], 'the excluded parent gets no lane')
    assert.equal(s.bl(['log', 'nosuch..main']).code, 4)
  })

  it('merge-base: the best base, --all on a criss-cross, --is-ancestor, unrelated histories', async () => {
    const {s, ids} = await history()
    assert.equal(s.ok(['merge-base', 'main', 'side']).stdout, `${ids.b2}\n`)
    assert.equal(s.ok(['merge-base', ids.a2!, ids.b1!]).stdout, `${ids.base}\n`)
    // m and q both merge a2 and b2: two best common ancestors, newest first.
    assert.deepEqual(lines(s.ok(['merge-base', '--all', 'cp', 'cq']).stdout), [ids.b2, ids.a2])
    assert.deepEqual(s.j(['merge-base', '--all', 'cp', 'cq']), {bases: [ids.b2, ids.a2]})
    assert.deepEqual(s.j(['merge-base', 'cp', 'cq']), {bases: [ids.b2]})

    const yes = s.bl(['merge-base', '--is-ancestor', 'side', 'main'])
    assert.deepEqual([yes.code, yes.stdout, yes.stderr], [0, '', ''])
    const no = s.bl(['merge-base', '--is-ancestor', 'main', 'side'])
    assert.deepEqual([no.code, no.stdout, no.stderr], [1, '', ''])
    assert.deepEqual(s.j(['merge-base', '--is-ancestor', 'main', 'side']), {ancestor: false})
    assert.deepEqual(s.j(['merge-base', '--is-ancestor', 'main', 'main']), {ancestor: true})

    // A second root: no common ancestor.
    const lonely = withRepo(s, (repo) => {
      const who = {name: 'T', email: 't@example.com', time: 1_900_000_000, tz: 0}
      const c: Commit = {tree: loadCommit(repo.store, ids.base!).tree, parents: [], author: who, committer: who, message: 'lonely\n', meta: {}}
      const id = commitId(c)
      repo.store.putObject(id, 'commit', encodeCommit(c))
      return id
    })
    const none = s.bl(withJson(['merge-base', 'main', lonely]))
    assert.equal(none.code, 5)
    assert.equal(none.json().error.code, 'NO_MERGE_BASE')
  })
})

describe('log filters, per-commit changes and formats', () => {
  /**
   * c1 first import (Ada) - c2 Fix rows (Bob, +0100) - c3 rename b (mv b c) - c5 merge side (main)
   *                                  \- c4 side work (adds s) -------------/
   */
  type History = {s: Sandbox; ids: Record<string, string>; allBeforeMerge: string[]; mainBeforeMerge: string[]}
  let built: Promise<History> | undefined
  // Built once: both tests only read it.
  const history = (): Promise<History> => (built ??= makeHistory())
  /** Built in-process, but for the two logs before the merge (the first test asserts them). */
  async function makeHistory(): Promise<History> {
    const s = track(new Sandbox({BL_AUTHOR_NAME: 'Ada', BL_AUTHOR_EMAIL: 'ada@x.org'}))
    initRepo(s)
    const at = (t: number, tz = '+0000', who: Record<string, string> = {}) => ({env: {BL_AUTHOR_DATE: `${t} ${tz}`, BL_COMMITTER_DATE: `${t} ${tz}`, ...who}})
    const b = ops(s)
    s.write('d/a', '1\n')
    s.write('b', 'x\n')
    await b.addAll()
    await ops(s, at(1_700_000_000)).commitMsg('first import')
    s.write('d/a', '1\n2\n')
    const bob = {BL_AUTHOR_NAME: 'Bob', BL_AUTHOR_EMAIL: 'bob@y.org', BL_COMMITTER_NAME: 'Bob', BL_COMMITTER_EMAIL: 'bob@y.org'}
    await ops(s, at(1_700_100_000, '+0100', bob)).commitMsg('Fix rows', {all: true})
    await b.mv('b', 'c')
    await ops(s, at(1_700_200_000)).commitMsg(['rename b', 'body line'])
    await b.switchNew('side', 'HEAD~1')
    s.write('s', 's\n')
    await b.add('s')
    await ops(s, at(1_700_300_000)).commitMsg('side work')
    await b.switch('main')
    const subjects = (args: string[]): string[] => lines(s.ok(['log', '--format=%s', ...args]).stdout)
    const allBeforeMerge = subjects(['--all'])
    const mainBeforeMerge = subjects([])
    await ops(s, at(1_700_400_000)).merge('side', 'merge side')
    const ids: Record<string, string> = {}
    for (const e of await b.log()) ids[e.message.split('\n')[0]!] = e.id
    return {s, ids, allBeforeMerge, mainBeforeMerge}
  }

  it('--all, --author/--committer/--grep (-i, --all-match, --invert-grep), --since/--until, --first-parent, --reverse, --skip', async () => {
    const {s, allBeforeMerge, mainBeforeMerge} = await history()
    assert.deepEqual(mainBeforeMerge, ['rename b', 'Fix rows', 'first import'])
    assert.deepEqual(allBeforeMerge, ['side work', 'rename b', 'Fix rows', 'first import'])
    const subjects = (...args: string[]): string[] => s.j(['log', ...args]).map((e: any) => e.message.split('\n')[0])
    assert.deepEqual(subjects('--author=BOB'), [])
    assert.deepEqual(subjects('--author=BOB', '-i'), ['Fix rows'])
    assert.deepEqual(subjects('--committer=^Ada', '--grep=side'), ['merge side', 'side work'])
    assert.deepEqual(subjects('--grep=import', '--grep=rows'), ['Fix rows', 'first import'])
    assert.deepEqual(subjects('--grep=e', '--grep=body', '--all-match'), ['rename b'])
    assert.deepEqual(subjects('--grep=side', '--invert-grep'), ['rename b', 'Fix rows', 'first import'])
    assert.deepEqual(subjects('--since', '@1700150000', '--until', '2023-11-18T00:00:00Z'), ['rename b'])
    assert.deepEqual(subjects('--after=2023-11-16T02:00:00Z'), ['merge side', 'side work', 'rename b', 'Fix rows'])
    assert.deepEqual(subjects('--first-parent'), ['merge side', 'rename b', 'Fix rows', 'first import'])
    assert.deepEqual(subjects('--first-parent', 'HEAD~1..HEAD'), ['merge side'])
    assert.deepEqual(subjects('--reverse', '-n', '2'), ['side work', 'merge side'])
    assert.deepEqual(subjects('--skip', '1', '-n', '1'), ['side work'])
    // Piped stdin is never taken for a missing argument (oclif's default): `echo HEAD~1 | bl show`
    // shows HEAD (and `echo x | bl branch` used to create a branch x).
    assert.match(s.ok(['show', '--name-only'], {input: 'HEAD~1\n'}).stdout, /\n {4}merge side\n/)
    failsWith(s, ['log', '--since', 'last blue moon'], 2, 'INVALID_ARGUMENT')
    failsWith(s, ['log', '--grep', '(unclosed'], 2, 'INVALID_ARGUMENT')
  })

  it('--stat, --name-status, --name-only (merges only with --first-parent; limited to the paths); --format placeholders, --pretty layouts', async () => {
    const {s, ids} = await history()
    const changes = (...args: string[]): Array<[string, string[] | undefined]> => s.j(['log', ...args]).map((e: any) => [e.message.split('\n')[0], e.changes?.map((c: any) => `${c.status} ${c.oldPath ? `${c.oldPath}>` : ''}${c.path}`)])
    assert.deepEqual(changes('--name-status', '--first-parent'), [
      ['merge side', ['A s']],
      ['rename b', ['R b>c']],
      ['Fix rows', ['M d/a']],
      ['first import', ['A b', 'A d/a']],
    ])
    assert.deepEqual(changes('--stat', '-n', '1'), [['merge side', undefined]])
    assert.deepEqual(changes('--name-only', '--', 'd'), [
      ['Fix rows', ['M d/a']],
      ['first import', ['A d/a']],
    ])
    assert.equal(s.ok(['log', '--oneline', '--name-only', '-n', '2', 'HEAD^2']).stdout, `${ids['side work']!.slice(0, 12)} (side) side work\ns\n\n${ids['Fix rows']!.slice(0, 12)} Fix rows\nd/a\n`)
    assert.match(s.ok(['log', '--stat', '-n', '1', 'HEAD~1']).stdout, /\n b -> c \| renamed\n 1 path changed, \+0 B\n/)
    const c2 = ids['Fix rows']!
    assert.equal(
      s.ok(['log', '-n', '1', c2, '--format=%H|%h|%p|%an|%ae|%ai|%aI|%as|%at|%s|%d|%x41%%|%(meta:nothing)']).stdout,
      `${c2}|${c2.slice(0, 12)}|${ids['first import']!.slice(0, 12)}|Bob|bob@y.org|2023-11-16 03:00:00 +0100|2023-11-16T03:00:00+01:00|2023-11-16|1700100000|Fix rows||A%|\n`,
    )
    assert.equal(s.ok(['log', '-n', '1', 'HEAD~1', '--pretty=format:[%b]%n%B']).stdout, '[body line\n]\nrename b\n\nbody line\n')
    assert.equal(s.ok(['log', '-n', '2', '--pretty=format:%s']).stdout, 'merge side\nside work')
    const fuller = s.ok(['log', '-n', '1', c2, '--pretty=fuller']).stdout
    assert.match(fuller, /\nAuthorDate: .*\nCommit: {5}Bob <bob@y\.org>\nCommitDate: /)
    assert.equal(s.ok(['log', '-n', '1', c2, '--pretty=oneline']).stdout, `${c2} Fix rows\n`)
    failsWith(s, ['log', '--pretty=nonsense'], 2, 'INVALID_ARGUMENT')
    // show takes the same change lists.
    assert.match(s.ok(['show', '--name-status', 'HEAD~1']).stdout, /\n\nR100\tb\tc\n$/)
    assert.match(s.ok(['show', '--stat', 'HEAD~1']).stdout, /\n b -> c \| renamed\n 1 path changed, \+0 B\n$/)
  })
})

describe('shortlog', () => {
  it('groups commits by author as git shortlog does (-s, -n, -e, -c, a range, a path)', async () => {
    // The same five commits in bl and in Git: authors alternate, Bob commits as himself once.
    const s = track(new Sandbox())
    initRepo(s)
    const git = fs.mkdtempSync(`${s.base}/git-`)
    spawnSync('git', ['init', '-q'], {cwd: git})
    const people = ['alice', 'Bob', 'alice', 'Bob', 'alice']
    // Git's shortlog line: the first paragraph joined, leading blanks and a [PATCH] tag dropped.
    const messages = ['msg 0\n', 'msg 1\nsecond line\n\nbody\n', '   msg 2\n', '[PATCH v2] msg 3\n', 'msg 4\n']
    for (const [i, who] of people.entries()) {
      const t = 1_700_000_000 + i
      const committer = i === 3 ? who : 'C'
      const env = {BL_AUTHOR_NAME: who, BL_AUTHOR_EMAIL: `${who}@x`, BL_COMMITTER_NAME: committer, BL_COMMITTER_EMAIL: `${committer}@x`, BL_AUTHOR_DATE: `${t} +0000`, BL_COMMITTER_DATE: `${t} +0000`}
      const file = i % 2 ? 'labels.csv' : `img/${i}.bin`
      s.write(file, `${i}\n`)
      await ops(s).addAll()
      await ops(s, {env}).commitMsg(messages[i]!)
      fs.mkdirSync(`${git}/img`, {recursive: true})
      fs.writeFileSync(`${git}/${file}`, `${i}\n`)
      const genv = {...process.env, GIT_AUTHOR_NAME: who, GIT_AUTHOR_EMAIL: `${who}@x`, GIT_COMMITTER_NAME: committer, GIT_COMMITTER_EMAIL: `${committer}@x`, GIT_AUTHOR_DATE: `@${t} +0000`, GIT_COMMITTER_DATE: `@${t} +0000`}
      spawnSync('git', ['add', '-A'], {cwd: git})
      spawnSync('git', ['commit', '-q', '--cleanup=verbatim', '-m', messages[i]!], {cwd: git, env: genv})
    }
    for (const args of [[], ['-sn'], ['-se'], ['-c', '-s'], ['-s', 'HEAD~2..HEAD'], ['-n', '--', 'labels.csv']]) {
      const want = spawnSync('git', ['shortlog', ...(args.some((a) => a.includes('..')) ? [] : ['HEAD']), ...args], {cwd: git, encoding: 'utf8'})
      assert.equal(want.status, 0, want.stderr)
      assert.equal(s.ok(['shortlog', ...args]).stdout, want.stdout, `bl shortlog ${args.join(' ')}`)
    }
    assert.deepEqual(s.j(['shortlog', '-n']).map((g: any) => [g.who, g.count, g.subjects]), [['alice', 3, ['msg 0', 'msg 2', 'msg 4']], ['Bob', 2, ['msg 1 second line', 'msg 3']]])
  })
})

describe('renames by similarity', () => {
  it('a moved directory whose files were all edited pairs each with its namesake; names shared by several files pair by content', async () => {
    const table = (n: number): string => Array.from({length: 60}, (_, i) => `${n * 1000 + i},value ${i}\n`).join('')
    const files: Record<string, string> = {}
    for (const n of [1, 2, 3]) files[`a/t${n}.csv`] = table(n)
    files['p/x.csv'] = table(7)
    files['q/x.csv'] = table(8)
    // Git's basename step: m/k.csv keeps 80% in n/k.csv, past its 75% bar, so it pairs although
    // m/j.csv holds 96% of n/k.csv (the whole matrix alone would pick m/j.csv).
    const extra = (n: number): string => Array.from({length: n}, (_, i) => `${9000 + i},extra ${i}\n`).join('')
    files['m/k.csv'] = table(5)
    files['m/j.csv'] = table(5) + extra(12)
    const s = await repoWithIP(files)
    try {
      fs.rmSync(s.p('a'), {recursive: true})
      fs.rmSync(s.p('p'), {recursive: true})
      fs.rmSync(s.p('q'), {recursive: true})
      for (const n of [1, 2, 3]) s.write(`b/t${n}.csv`, `${table(n)}new,row\n`)
      // Both old x.csv are gone and both new ones share the name: content decides, crosswise here.
      s.write('r/x.csv', `${table(8)}more\n`)
      s.write('s/x.csv', `${table(7)}more\n`)
      fs.rmSync(s.p('m'), {recursive: true})
      s.write('n/k.csv', table(5) + extra(15))
      await ops(s).addAll()
      const pairs = s.j(['diff', '--cached']).changes.map((c: any) => `${c.status} ${c.oldPath ?? ''} ${c.path}`)
      assert.deepEqual(pairs, ['R a/t1.csv b/t1.csv', 'R a/t2.csv b/t2.csv', 'R a/t3.csv b/t3.csv', 'D  m/j.csv', 'R m/k.csv n/k.csv', 'R q/x.csv r/x.csv', 'R p/x.csv s/x.csv'])
    } finally {
      s.cleanup()
    }
  })
})

describe('grep', () => {
  it('lines of the work tree, the index or revisions: -n -i -c -l -v -w -F -e -I, binary files, paths; exit 1 when nothing matches', async () => {
    const bin = Buffer.concat([Buffer.from('GIF89a\0\0'), Buffer.from('a lion inside\n')])
    const s = await repoWithIP({'data/a.csv': 'id,label\n1,lion\n2,Lion.cub\n3,dandelion\n', 'data/b.txt': 'no cats here\r\nlions: 2\n', 'img.bin': bin, 'sub/c.csv': 'x\n1+1\n'}, 'v1')
    try {
      // The work tree (tracked files only), not yet committed or staged.
      s.write('data/a.csv', 'id,label\n1,lion\n2,Lion.cub\n3,dandelion\n4,sea lion\n')
      s.write('untracked.csv', 'lion\n')
      assert.equal(s.ok(['grep', '-n', 'lion']).stdout, 'data/a.csv:2:1,lion\ndata/a.csv:4:3,dandelion\ndata/a.csv:5:4,sea lion\ndata/b.txt:2:lions: 2\nBinary file img.bin matches\n')
      assert.equal(s.ok(['grep', '-c', '-i', '-w', '-I', 'lion']).stdout, 'data/a.csv:3\n', '-w leaves out dandelion and lions; -I the binary file')
      assert.equal(s.ok(['grep', '-l', '-e', 'cats', '-e', '^2,']).stdout, 'data/a.csv\ndata/b.txt\n')
      assert.equal(s.ok(['grep', '-F', '1+1']).stdout, 'sub/c.csv:1+1\n', '-F: + is a plain character')
      assert.equal(s.ok(['grep', '-v', '-n', 'x', '--', 'sub']).stdout, 'sub/c.csv:2:1+1\n')
      assert.equal(s.ok(['grep', 'cats']).stdout, 'data/b.txt:no cats here\r\n', 'lines are printed as they are, CR included (Git\'s)')
      assert.deepEqual([s.ok(['grep', '-q', 'lion']).stdout, s.bl(['grep', '-q', 'tiger']).code], ['', 1])
      // Committed versions, by revision, and the index.
      assert.equal(s.bl(['grep', 'sea lion', 'HEAD']).code, 1, 'not committed yet')
      await ops(s).add('data/a.csv')
      assert.equal(s.ok(['grep', '--cached', 'sea']).stdout, 'data/a.csv:4,sea lion\n')
      await ops(s).commitMsg('v2')
      assert.equal(s.ok(['grep', '-c', 'lion', 'HEAD~1', 'HEAD', '--', 'data/a.csv']).stdout, 'HEAD~1:data/a.csv:2\nHEAD:data/a.csv:3\n')
      assert.equal(s.ok(['grep', '-n', 'sea', 'a.csv'], {cwd: s.p('data')}).stdout, 'a.csv:5:4,sea lion\n', 'paths from the current directory, as Git prints them')
      assert.deepEqual(s.j(['grep', '-n', 'Lion']), [{rev: null, path: 'data/a.csv', count: 1, binary: false, lines: [{line: 3, text: '2,Lion.cub'}]}])
      // A tracked file replaced by a directory or by a link is not read (a link is never followed).
      fs.rmSync(s.p('sub/c.csv'))
      fs.mkdirSync(s.p('sub/c.csv'))
      fs.rmSync(s.p('data/b.txt'))
      fs.symlinkSync(s.p('data/a.csv'), s.p('data/b.txt'))
      assert.equal(s.ok(['grep', '-l', '.']).stdout, 'data/a.csv\nimg.bin\n')
      // Nothing matches: exit 1 and no output, as git grep; --json: exit 0 and [].
      const none = s.bl(['grep', 'tiger'])
      assert.deepEqual([none.code, none.stdout, none.stderr], [1, '', ''])
      assert.deepEqual(s.j(['grep', 'tiger']), [])
      failsWith(s, ['grep', '('], 2, 'INVALID_ARGUMENT')
      failsWith(s, ['grep', 'x', 'nope', '--'], 4, 'UNKNOWN_REVISION')
      failsWith(s, ['grep', 'x', 'nope'], 4, 'UNKNOWN_REVISION')
    } finally {
      s.cleanup()
    }
  })
})

describe('du', () => {
  it('per directory: files, size and distinct stored chunks; -d and paths; a..b counts only what b stores on top of a', async () => {
    // Pseudo-random bytes (each 64 KiB block its own), so chunks are shared only where content is.
    const noise = (seed: number, n: number): Buffer => {
      const b = Buffer.alloc(n)
      for (let i = 0, x = seed; i < n; i++) {
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        b[i] = x & 0xff
      }
      return b
    }
    const pic = noise(7, 3 << 20)
    const rows = Array.from({length: 50_000}, (_, i) => `${i},row ${i}\n`).join('')
    const s = await repoWithIP({'img/a.bin': pic, 'img/copy.bin': pic, 'data/t.csv': rows, 'data/deep/u.csv': 'id\n1\n', 'top.txt': 'top\n'}, 'v1')
    try {
      const picStored = s.j(['du', '--', 'img/a.bin']).total.stored
      assert.ok(picStored >= pic.length && picStored < pic.length + 1024, `a file stores its bytes once: ${picStored}`)
      const res = s.j(['du'])
      const byPath = Object.fromEntries(res.rows.map((r: any) => [r.path, [r.files, r.bytes, r.stored]]))
      const csv = Buffer.byteLength(rows)
      assert.deepEqual(byPath, {
        'data/': [2, csv + 5, byPath['data/'][2]],
        'img/': [2, 2 * pic.length, picStored],
        'top.txt': [1, 4, 4],
      })
      assert.ok(byPath['data/'][2] >= csv + 5, 'no duplicates in data/: stored at least its size')
      assert.deepEqual([res.total.files, res.total.bytes, res.total.stored, res.since], [5, csv + 5 + 2 * pic.length + 4, byPath['data/'][2] + picStored + 4, null])
      assert.deepEqual(s.j(['du', '-d', '2', '--', 'data']).rows.map((r: any) => [r.path, r.files]), [['data/deep/u.csv', 1], ['data/t.csv', 1]])
      assert.deepEqual(s.j(['du', '-d', '0', '--', 'data', 'top.txt']).rows.map((r: any) => r.path), ['data/', 'top.txt'])
      // v2: one row appended to t.csv, a new picture. Stored since v1: about one chunk of t.csv, the whole new picture.
      s.write('data/t.csv', `${rows}50000,row 50000\n`)
      s.write('img/b.bin', noise(11, 1 << 20))
      await ops(s).commitAll('v2')
      const grown = s.j(['du', 'HEAD~1..HEAD'])
      const g = Object.fromEntries(grown.rows.map((r: any) => [r.path, r.stored]))
      assert.ok(g['data/'] > 0 && g['data/'] <= 1 << 20, `an append stores about one chunk: ${g['data/']}`)
      assert.ok(g['img/'] >= 1 << 20 && g['img/'] < (1 << 20) + 1024, `only the new picture: ${g['img/']}`)
      assert.equal(g['top.txt'], 0)
      assert.equal(grown.since, s.ok(['rev-parse', 'HEAD~1']).stdout.trim())
      const text = lines(s.ok(['du', 'HEAD~1..HEAD']).stdout)
      assert.match(text.at(-1)!, /^ +6 +[\d.]+ MiB +[\d.]+ MiB +total \(stored: new since [0-9a-f]{12}\)$/)
      failsWith(s, ['du', '--', 'nope'], 4, 'PATHSPEC_NO_MATCH')
      failsWith(s, ['du', 'HEAD', 'HEAD~1'], 2, 'INVALID_ARGUMENT')
    } finally {
      s.cleanup()
    }
  })
})

describe('stash', () => {
  it('push saves staged, unstaged and deleted changes and resets to HEAD; pop brings them back unstaged (added files staged); untracked files stay', async () => {
    const s = track(await repoWithIP({'a.txt': '1\n', 'b.txt': 'b\n'}, 'c1'))
    assert.deepEqual(s.j(['stash']), {saved: null}, 'nothing to save')
    s.write('a.txt', '2\n')
    fs.rmSync(s.p('b.txt'))
    s.write('n.txt', 'new\n')
    await ops(s).add('n.txt')
    s.write('u.txt', 'untracked\n')
    const saved = s.j(['stash', 'push', '-m', 'relabel'])
    assert.equal(saved.saved.name, 'stash@{0}')
    assert.equal(saved.saved.message, 'On main: relabel')
    assert.deepEqual([s.read('a.txt').toString(), s.read('b.txt').toString(), s.exists('n.txt'), s.read('u.txt').toString()], ['1\n', 'b\n', false, 'untracked\n'])
    assert.deepEqual(s.j(['status']).untracked, ['u.txt'])
    assert.deepEqual(s.j(['stash', 'show']).changes.map((c: any) => [c.status, c.path]), [['M', 'a.txt'], ['D', 'b.txt'], ['A', 'n.txt']])
    // stash@{N} is a revision: its first parent is the commit it was made on.
    assert.equal(revId(s, 'stash@{0}^1'), await ops(s).rev('HEAD'))
    assert.equal(s.ok(['show', 'stash@{0}:a.txt']).stdout, '2\n')
    // gc keeps stashes (they are reachable from the reflog of refs/stash), and fsck is happy.
    s.ok(['gc', '-q'])
    assert.equal(s.j(['fsck']).ok, true)
    const popped = s.j(['stash', 'pop'])
    assert.deepEqual([popped.dropped, popped.changed], [true, ['a.txt', 'b.txt', 'n.txt']])
    assert.equal(s.read('a.txt').toString(), '2\n')
    assert.equal(s.exists('b.txt'), false)
    const st = s.j(['status'])
    assert.deepEqual(st.staged, [{path: 'n.txt', status: 'A'}])
    assert.deepEqual(st.unstaged, [{path: 'a.txt', status: 'M'}, {path: 'b.txt', status: 'D'}])
    assert.deepEqual(s.j(['stash', 'list']), [])
  })

  it('push -- <paths> (-u) leaves the rest; --keep-index; pop --index; stash branch; a stash of an added file alone pops back staged', async () => {
    const s = track(await repoWithIP({'a.txt': 'a\n', 'd/b.txt': 'b\n', 'c.txt': 'c\n'}, 'c1'))
    const b = ops(s)
    // Regression: with no modified file to unstage, pop used to empty the index.
    s.write('n.txt', 'n\n')
    await b.add('n.txt')
    s.ok(['stash', '-q'])
    s.ok(['stash', 'pop', '-q'])
    assert.deepEqual(s.j(['status']).staged, [{path: 'n.txt', status: 'A'}])
    await b.rm(['n.txt'], {cached: true})
    fs.rmSync(s.p('n.txt'))
    // Only the named paths (and, with -u, their untracked files) are saved and reset.
    s.write('a.txt', 'a2\n')
    s.write('d/b.txt', 'b2\n')
    s.write('d/u.txt', 'u\n')
    s.write('c.txt', 'c2\n')
    await b.add('c.txt')
    failsWith(s, ['stash', 'push', '--', 'nothing-here'], 4, 'PATHSPEC_NO_MATCH')
    failsWith(s, ['stash', 'nothing-here'], 2, 'INVALID_ARGUMENT')
    s.ok(['stash', '-q', '-u', '--', 'd', 'a.txt'])
    assert.deepEqual([s.read('a.txt').toString(), s.read('d/b.txt').toString(), s.exists('d/u.txt'), s.read('c.txt').toString()], ['a\n', 'b\n', false, 'c2\n'])
    const st = s.j(['status'])
    assert.deepEqual([st.staged, st.unstaged, st.untracked], [[{path: 'c.txt', status: 'M'}], [], []])
    assert.deepEqual(s.j(['stash', 'show']).changes.map((c: any) => `${c.status} ${c.path}`), ['M a.txt', 'M d/b.txt', 'A d/u.txt'])
    await b.reset()
    s.ok(['stash', 'pop', '-q'])
    assert.deepEqual([s.read('a.txt').toString(), s.read('d/b.txt').toString(), s.read('d/u.txt').toString()], ['a2\n', 'b2\n', 'u\n'])
    // --keep-index: the staged change stays staged and in the work tree; pop --index stages it again.
    await b.rm(['d/u.txt'], {cached: true})
    fs.rmSync(s.p('d/u.txt'))
    await b.add('a.txt')
    s.ok(['stash', '-q', '--keep-index'])
    assert.deepEqual([s.read('a.txt').toString(), s.read('d/b.txt').toString(), s.read('c.txt').toString()], ['a2\n', 'b\n', 'c\n'])
    assert.deepEqual(s.j(['status']).staged, [{path: 'a.txt', status: 'M'}])
    await b.reset('hard')
    s.ok(['stash', 'pop', '-q', '--index'])
    const st2 = s.j(['status'])
    assert.deepEqual([st2.staged, st2.unstaged.map((u: any) => u.path)], [[{path: 'a.txt', status: 'M'}], ['c.txt', 'd/b.txt']])
    // stash branch: applies on the commit it was made on, so a stash HEAD has moved past still comes back.
    await b.stash()
    s.write('a.txt', 'other\n')
    await b.commitA('c2')
    assert.equal(s.bl(['stash', 'pop']).code, 5)
    const br = s.j(['stash', 'branch', 'fix'])
    assert.deepEqual([br.branch, br.dropped], ['fix', true])
    assert.equal(s.ok(['branch', '--show-current']).stdout, 'fix\n')
    assert.deepEqual([s.read('a.txt').toString(), s.j(['status']).staged], ['a2\n', [{path: 'a.txt', status: 'M'}]])
    assert.deepEqual(s.j(['stash', 'list']), [])
  })

  it('a stack: list, apply stash@{N} keeps it, drop renumbers, clear; -u takes untracked files; a conflicting stash changes nothing', async () => {
    const s = track(await repoWithIP({'a.txt': '1\n'}, 'c1'))
    const b = ops(s)
    s.write('a.txt', 'first\n')
    await b.stash()
    s.write('scratch.bin', 'tmp\n')
    s.ok(['stash', '-q', '-u'])
    assert.equal(s.exists('scratch.bin'), false, '-u stashes untracked files away')
    assert.deepEqual(s.j(['stash', 'list']).map((e: any) => [e.name, e.message]), [
      ['stash@{0}', `WIP on main: ${(await b.rev('HEAD')).slice(0, 12)} c1`],
      ['stash@{1}', `WIP on main: ${(await b.rev('HEAD')).slice(0, 12)} c1`],
    ])
    assert.match(s.ok(['stash', 'list']).stdout, /^stash@\{1\}: WIP on main: /m)
    s.ok(['stash', 'apply', '-q', 'stash@{1}'])
    assert.equal(s.read('a.txt').toString(), 'first\n')
    assert.equal(s.j(['stash', 'list']).length, 2, 'apply keeps the stash')
    // Local changes in the way, or a stash that conflicts with HEAD: refused, nothing changed.
    const inTheWay = s.bl(withJson(['stash', 'apply', '1']))
    assert.deepEqual([inTheWay.code, inTheWay.json().error.code], [5, 'LOCAL_CHANGES'])
    await b.commitA('c2')
    s.write('a.txt', 'again\n')
    await b.commitA('c3')
    const conflict = s.bl(withJson(['stash', 'pop', 'stash@{1}']))
    assert.deepEqual([conflict.code, conflict.json().error.code], [5, 'STASH_CONFLICT'])
    assert.deepEqual(conflict.json().error.data.paths, ['a.txt'])
    assert.equal(s.read('a.txt').toString(), 'again\n')
    assert.equal(s.j(['stash', 'list']).length, 2, 'a refused pop keeps the stash')
    const dropped = s.j(['stash', 'drop', 'stash@{1}'])
    assert.equal(dropped.dropped.name, 'stash@{1}')
    assert.deepEqual(s.j(['stash', 'list']).map((e: any) => e.name), ['stash@{0}'])
    s.ok(['stash', 'pop', '-q'])
    assert.equal(s.read('scratch.bin').toString(), 'tmp\n')
    await b.stash({untracked: true})
    assert.deepEqual(s.j(['stash', 'clear']), {cleared: 1})
    const none = s.bl(withJson(['stash', 'pop']))
    assert.deepEqual([none.code, none.json().error.code], [4, 'REF_NOT_FOUND'])
    assert.equal(s.bl(withJson(['stash', 'drop', 'stash@{x}'])).json().error.code, 'INVALID_ARGUMENT')
  })
})
