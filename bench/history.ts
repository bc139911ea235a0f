/**
 * The HIST step: merge-base on a 10,000-commit history. Builds it in-process through the core API
 * (root, a 5-commit trunk, two 4,995-commit branches with interleaved commit times, criss-cross
 * merges on top: the worst case, since the walk must paint both branches down to the trunk), then
 * times `CommitGraph.mergeBases` on the two criss-cross tips with a cold graph (commits read and
 * decoded from SQLite) in one read snapshot, as `bl merge-base` runs it, and, for information, the wall time of `bl merge-base --all` (process
 * start-up included).
 */
import fs from 'node:fs'
import path from 'node:path'
import {CommitGraph} from '../src/core/graph.js'
import type {Oid} from '../src/core/hash.js'
import {commitId, encodeCommit, type Commit} from '../src/core/objects/commit.js'
import {init} from '../src/core/ops/init.js'
import {updateRefs} from '../src/core/refs/refs.js'
import {openRepo} from '../src/core/repo.js'
import {writeTree} from '../src/core/tree-build.js'
import type {Runner} from './measure.js'
import {blCommand, rmrf, summarize, type Summary} from './util.js'

export const HIST_COMMITS = 10_000
const BRANCH = (HIST_COMMITS - 10) / 2
const T0 = 1_700_000_000

export interface HistoryResult {
  commits: number
  /** seconds to build the history (untimed for the target) */
  buildSeconds: number
  /** CommitGraph.mergeBases on the criss-cross tips, seconds per run */
  mergeBases: Summary | null
  /** the same on the two branch tips (one base near the root) */
  forkBase: Summary | null
  /** wall seconds of `bl merge-base --all a b` */
  cli: Summary | null
  error?: string
}

export async function benchHistory(runner: Runner, blBin: string, workRoot: string, runs: number, log: (m: string) => void): Promise<HistoryResult> {
  const dir = path.join(workRoot, 'hist')
  rmrf(dir)
  fs.mkdirSync(dir, {recursive: true})
  const ctx = {cwd: dir, env: {}, userConfigDir: path.join(dir, '.cfg'), now: () => new Date(T0 * 1000)}
  const tb = performance.now()
  init(ctx, {})
  let repo = openRepo(ctx)
  let seq = 0
  const ids = repo.store.transaction(() => {
    const tree = writeTree(repo.store, [])
    const mk = (parents: Oid[]): Oid => {
      const who = {name: 'bench', email: 'bench@example.com', time: T0 + ++seq, tz: 0}
      const c: Commit = {tree, parents, author: who, committer: who, message: `c${seq}\n`, meta: {}}
      const id = commitId(c)
      repo.store.putObject(id, 'commit', encodeCommit(c))
      return id
    }
    let t = mk([])
    for (let i = 0; i < 5; i++) t = mk([t])
    const fork = t
    let a = fork
    let b = fork
    for (let i = 0; i < BRANCH; i++) {
      a = mk([a])
      b = mk([b])
    }
    const ma = mk([a, b])
    const mb = mk([b, a])
    const tips = {ca: mk([ma]), cb: mk([mb]), aTip: a, bTip: b, fork}
    updateRefs(repo, [
      {ref: 'refs/heads/a', to: tips.ca, message: 'bench'},
      {ref: 'refs/heads/b', to: tips.cb, message: 'bench'},
    ])
    return tips
  })
  repo.close()
  const buildSeconds = (performance.now() - tb) / 1000
  log(`  built ${seq} commits in ${buildSeconds.toFixed(2)} s`)

  const out: HistoryResult = {commits: seq, buildSeconds, mergeBases: null, forkBase: null, cli: null}
  const times: number[] = []
  const forkTimes: number[] = []
  try {
    for (let r = 0; r < runs; r++) {
      repo = openRepo(ctx)
      try {
        // As `bl merge-base` runs it: inside one read snapshot of the store.
        let t = performance.now()
        const bases = repo.store.snapshot(() => new CommitGraph(repo.store).mergeBases(ids.ca, ids.cb))
        times.push((performance.now() - t) / 1000)
        if (bases.join() !== [ids.bTip, ids.aTip].join()) throw new Error(`wrong merge bases: ${bases.join(', ')}`)
        t = performance.now()
        const fork = repo.store.snapshot(() => new CommitGraph(repo.store).mergeBases(ids.aTip, ids.bTip))
        forkTimes.push((performance.now() - t) / 1000)
        if (fork.join() !== ids.fork) throw new Error(`wrong fork point: ${fork.join(', ')}`)
      } finally {
        repo.close()
      }
    }
    const cliTimes: number[] = []
    for (let r = 0; r < runs; r++) {
      const res = await runner.run([...blCommand(blBin), 'merge-base', '--all', 'a', 'b'], {cwd: dir, env: {...process.env, BL_CONFIG_DIR: ctx.userConfigDir}})
      if (res.rc !== 0 || res.stdout.trim() !== `${ids.bTip}\n${ids.aTip}`) throw new Error(`bl merge-base exited ${res.rc}: ${(res.stderr || res.stdout).trim().slice(0, 300)}`)
      cliTimes.push(res.wall)
    }
    out.cli = summarize(cliTimes)
  } catch (e) {
    out.error = (e as Error).message
  }
  out.mergeBases = summarize(times)
  out.forkBase = summarize(forkTimes)
  rmrf(dir)
  return out
}
