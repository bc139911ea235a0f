/**
 * bl bisect through the real binary. The histories are written in-process (one commit stores
 * every version of the file, then commits with chosen parents point at them), so building a
 * 16-commit history starts no `bl`; set-up between the scenarios (reset --hard, bisect start and
 * reset whose output is not examined) runs in-process too (inproc-history.ts, inproc-merge.ts).
 */
import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import type {Oid} from '../../src/core/hash.ts'
import {commitId, encodeCommit, type Commit} from '../../src/core/objects/commit.ts'
import {loadCommit} from '../../src/core/odb.ts'
import {updateRefs} from '../../src/core/refs/refs.ts'
import {openRepo} from '../../src/core/repo.ts'
import {flattenTree, writeTree} from '../../src/core/tree-build.ts'
import {failsWith, lines, Sandbox} from './helpers.ts'
import {repoWithIP} from './inproc.ts'
import {ops} from './inproc-history.ts'
import {mergeOps} from './inproc-merge.ts'

const sandboxes: Sandbox[] = []
after(() => {
  for (const s of sandboxes) s.cleanup()
})

/**
 * A repository whose main branch is c1..cN (plus `side` commits merged where asked), each commit's
 * `level` file holding its number; `v1` tags c1. Returns the ids by name.
 */
async function history(n: number, merges: Array<{at: number; side: number[]}> = []): Promise<{s: Sandbox; ids: Record<string, Oid>}> {
  const files: Record<string, string> = {}
  for (let i = 1; i <= n + 100; i++) files[`v/${i}`] = `${i}\n`
  const s = await repoWithIP(files, 'versions')
  sandboxes.push(s)
  const repo = openRepo({cwd: s.dir, env: {}, userConfigDir: s.configDir, now: () => new Date()})
  try {
    const ids: Record<string, Oid> = {}
    repo.store.transaction(() => {
      const head = repo.store.listRefs('refs/heads/main')[0]!.oid!
      const versions = flattenTree(repo.store, loadCommit(repo.store, head).tree)
      let t = 1_800_000_000
      const make = (name: string, parents: Oid[], level: number): Oid => {
        const tree = writeTree(repo.store, [{path: 'level', ...versions.get(`v/${level}`)!}])
        const who = {name: 'T', email: 't@example.com', time: ++t, tz: 0}
        const c: Commit = {tree, parents, author: who, committer: who, message: `${name}\n`, meta: {}}
        ids[name] = commitId(c)
        repo.store.putObject(ids[name]!, 'commit', encodeCommit(c))
        return ids[name]!
      }
      let prev = make('c1', [], 1)
      for (let i = 2; i <= n; i++) {
        const m = merges.find((x) => x.at === i)
        let side = prev
        for (const k of m?.side ?? []) side = make(`s${k}`, [side], 100 + k)
        prev = make(`c${i}`, m ? [prev, side] : [prev], i)
      }
      updateRefs(repo, [
        {ref: 'refs/heads/main', to: prev, message: 'test'},
        {ref: 'refs/tags/v1', to: ids.c1!, message: 'test'},
      ])
    })
    return {s, ids}
  } finally {
    repo.close()
  }
}

describe('bisect', () => {
  it('run: finds the first bad commit by exit status (0 good, 1 bad, 125 skip) in log2 steps; log, view, reset', async () => {
    const {s, ids} = await history(16)
    await ops(s).reset('hard')
    const started = s.j(['bisect', 'start', 'main', 'v1'])
    assert.equal(started.state, 'testing')
    assert.equal(started.remaining, 7, 'c2..c16 minus the tested one: at most 7 left either way')
    // Level 11 broke it; level 8 cannot be tested (skip); the script sees the checked-out files.
    // --json before the command: everything after it is the command's.
    const res = s.ok(['bisect', 'run', '--json', 'sh', '-c', 'l=$(cat level); [ "$l" -eq 8 ] && exit 125; [ "$l" -lt 11 ]']).json().result
    assert.deepEqual([res.status.state, res.status.firstBad], ['done', ids.c11])
    assert.ok(res.steps.length <= 6, JSON.stringify(res.steps))
    const level = (id: string): number => Number(Object.keys(ids).find((k) => ids[k] === id)!.slice(1))
    for (const st of res.steps) assert.equal(st.mark, level(st.commit) === 8 ? 'skip' : level(st.commit) < 11 ? 'good' : 'bad', `c${level(st.commit)}`)
    const log = s.j(['bisect', 'log'])
    assert.deepEqual([log.bad, log.startBranch, s.j(['status']).bisect], [ids.c11, 'main', {startBranch: 'main'}])
    assert.ok(log.log.includes(`# first bad commit: [${ids.c11!.slice(0, 12)}] c11`), log.log.join('\n'))
    // The text log replays: its command lines mark the same commits.
    assert.deepEqual(lines(s.ok(['bisect', 'log']).stdout).filter((l) => l.startsWith('bl bisect bad')).at(-1), `bl bisect bad ${ids.c11}`)
    assert.deepEqual(s.j(['bisect', 'view']).map((e: any) => e.id), [ids.c11])
    assert.equal(s.ok(['rev-parse', 'refs/bisect/bad']).stdout, `${ids.c11}\n`, 'the marks are refs, as in Git')
    assert.equal(s.j(['bisect', 'reset']).returnedTo, 'main')
    assert.equal(s.ok(['branch', '--show-current']).stdout, 'main\n')
    assert.equal(s.bl(['rev-parse', 'refs/bisect/bad']).code, 4, 'reset removes the marks')
    assert.equal(s.j(['status']).bisect, null)
    failsWith(s, ['bisect', 'good'], 5, 'NO_OPERATION')
  })

  it('by hand: good/bad/skip with Git\'s halving on a merge history; only skipped commits left; refusals; --first-parent', async () => {
    // c1..c8 with a merge at c5 of side commits s1, s2 (forked from c4).
    const {s, ids} = await history(8, [{at: 5, side: [1, 2]}])
    const b = mergeOps(s)
    await ops(s).reset('hard')
    assert.deepEqual(s.j(['bisect', 'start']), {state: 'waiting', needs: ['bad', 'good']})
    failsWith(s, ['bisect', 'start'], 5, 'OPERATION_IN_PROGRESS')
    assert.deepEqual(s.j(['bisect', 'bad']), {state: 'waiting', needs: ['good']})
    // Candidates: c2..c8, s1, s2 (9). Git's choice maximises min(w, 9 - w) over ancestor counts w
    // among them: c4 has 3 -> 3, c5 has 6 -> 3, s1 has 4 -> 4, s2 has 5 -> 4; the newer of the tie, s2.
    const first = s.j(['bisect', 'good', 'v1'])
    assert.deepEqual([first.state, first.current], ['testing', ids.s2])
    assert.equal(s.ok(['show', 'HEAD:level']).stdout, '102\n', 'the commit to test is checked out')
    const skipped = s.j(['bisect', 'skip'])
    assert.equal(skipped.state, 'testing')
    assert.notEqual(skipped.current, ids.s2)
    failsWith(s, ['bisect', 'good', 'main'], 2, 'INVALID_ARGUMENT')
    await b.bisectReset()
    // Only skipped commits left: bad c3, good c1, c2 skipped.
    await b.bisectStart(ids.c3!, 'v1')
    const only = s.j(['bisect', 'skip'])
    assert.deepEqual([only.state, only.candidates], ['only-skipped', [ids.c3, ids.c2]])
    await b.bisectReset()
    failsWith(s, ['bisect', 'start', 'main', 'no-such-rev'], 4, 'UNKNOWN_REVISION')
    assert.equal(s.j(['bisect', 'reset']).returnedTo, null, 'a refused start leaves no bisection')
    // A script that dies aborts, marks kept.
    await b.bisectStart('main', 'v1')
    const died = s.bl(['bisect', 'run', '--json', 'sh', '-c', 'exit 129'])
    assert.deepEqual([died.code, died.json().error.code, died.json().error.data.exit], [1, 'BISECT_RUN_FAILED', 129])
    assert.equal(s.j(['bisect', 'log']).bad, ids.c8)
    await b.bisectReset()
    // A change made on the side branch (s1, level 101) and merged at c5: Git's --first-parent
    // names the merge, the main line's commit; without it the side commit is the answer.
    const brokenFrom5 = ['sh', '-c', '[ "$(cat level)" -lt 5 ]']
    s.ok(['bisect', 'start', '-q', '--first-parent', 'main', 'v1'])
    assert.deepEqual(s.j(['bisect', 'view']).map((e: any) => e.id), ['c8', 'c7', 'c6', 'c5', 'c4', 'c3', 'c2'].map((c) => ids[c]), 'only the first-parent chain is searched')
    assert.equal(s.ok(['bisect', 'run', '--json', ...brokenFrom5]).json().result.status.firstBad, ids.c5)
    assert.equal(s.j(['bisect', 'log']).log[0], 'bl bisect start --first-parent')
    await b.bisectReset()
    await b.bisectStart('main', 'v1')
    assert.equal(s.ok(['bisect', 'run', '--json', ...brokenFrom5]).json().result.status.firstBad, ids.s1)
  })

  it('replay: redoes a saved log (a wrong mark edited out), ends a bisection in progress first; a bad line or an unknown commit changes nothing', async () => {
    const {s, ids} = await history(16)
    await ops(s).reset('hard')
    s.ok(['bisect', 'start', '-q', 'main', 'v1'])
    s.ok(['bisect', 'skip', '-q', ids.c8!])
    s.ok(['bisect', 'good', '-q', ids.c6!])
    s.ok(['bisect', 'bad', '-q', ids.c12!])
    const saved = s.ok(['bisect', 'log']).stdout
    s.write('all.log', saved)
    // The last mark was wrong: replay the log without it.
    s.write('fixed.log', saved.split('\n').filter((l) => !l.includes(ids.c12!)).join('\n'))
    s.ok(['bisect', 'bad', '-q', ids.c10!])
    const replayed = s.j(['bisect', 'replay', 'fixed.log'])
    assert.equal(replayed.state, 'testing')
    let log = s.j(['bisect', 'log'])
    assert.deepEqual([log.bad, log.good, log.skip, log.startBranch], [ids.c16, [ids.c1, ids.c6].sort(), [ids.c8], 'main'])
    assert.equal(s.ok(['rev-parse', 'HEAD']).stdout.trim(), replayed.current, 'the next commit to test is checked out')
    // From stdin, the whole log again: the same marks and the same log as made by hand.
    assert.equal(s.ok(['bisect', 'replay', '-q', '-'], {input: saved}).stdout, '')
    log = s.j(['bisect', 'log'])
    assert.deepEqual([log.bad, log.good, log.skip], [ids.c12, [ids.c1, ids.c6].sort(), [ids.c8]])
    assert.deepEqual(log.log.filter((l: string) => !l.startsWith('# first bad')), saved.trim().split('\n').filter((l) => !l.startsWith('# first bad')))
    // A line replay does not know, or a commit this repository lacks: refused, the bisection as it was.
    s.write('bad.log', `${saved}bl bisect frob ${ids.c2}\n`)
    failsWith(s, ['bisect', 'replay', 'bad.log'], 2, 'INVALID_ARGUMENT')
    s.write('unknown.log', `bl bisect start\nbl bisect bad ${'e'.repeat(64)}\n`)
    failsWith(s, ['bisect', 'replay', 'unknown.log'], 4, 'UNKNOWN_REVISION')
    failsWith(s, ['bisect', 'replay', 'missing.log'], 4, 'PATH_NOT_FOUND')
    assert.deepEqual(s.j(['bisect', 'log']), log)
  })
})
