/**
 * Git's ref-listing filters (`bl branch`/`bl tag`: --list patterns, --contains, --no-contains,
 * --merged, --no-merged, --points-at, --sort) and safer pushes (`push --dry-run`,
 * `push --force-with-lease`) and `fetch --all`, through the real binary. The listing history is built in-process
 * (commits with chosen parents and times) and, where git is installed, the same history is built
 * with `git commit-tree` and git's listings are compared with bl's line for line.
 */
import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type {RefFilterOptions} from '../../src/core/refs/ref-filter.ts'
import {listBranches, listTags} from '../../src/core/ops/branch.ts'
import {openRepo} from '../../src/core/repo.ts'
import {initRepo, jA, lines, makeTmp, okA, revIdA, rmrf, Sandbox, withJson} from './helpers.ts'
import {commitFiles, repoWithIP as repoWithA} from './inproc.ts'
import {buildBlHistory, buildGitHistory, type History} from '../support/commit-history.ts'

const sandboxes: Sandbox[] = []
const tmps: string[] = []
after(() => {
  for (const s of sandboxes) s.cleanup()
  for (const t of tmps) rmrf(t)
})

/**
 * main is c1-c2-c3, a side line s1-s2 forks at c1 (commits 10 s apart in this order). By refname
 * v10 sorts before v2, by version:refname after it.
 */
const HISTORY: History = {
  graph: [
    ['c1', []],
    ['c2', ['c1']],
    ['s1', ['c1']],
    ['c3', ['c2']],
    ['s2', ['s1']],
  ],
  refs: {
    'refs/heads/main': 'c3',
    'refs/heads/release': 'c3',
    'refs/heads/feat/a': 'c1',
    'refs/heads/feat/zz': 'c2',
    'refs/heads/feat/b': 's1',
    'refs/heads/fix/c': 's2',
    'refs/remotes/origin/main': 'c2',
    'refs/remotes/origin/old': 's1',
    'refs/tags/v1': 'c1',
    'refs/tags/v2': 'c2',
    'refs/tags/v10': 'c3',
    'refs/tags/v1.5': 's1',
    'refs/tags/v2.0-rc': 's2',
  },
  t0: 1_800_000_000,
}

type ListOpts = RefFilterOptions & {remotes?: boolean; all?: boolean}

/**
 * Listings whose text is the same in bl and git (HEAD on main; names as git prints them): `git`
 * runs in git, `opts` through bl's listing op in-process (cheap); the CLI's parsing of the same
 * flags is checked by the spawned cases after these.
 */
const LISTINGS: Array<{git: string[]; opts: ListOpts; want: string[]}> = [
  {git: ['branch', '--list', 'feat/*'], opts: {patterns: ['feat/*']}, want: ['  feat/a', '  feat/b', '  feat/zz']},
  {git: ['branch', '-l', 'f*/?', 'main'], opts: {patterns: ['f*/?', 'main']}, want: ['  feat/a', '  feat/b', '  fix/c', '* main']},
  {git: ['branch', '--merged'], opts: {merged: ['HEAD']}, want: ['  feat/a', '  feat/zz', '* main', '  release']},
  {git: ['branch', '--sort=-refname', '--no-merged'], opts: {noMerged: ['HEAD'], sort: ['-refname']}, want: ['  fix/c', '  feat/b']},
  {git: ['branch', '--merged', 'fix/c'], opts: {merged: ['fix/c']}, want: ['  feat/a', '  feat/b', '  fix/c']},
  {git: ['branch', '--contains', 'feat/zz'], opts: {contains: ['feat/zz']}, want: ['  feat/zz', '* main', '  release']},
  {git: ['branch', '--contains', 'feat/a', '--no-contains', 'main', '--no-contains', 'fix/c'], opts: {contains: ['feat/a'], noContains: ['main', 'fix/c']}, want: ['  feat/a', '  feat/b', '  feat/zz']},
  {git: ['branch', '--points-at', 'main', '-l', 'r*'], opts: {pointsAt: ['main'], patterns: ['r*']}, want: ['  release']},
  {git: ['branch', '--sort=-committerdate'], opts: {sort: ['-committerdate']}, want: ['  fix/c', '* main', '  release', '  feat/b', '  feat/zz', '  feat/a']},
  {git: ['branch', '--sort=refname', '--sort=committerdate', '--no-contains'], opts: {sort: ['refname', 'committerdate'], noContains: ['HEAD']}, want: ['  feat/a', '  feat/zz', '  feat/b', '  fix/c']},
  {git: ['branch', '-r', '--list', 'origin/m*'], opts: {remotes: true, patterns: ['origin/m*']}, want: ['  origin/main']},
  {git: ['branch', '-a', '--contains', 'v1.5'], opts: {all: true, contains: ['v1.5']}, want: ['  feat/b', '  fix/c', '  remotes/origin/old']},
  {git: ['branch', '-r', '--merged', 'main'], opts: {remotes: true, merged: ['main']}, want: ['  origin/main']},
  {git: ['tag'], opts: {}, want: ['v1', 'v1.5', 'v10', 'v2', 'v2.0-rc']},
  {git: ['tag', '--sort=v:refname'], opts: {sort: ['v:refname']}, want: ['v1', 'v1.5', 'v2', 'v2.0-rc', 'v10']},
  {git: ['tag', '--sort=-version:refname', '-l', 'v1*', 'v2'], opts: {sort: ['-version:refname'], patterns: ['v1*', 'v2']}, want: ['v10', 'v2', 'v1.5', 'v1']},
  {git: ['tag', '--sort=-committerdate'], opts: {sort: ['-committerdate']}, want: ['v2.0-rc', 'v10', 'v1.5', 'v2', 'v1']},
  {git: ['tag', '--merged'], opts: {merged: ['HEAD']}, want: ['v1', 'v10', 'v2']},
  {git: ['tag', '--no-merged', 'main'], opts: {noMerged: ['main']}, want: ['v1.5', 'v2.0-rc']},
  {git: ['tag', '--contains', 'v2', '--sort=v:refname'], opts: {contains: ['v2'], sort: ['v:refname']}, want: ['v2', 'v10']},
  {git: ['tag', '--no-contains', 'v1.5', '-l', 'v1*'], opts: {noContains: ['v1.5'], patterns: ['v1*']}, want: ['v1', 'v10']},
  {git: ['tag', '--points-at', 'feat/b'], opts: {pointsAt: ['feat/b']}, want: ['v1.5']},
]

/** bl's listing as `bl branch`/`bl tag` prints it. */
function blListing(s: Sandbox, kind: string, opts: ListOpts): string[] {
  const repo = openRepo({cwd: s.dir, env: {}, userConfigDir: s.configDir, now: () => new Date()})
  try {
    if (kind === 'tag') return listTags(repo, opts).map((t) => t.name)
    return listBranches(repo, opts).map((b) => `${b.current ? '*' : ' '} ${b.remote && opts.all ? 'remotes/' : ''}${b.name}`)
  } finally {
    repo.close()
  }
}

/**
 * The CLI's parsing: bare `--contains`/`--merged`/`--points-at` mean HEAD, `--sort=-refname` (which
 * looks like -r), patterns, -a. `notGit`: git takes the option after a bare `--no-merged` as its
 * commit and fails; bl takes HEAD, as it does when the option comes last (docs/decisions.md).
 */
const SPAWNED: Array<{args: string[]; want: string[]; notGit?: boolean}> = [
  {args: ['branch', '--no-merged', '--sort=-refname'], want: ['  fix/c', '  feat/b'], notGit: true},
  {args: ['branch', '-l', 'f*/?', 'main', '--sort', 'refname', '--sort=committerdate'], want: ['  feat/a', '  feat/b', '* main', '  fix/c']},
  {args: ['branch', '-a', '--contains', 'v1.5'], want: ['  feat/b', '  fix/c', '  remotes/origin/old']},
  {args: ['tag', '--sort=-version:refname', '-l', 'v1*', 'v2'], want: ['v10', 'v2', 'v1.5', 'v1']},
  {args: ['tag', '--points-at'], want: ['v10']},
]

describe('branch and tag listing filters', () => {
  it('--list patterns, --contains/--no-contains, --merged/--no-merged, --points-at and --sort list what git lists', async () => {
    const s = await repoWithA({'f.csv': 'a\n'})
    sandboxes.push(s)
    buildBlHistory(s, await revIdA(s, 'HEAD'), HISTORY)
    for (const {git, opts, want} of LISTINGS) assert.deepEqual(blListing(s, git[0]!, opts), want, `bl ${git.join(' ')}`)
    const git = buildGitHistory(HISTORY, tmps)
    if (git) for (const {args, want} of [...LISTINGS.map((l) => ({args: l.git, want: l.want})), ...SPAWNED.filter((c) => !c.notGit)]) assert.deepEqual(git(args), want, `git ${args.join(' ')}`)
    const got = await Promise.all(SPAWNED.map(({args}) => s.runAsync(args)))
    SPAWNED.forEach(({args, want}, i) => {
      assert.equal(got[i]!.code, 0, `bl ${args.join(' ')}: ${got[i]!.stderr}`)
      assert.deepEqual(lines(got[i]!.stdout), want, `bl ${args.join(' ')}`)
    })

    const [json, vv, badSort, mixed] = await Promise.all([
      s.runAsync(withJson(['branch', '--merged', 'feat/zz', '-v'])),
      s.runAsync(['branch', '-vv', '--points-at', 'feat/b']),
      s.runAsync(['tag', '--sort=size']),
      s.runAsync(['branch', '-d', 'feat/a', '--merged']),
    ])
    // --sort alone does not mean listing: this creates a branch, as in git. After the listings
    // above: run beside them, its new branch at feat/b could show in the --points-at listing.
    const created = await s.runAsync(['branch', '--sort=-refname', 'topic', 'feat/b'])
    const rows = json.json().result
    assert.deepEqual(rows.map((r: {name: string}) => r.name), ['feat/a', 'feat/zz'])
    assert.deepEqual(Object.keys(rows[0]).sort(), ['commit', 'current', 'name', 'subject'], 'the listing shape is unchanged')
    assert.match(vv.stdout, /^ {2}feat\/b [0-9a-f]{12} s1\n$/, '-vv is -v (which already shows the upstream, as git -vv)')
    assert.equal(created.code, 0, created.stderr)
    assert.match(created.stdout, /^Created branch topic at /)
    assert.equal(badSort.code, 2)
    assert.match(badSort.stderr, /^error: unsupported sort key "size"\nhint: /)
    assert.equal(mixed.code, 2, 'deleting and listing at once is refused')
  })
})

/** A directory remote in a temp directory (removed after the file's tests). */
function dirRemote(): string {
  const base = makeTmp('bl-refflags-remote-')
  tmps.push(base)
  return path.join(base, 'repo')
}

/** Runs bl --json expecting failure with `exit`; returns the error. */
async function failsA(s: Sandbox, args: string[], exit: number): Promise<{code: string; message: string; hint: string; data: any}> {
  const r = await s.runAsync(withJson(args))
  assert.equal(r.code, exit, `bl ${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`)
  return r.json().error
}

describe('push --dry-run and --force-with-lease', {concurrency: true}, () => {
  it('--dry-run negotiates, checks and counts like a push and writes nothing: not the remote, not the remote-tracking branch', async () => {
    const a = await repoWithA({'data.csv': 'id,v\n1,a\n', 'blob.bin': Buffer.alloc(50_000, 7)})
    sandboxes.push(a)
    const remote = dirRemote()
    await okA(a, ['remote', 'add', 'origin', remote])
    const first = await jA(a, ['push', '-n'])
    const c1 = await revIdA(a, 'HEAD')
    assert.deepEqual(first.refs, [{ref: 'refs/heads/main', old: null, new: c1, status: 'created'}])
    assert.equal(first.dryRun, true)
    assert.ok(first.objects > 0 && first.bytes >= 50_000 && first.packs === 2, JSON.stringify(first))
    assert.equal(fs.existsSync(remote), false, 'a dry run to a new remote creates nothing there (no BLREPO, no probe)')
    const real = await jA(a, ['push'])
    assert.equal(real.dryRun, false)
    assert.deepEqual([real.objects, real.packs, real.refs], [first.objects, first.packs, first.refs], 'the dry run planned exactly what the push sent')

    const c2 = await commitFiles(a, {'data.csv': 'id,v\n1,a\n2,b\n'}, 'second')
    const text = await okA(a, ['push', '--dry-run'])
    assert.match(text.stdout, /^Would upload \d+ objects in about 2 packs \(.* before compression\)\n \* main: updated \([0-9a-f]{12}\.\.[0-9a-f]{12}\)\nDry run: nothing was written to origin\.\n$/)
    const [remoteRefs, tracking] = await Promise.all([jA(a, ['ls-remote']), jA(a, ['rev-parse', 'origin/main'])])
    assert.deepEqual(remoteRefs, [{ref: 'refs/heads/main', commit: c1}], 'the remote branch did not move')
    assert.equal(tracking.revs[0].id, c1, 'origin/main did not move')

    await okA(a, ['push', '-q'])
    // Fast-forward checks run as in a push: moving main back is refused without --force, and
    // reported as forced with it; nothing moves either way.
    const [behind, forced] = await Promise.all([failsA(a, ['push', '-n', 'origin', 'HEAD~1:main'], 5), jA(a, ['push', '-n', '--force', 'origin', 'HEAD~1:main'])])
    assert.equal(behind.code, 'NOT_FAST_FORWARD')
    assert.deepEqual(forced.refs, [{ref: 'refs/heads/main', old: c2, new: c1, status: 'forced'}])
    assert.equal(forced.objects, 0)
    assert.deepEqual(await jA(a, ['ls-remote']), [{ref: 'refs/heads/main', commit: c2}])
  })

  it('--force-with-lease overwrites only a remote ref that is where the lease expects (stale info: exit 5), and never past a no-force-push rule', async () => {
    const a = await repoWithA({'data.csv': 'id\n1\n'})
    sandboxes.push(a)
    const remote = dirRemote()
    await okA(a, ['remote', 'add', 'origin', remote])
    await okA(a, ['push', '-u', '-q'])
    const c1 = await revIdA(a, 'HEAD')
    // b pushes c3 on top; a, not having fetched, rewrites its own main (c2, diverged).
    const b = new Sandbox()
    sandboxes.push(b)
    await okA(b, ['clone', '-q', remote, b.dir], {cwd: b.base})
    const c3 = await commitFiles(b, {'data.csv': 'id\n1\n3\n'}, 'from b')
    const [c2] = await Promise.all([commitFiles(a, {'data.csv': 'id\n2\n'}, 'from a'), okA(b, ['push', '-q'])])

    // origin/main (c1) is stale: the bare lease refuses, with or without --dry-run or --force.
    const [stale, staleDry, staleForce] = await Promise.all([
      failsA(a, ['push', '--force-with-lease'], 5),
      failsA(a, ['push', '-n', '--force-with-lease'], 5),
      failsA(a, ['push', '--force', '--force-with-lease=main'], 5),
    ])
    for (const e of [stale, staleDry, staleForce]) {
      assert.equal(e.code, 'FETCH_FIRST')
      assert.deepEqual(e.data, {ref: 'refs/heads/main', remote: c3, expected: c1})
    }
    assert.match(stale.message, /^main on origin is at [0-9a-f]{12}, but the lease expects it at [0-9a-f]{12} \(stale info\)$/)
    // An explicit <expect> that is right wins; one that is wrong (or "no such ref") does not.
    const [wrong, absent, dry] = await Promise.all([
      failsA(a, ['push', `--force-with-lease=main:${c1}`], 5),
      failsA(a, ['push', '--force-with-lease=main:'], 5),
      jA(a, ['push', '-n', `--force-with-lease=refs/heads/main:${c3}`]),
    ])
    assert.deepEqual([wrong.data.expected, absent.data.expected], [c1, null])
    assert.deepEqual(dry.refs, [{ref: 'refs/heads/main', old: c3, new: c2, status: 'forced'}])
    assert.deepEqual(await jA(a, ['ls-remote']), [{ref: 'refs/heads/main', commit: c3}], 'nothing was overwritten so far')
    // Without any lease it is a plain non-fast-forward.
    assert.equal((await failsA(a, ['push'], 5)).code, 'FETCH_FIRST')

    // After a fetch the remote-tracking branch is the lease: the overwrite goes through.
    await okA(a, ['fetch', '-q'])
    const forced = await jA(a, ['push', '--force-with-lease'])
    assert.deepEqual(forced.refs, [{ref: 'refs/heads/main', old: c3, new: c2, status: 'forced'}])
    assert.deepEqual(await jA(a, ['ls-remote']), [{ref: 'refs/heads/main', commit: c2}])

    // A no-force-push rule still refuses it, lease or not, dry run or not (exit 11), and publishes nothing on a dry run.
    await jA(a, ['key', 'generate', '--name', 'Owner', '--email', 'owner@example.com', '--no-passphrase'])
    await okA(a, ['protect', 'set', 'main', '--no-force-push', '-q'])
    const protectedDry = await failsA(a, ['push', '-n', '--force-with-lease', 'origin', `${c1}:main`], 11)
    assert.equal(protectedDry.code, 'PROTECTED_BRANCH')
    assert.equal(fs.existsSync(path.join(remote, 'meta')), false, 'the dry run did not publish the policy')
    const refused = await failsA(a, ['push', `--force-with-lease=main:${c2}`, 'origin', `${c1}:main`], 11)
    assert.ok(refused.data.violations.some((v: any) => v.check === 'no-force-push' && v.rule === 'main'))
    assert.deepEqual(await jA(a, ['ls-remote']), [{ref: 'refs/heads/main', commit: c2}])
  })
})

describe('fetch --all', () => {
  it('fetches every remote in name order; a failing remote does not stop the others (its error comes last, with what was fetched)', async () => {
    const a = await repoWithA({'data.csv': 'id\n1\n'})
    const b = new Sandbox()
    sandboxes.push(a, b)
    initRepo(b)
    const [one, two] = [dirRemote(), dirRemote()]
    await Promise.all([okA(a, ['remote', 'add', 'origin', one]), okA(a, ['remote', 'add', 'other', two]), okA(b, ['remote', 'add', 'origin', one]), okA(b, ['remote', 'add', 'other', two])])
    await Promise.all([okA(a, ['push', '-q', 'origin', 'main']), okA(a, ['push', '-q', 'other', 'main:side'])])
    const c1 = await revIdA(a, 'HEAD')
    const [all, withRemote] = await Promise.all([jA(b, ['fetch', '--all', '--tags']), failsA(b, ['fetch', '--all', 'origin'], 2)])
    assert.deepEqual(all.map((r: any) => [r.remote, r.updated]), [
      ['origin', [{ref: 'refs/remotes/origin/main', old: null, new: c1}]],
      ['other', [{ref: 'refs/remotes/other/side', old: null, new: c1}]],
    ])
    assert.equal(withRemote.code, 'INVALID_ARGUMENT')
    // "broken" (no bl repository there) sorts first: the others are still fetched.
    await okA(b, ['remote', 'add', 'broken', path.join(path.dirname(one), 'nothing-here')])
    await okA(a, ['push', '-q', 'other', 'main:side2'])
    const e = await failsA(b, ['fetch', '--all'], 4)
    assert.equal(e.code, 'NOT_A_BL_REMOTE')
    assert.equal(e.data.remote, 'broken')
    assert.deepEqual(e.data.fetched.map((r: any) => [r.remote, r.updated.map((u: any) => u.ref)]), [['origin', []], ['other', ['refs/remotes/other/side2']]])
  })
})
