/**
 * bl describe through the real binary, on a history with a merge built in-process (commits with
 * chosen parents and times); where git is installed, the same history is built with
 * `git commit-tree` and git's answers (`git describe --tags`) are compared with bl's.
 */
import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {lines, revIdA, rmrf, Sandbox} from './helpers.ts'
import {repoWithIP} from './inproc.ts'
import {buildBlHistory, buildGitHistory, type History} from '../support/commit-history.ts'

const sandboxes: Sandbox[] = []
const tmps: string[] = []
after(() => {
  for (const s of sandboxes) s.cleanup()
  for (const t of tmps) rmrf(t)
})

/** Tags and branches (name -> commit). c-3 and s-2 are as near to m as each other: the more recent wins. */
const TAGS: Record<string, string> = {v1: 'c1', 'v1.1': 'c2', 'side-1': 's1', 's-2': 's2', 'c-3': 'c3'}
const BRANCHES: Record<string, string> = {main: 'c4', side: 's2', orphan: 'o1'}
/** Committer times 10 s apart in the order of the graph. */
const HISTORY: History = {
  graph: [
    ['c1', []],
    ['c2', ['c1']],
    ['s1', ['c1']],
    ['s2', ['s1']],
    ['c3', ['c2']],
    ['m', ['c3', 's2']],
    ['c4', ['m']],
    ['o1', []],
  ],
  refs: Object.fromEntries([...Object.entries(TAGS).map(([t, c]) => [`refs/tags/${t}`, c]), ...Object.entries(BRANCHES).map(([b, c]) => [`refs/heads/${b}`, c])]),
  t0: 1_800_000_000,
}

/** The history in the sandbox's store; every commit has the tree of `base` (so the work tree is clean on main). */
async function buildBl(s: Sandbox, base?: string): Promise<Record<string, string>> {
  return buildBlHistory(s, base ?? (await revIdA(s, 'HEAD')), HISTORY)
}

/** Git's answers for `args` (one line per rev), with the ids masked. */
function gitDescribe(git: (args: string[]) => string[], args: string[]): string[] {
  return git(['describe', '--tags', ...args]).map(maskId)
}

const maskId = (name: string): string => name.replace(/-g[0-9a-f]+$/, '-g<id>')

const REVS = ['main', 'main~1', 'main~1^2', 'main~2', 'side', 'main~3', 'v1']

describe('describe', () => {
  it('names commits after the nearest tag as git describe --tags does (distance, ties, --first-parent, --all, --match/--exclude, --long, --abbrev)', async () => {
    const s = await repoWithIP({'f.csv': 'a\n'})
    sandboxes.push(s)
    const ids = await buildBl(s)
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
    const git = buildGitHistory(HISTORY, tmps)
    if (git) for (const {args, revs, want} of cases) assert.deepEqual(gitDescribe(git, [...args, ...revs]), want, `git describe --tags ${args.join(' ')}`)
  })

  it('--json, --always, --exact-match, --dirty and the errors: no names at all, no tag reachable (NO_TAG, exit 4), --dirty with a revision', async () => {
    const s = await repoWithIP({'f.csv': 'a\n'})
    sandboxes.push(s)
    const noNames = s.bl(['describe'])
    assert.equal(noNames.code, 4)
    assert.match(noNames.stderr, /^error: no names found, cannot describe anything\nhint: .*--always/)
    const [head] = s.j(['describe', '--always'])
    assert.deepEqual(head, {rev: 'HEAD', id: head.id, name: head.id.slice(0, 12), tag: null, ref: null, distance: null, dirty: null})

    const ids = await buildBl(s, head.id)
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
