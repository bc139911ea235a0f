/**
 * bl describe through the real binary, on a history with a merge built in-process (commits with
 * chosen parents and times); where git is installed, the same history is built with
 * `git commit-tree` and git's answers (`git describe --tags`) are compared with bl's.
 */
import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import type {Oid} from '../../src/core/hash.ts'
import {commitId, encodeCommit, type Commit} from '../../src/core/objects/commit.ts'
import {loadCommit} from '../../src/core/odb.ts'
import {updateRefs} from '../../src/core/refs/refs.ts'
import {openRepo} from '../../src/core/repo.ts'
import {lines, makeTmp, repoWith, revId, rmrf, Sandbox} from './helpers.ts'

const sandboxes: Sandbox[] = []
const tmps: string[] = []
after(() => {
  for (const s of sandboxes) s.cleanup()
  for (const t of tmps) rmrf(t)
})

/** [name, parents]; committer times 10 s apart in this order. */
const HISTORY: Array<[string, string[]]> = [
  ['c1', []],
  ['c2', ['c1']],
  ['s1', ['c1']],
  ['s2', ['s1']],
  ['c3', ['c2']],
  ['m', ['c3', 's2']],
  ['c4', ['m']],
  ['o1', []],
]
/** Tags and branches (name -> commit). c-3 and s-2 are as near to m as each other: the more recent wins. */
const TAGS: Record<string, string> = {v1: 'c1', 'v1.1': 'c2', 'side-1': 's1', 's-2': 's2', 'c-3': 'c3'}
const BRANCHES: Record<string, string> = {main: 'c4', side: 's2', orphan: 'o1'}
const T0 = 1_800_000_000

/** The history in the sandbox's store; every commit has the tree of HEAD (so the work tree is clean on main). */
function buildBl(s: Sandbox, base = revId(s, 'HEAD')): Record<string, Oid> {
  const repo = openRepo({cwd: s.dir, env: {}, userConfigDir: s.configDir, now: () => new Date()})
  try {
    return repo.store.transaction(() => {
      const ids: Record<string, Oid> = {}
      const tree = loadCommit(repo.store, base as Oid).tree
      HISTORY.forEach(([name, parents], i) => {
        const who = {name: 'Test', email: 't@example.com', time: T0 + 10 * i, tz: 0}
        const c: Commit = {tree, parents: parents.map((p) => ids[p]!), author: who, committer: who, message: `${name}\n`, meta: {}}
        ids[name] = commitId(c)
        repo.store.putObject(ids[name]!, 'commit', encodeCommit(c))
      })
      const refs = [...Object.entries(TAGS).map(([t, c]) => [`refs/tags/${t}`, c]), ...Object.entries(BRANCHES).map(([b, c]) => [`refs/heads/${b}`, c])]
      updateRefs(repo, refs.map(([ref, c]) => ({ref: ref!, to: ids[c!]!, message: 'test: build'})))
      return ids
    })
  } finally {
    repo.close()
  }
}

function hasGit(): boolean {
  return spawnSync('git', ['--version']).status === 0
}

/** The same history in a new Git repository (lightweight tags), for `git describe --tags`. */
function buildGit(): string {
  const dir = makeTmp('bl-describe-git-')
  tmps.push(dir)
  const git = (args: string[], env: Record<string, string> = {}): string => {
    const r = spawnSync('git', args, {cwd: dir, encoding: 'utf8', env: {...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 't@example.com', ...env}})
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`)
    return r.stdout.trim()
  }
  git(['init', '-q'])
  const tree = git(['hash-object', '-t', 'tree', '-w', '--stdin'])
  const ids: Record<string, string> = {}
  HISTORY.forEach(([name, parents], i) => {
    const date = `@${T0 + 10 * i} +0000`
    ids[name] = git(['commit-tree', tree, '-m', name, ...parents.flatMap((p) => ['-p', ids[p]!])], {GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date})
  })
  for (const [t, c] of Object.entries(TAGS)) git(['update-ref', `refs/tags/${t}`, ids[c]!])
  for (const [b, c] of Object.entries(BRANCHES)) git(['update-ref', `refs/heads/${b}`, ids[c]!])
  git(['symbolic-ref', 'HEAD', 'refs/heads/main'])
  return dir
}

/** Git's answers for `args` (one line per rev), with the ids masked. */
function gitDescribe(dir: string, args: string[]): string[] {
  const r = spawnSync('git', ['describe', '--tags', ...args], {cwd: dir, encoding: 'utf8'})
  assert.equal(r.status, 0, `git describe --tags ${args.join(' ')}: ${r.stderr}`)
  return lines(r.stdout).map(maskId)
}

const maskId = (name: string): string => name.replace(/-g[0-9a-f]+$/, '-g<id>')

const REVS = ['main', 'main~1', 'main~1^2', 'main~2', 'side', 'main~3', 'v1']

describe('describe', () => {
  it('names commits after the nearest tag as git describe --tags does (distance, ties, --first-parent, --all, --match/--exclude, --long, --abbrev)', () => {
    const s = repoWith({'f.csv': 'a\n'})
    sandboxes.push(s)
    const ids = buildBl(s)
    // main (c4): c-3 and s-2 both leave 4 commits (c4 m s1 s2 / c4 m c3 c2); c3 is newer, so met
    // first. side-1 leaves 5, v1.1 6. main~1 (m): c-3 and s-2 leave 3 each.
    const cases: Array<{args: string[]; revs: string[]; want: string[]}> = [
      {args: [], revs: REVS, want: ['c-3-4-g<id>', 'c-3-3-g<id>', 's-2', 'c-3', 's-2', 'v1.1', 'v1']},
      {args: ['--first-parent'], revs: REVS, want: ['c-3-2-g<id>', 'c-3-1-g<id>', 's-2', 'c-3', 's-2', 'v1.1', 'v1']},
      {args: ['--all'], revs: REVS, want: ['heads/main', 'tags/c-3-3-g<id>', 'tags/s-2', 'tags/c-3', 'tags/s-2', 'tags/v1.1', 'tags/v1']},
      {args: ['--abbrev=0'], revs: REVS, want: ['c-3', 'c-3', 's-2', 'c-3', 's-2', 'v1.1', 'v1']},
      {args: ['--long'], revs: REVS, want: ['c-3-4-g<id>', 'c-3-3-g<id>', 's-2-0-g<id>', 'c-3-0-g<id>', 's-2-0-g<id>', 'v1.1-0-g<id>', 'v1-0-g<id>']},
      {args: ['--match', 'v*', '--exclude', 'v1'], revs: ['main', 'main~1', 'main~2', 'main~3'], want: ['v1.1-5-g<id>', 'v1.1-4-g<id>', 'v1.1-1-g<id>', 'v1.1']},
    ]
    const got = cases.map(({args, revs}) => lines(s.ok(['describe', ...args, ...revs]).stdout))
    cases.forEach(({args, want}, i) => assert.deepEqual(got[i]!.map(maskId), want, `bl describe ${args.join(' ')}`))
    assert.equal(got[0]![0], `c-3-4-g${ids.c4!.slice(0, 12)}`, "bl's 12-digit short id after Git's -g")
    if (hasGit()) {
      const dir = buildGit()
      for (const {args, revs, want} of cases) assert.deepEqual(gitDescribe(dir, [...args, ...revs]), want, `git describe --tags ${args.join(' ')}`)
    }
  })

  it('--json, --always, --exact-match, --dirty and the errors: no names at all, no tag reachable (NO_TAG, exit 4), --dirty with a revision', () => {
    const s = repoWith({'f.csv': 'a\n'})
    sandboxes.push(s)
    const noNames = s.bl(['describe'])
    assert.equal(noNames.code, 4)
    assert.match(noNames.stderr, /^error: no names found, cannot describe anything\nhint: .*--always/)
    const [head] = s.j(['describe', '--always'])
    assert.deepEqual(head, {rev: 'HEAD', id: head.id, name: head.id.slice(0, 12), tag: null, ref: null, distance: null, dirty: null})

    const ids = buildBl(s, head.id)
    assert.deepEqual(s.j(['describe', '--dirty', '--tags']), [{rev: 'HEAD', id: ids.c4, name: `c-3-4-g${ids.c4!.slice(0, 12)}`, tag: 'c-3', ref: 'refs/tags/c-3', distance: 4, dirty: false}])
    s.write('f.csv', 'b\n')
    assert.equal(s.ok(['describe', '--dirty=.mod', '--abbrev=4']).stdout, `c-3-4-g${ids.c4!.slice(0, 4)}.mod\n`)
    assert.equal(s.ok(['describe', '--dirty']).stdout, `c-3-4-g${ids.c4!.slice(0, 12)}-dirty\n`)
    const both = s.j(['describe', '--always', 'orphan', 'v1.1'])
    assert.deepEqual(both[0], {rev: 'orphan', id: ids.o1, name: ids.o1!.slice(0, 12), tag: null, ref: null, distance: null, dirty: null})
    assert.equal(both[1].name, 'v1.1')

    const none = s.bl(['describe', 'orphan'])
    assert.equal(none.code, 4)
    assert.match(none.stderr, /^error: no tags can describe '[0-9a-f]{64}'\nhint: .*--always/m)
    const exact = s.bl(['describe', '--exact-match', 'main', '--json'])
    assert.equal(exact.code, 4)
    assert.equal(exact.json().error.code, 'NO_TAG')
    const dirtyRev = s.bl(['describe', '--dirty', 'main'])
    assert.equal(dirtyRev.code, 2)
    assert.match(dirtyRev.stderr, /--dirty cannot be used with revisions/)
  })
})
