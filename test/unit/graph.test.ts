/**
 * CommitGraph on a 10,000-commit history built in-process: two long branches diverging near the
 * root, criss-cross merges on top, and an unrelated root. Checks the answers of mergeBases,
 * isAncestor and range (not their speed: bench/run.ts --only HIST times them).
 */
import {before, after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {CommitGraph} from '../../src/core/graph.ts'
import type {Oid} from '../../src/core/hash.ts'
import {commitId, encodeCommit, type Commit} from '../../src/core/objects/commit.ts'
import {init} from '../../src/core/ops/init.ts'
import {openRepo, type Repo} from '../../src/core/repo.ts'
import {writeTree} from '../../src/core/tree-build.ts'

const T0 = 1_700_000_000
const BRANCH = 4995

describe('CommitGraph on 10,000 commits', () => {
  let dir = ''
  let repo: Repo
  let tree: Oid
  let seq = 0
  /** Writes a commit with the given parents; committer time is `time` (default: the next second). */
  const mk = (parents: Oid[], time = T0 + ++seq): Oid => {
    const who = {name: 'g', email: 'g@example.com', time, tz: 0}
    const c: Commit = {tree, parents, author: who, committer: who, message: `c${seq}\n`, meta: {}}
    const id = commitId(c)
    repo.store.putObject(id, 'commit', encodeCommit(c))
    return id
  }

  // root - t1..t5 (trunk) - then branches a (a1..a4995) and b (b1..b4995), interleaved in time
  let root: Oid
  let fork: Oid
  const a: Oid[] = []
  const b: Oid[] = []
  // criss-cross on top: ma = merge(aTip, bTip), mb = merge(bTip, aTip), then one commit on each
  let ma: Oid, mb: Oid, ca: Oid, cb: Oid
  let lonely: Oid

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-graph-'))
    const ctx = {cwd: dir, env: {}, userConfigDir: path.join(dir, '.cfg'), now: () => new Date(T0 * 1000)}
    init(ctx, {})
    repo = openRepo(ctx)
    repo.store.transaction(() => {
      tree = writeTree(repo.store, [])
      root = mk([])
      let t = root
      for (let i = 0; i < 5; i++) t = mk([t])
      fork = t
      let pa = fork
      let pb = fork
      for (let i = 0; i < BRANCH; i++) {
        a.push((pa = mk([pa])))
        b.push((pb = mk([pb])))
      }
      ma = mk([pa, pb])
      mb = mk([pb, pa])
      ca = mk([ma])
      cb = mk([mb])
      lonely = mk([])
    })
    assert.equal(seq, 6 + 2 * BRANCH + 5, 'history size')
    assert.ok(seq >= 10_000)
  })
  after(() => {
    repo.close()
    fs.rmSync(dir, {recursive: true, force: true})
  })

  it('finds the fork point of two long branches', () => {
    const g = new CommitGraph(repo.store)
    assert.deepEqual(g.mergeBases(a.at(-1)!, b.at(-1)!), [fork])
    assert.deepEqual(g.mergeBases(b.at(-1)!, a.at(-1)!), [fork])
    assert.deepEqual(g.mergeBases(a[0]!, b.at(-1)!), [fork])
    // One commit an ancestor of the other: it is the base.
    assert.deepEqual(g.mergeBases(a[100]!, a.at(-1)!), [a[100]])
    assert.deepEqual(g.mergeBases(root, b.at(-1)!), [root])
    assert.deepEqual(g.mergeBases(ca, ca), [ca])
  })

  it('finds both best bases of a criss-cross history, newest first', () => {
    const g = new CommitGraph(repo.store)
    // bTip was written after aTip (interleaved times), so it comes first.
    assert.deepEqual(g.mergeBases(ca, cb), [b.at(-1)!, a.at(-1)!])
    assert.deepEqual(g.mergeBases(ma, mb), [b.at(-1)!, a.at(-1)!])
    // Against one merge, the other side's tip alone is the base.
    assert.deepEqual(g.mergeBases(ca, b.at(-1)!), [b.at(-1)])
  })

  it('finds the best bases of one commit and several others at once (merge_bases_many, for the fork point)', () => {
    const g = new CommitGraph(repo.store)
    // As if a[10] and b[20] were the parents of one merge: the newest commit both a[3000] reaches
    // and one of them reaches is a[10] itself.
    assert.deepEqual(g.mergeBasesMany(a[3000]!, [a[10]!, b[20]!]), [a[10]])
    assert.deepEqual(g.mergeBasesMany(a[3000]!, [b[20]!, b[30]!]), [fork])
    // Several values on a's line: the newest one a[3000] contains wins over the older ones; one
    // that contains a[3000] makes a[3000] itself the base.
    assert.deepEqual(g.mergeBasesMany(a[3000]!, [a[5]!, a[2000]!]), [a[2000]])
    assert.deepEqual(g.mergeBasesMany(a[3000]!, [a[5]!, a[2000]!, a[4000]!]), [a[3000]])
    assert.deepEqual(g.mergeBasesMany(ca, [a[1]!, ca]), [ca])
    assert.deepEqual(g.mergeBasesMany(lonely, [a[1]!, b[1]!]), [])
  })

  it('finds no base for unrelated histories', () => {
    const g = new CommitGraph(repo.store)
    assert.deepEqual(g.mergeBases(lonely, ca), [])
  })

  it('answers ancestry across the whole history', () => {
    const g = new CommitGraph(repo.store)
    assert.equal(g.isAncestor(root, ca), true)
    assert.equal(g.isAncestor(fork, b.at(-1)!), true)
    assert.equal(g.isAncestor(a[0]!, cb), true, 'through the second parent of mb')
    assert.equal(g.isAncestor(a[0]!, b.at(-1)!), false)
    assert.equal(g.isAncestor(b.at(-1)!, a.at(-1)!), false)
    assert.equal(g.isAncestor(ca, ma), false, 'a child is not an ancestor')
    assert.equal(g.isAncestor(ma, mb), false)
    assert.equal(g.isAncestor(lonely, ca), false)
    assert.equal(g.isAncestor(ca, ca), true)
  })

  it('computes ranges (a..b, a...b) with every commit before its parents', () => {
    const g = new CommitGraph(repo.store)
    const aTip = a.at(-1)!
    const bTip = b.at(-1)!
    const onlyA = g.range([aTip], [bTip])
    assert.equal(onlyA.length, BRANCH)
    assert.deepEqual(new Set(onlyA), new Set(a))
    assert.deepEqual(onlyA, [...a].reverse(), 'a linear branch comes newest first')
    assert.deepEqual(new Set(g.range([bTip], [aTip])), new Set(b))
    // Symmetric difference: both branches, not their base.
    const sym = g.range([aTip, bTip], g.mergeBases(aTip, bTip))
    assert.equal(sym.length, 2 * BRANCH)
    // Over the criss-cross: one side's merge and its child; from a tip, the whole other branch too.
    assert.deepEqual(g.range([ca], [cb]), [ca, ma])
    const fromTip = g.range([ca], [aTip])
    assert.equal(fromTip.length, BRANCH + 2)
    assert.deepEqual(new Set(fromTip), new Set([ca, ma, ...b]))
    const everything = g.range([ca, cb], [])
    assert.equal(everything.length, seq - 1, 'all but the unrelated root')
    const pos = new Map(everything.map((id, i) => [id, i]))
    for (const id of everything) for (const p of g.parents(id)) assert.ok(pos.get(p)! > pos.get(id)!, 'parent after child')
    assert.deepEqual(g.range([ca], [ca]), [])
  })
})
