/**
 * BlackLake benchmark harness.
 *
 *   npm run bench -- [--only D1,D2,D3,BIG,HIST,REMOTE,TABLES,BROWSE] [--runs N] [--tools bl,cp,git,restic] [--no-big] [--keep]
 *
 * Generates deterministic data sets (reused between runs), then for each data set and each run
 * gives every tool a fresh work tree / repository and times: the first commit, a no-change status,
 * incremental commits (with store growth), a checkout into an empty work tree and the status after
 * it. Peers run in the same process run, interleaved per run, so ratios share the machine's state.
 * Reports medians with the min..max spread, PASS/FAIL per target, and writes everything to
 * <data root>/results.json.
 * HIST times merge-base on a 10,000-commit history (bench/history.ts), a merge of two branches of
 * D2's 50,000 files, and a merge of D3's CSV edited on both branches (bench/merge.ts).
 * REMOTE pushes and clones D1, D2 and D3 through the S3 test server, against rclone (bench/remote.ts).
 * BROWSE times `bl browse` in tmux: start-up and the first screen of 1 GiB files (bench/browse.ts).
 * TABLES times a row diff of two versions of a 1,000,000-row CSV and `bl stats` of D3's CSV (bench/tables.ts).
 * Exit code is 0 even when targets fail (this is a report).
 *
 * Noise on the development VM (a Firecracker guest under PVM with free-page reporting): memory
 * freed in the guest goes back to the host within seconds, and the first touch of such a page
 * costs a host fault, so writing new bytes into the page cache is 3-5x slower in a rested machine
 * than right after a big deletion (cp -r of D1: 0.23-0.28 s warm, 1.08-1.50 s rested; how much
 * varies with the host). A cp step that follows the previous tool's scratch deletion gets warm
 * pages. Compare write-heavy figures only within one run, and expect 2x swings between runs.
 */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {D1_FILE_SIZE, D2_DIR_COUNT, D2_FILE_SIZE, GEN_VERSION, d1Name, d2Name, datasetFootprint, editRowInPlace, ensureDataset, randomBlock, type DatasetId, type DatasetInfo} from './gen.js'
import {Runner, commandVersion, syncDisks} from './measure.js'
import {benchHistory, HIST_COMMITS, type HistoryResult} from './history.js'
import {benchContentMerge, benchMerge, type MergeBench} from './merge.js'
import {benchRemote, printRemoteTable, remoteTargets, type RemoteBench} from './remote.js'
import {benchTables, tablesTargets, type TablesBench} from './tables.js'
import {benchBrowse, browseTargets, type BrowseBench} from './browse.js'
import {ALL_TOOLS, blTool, cpTool, gitTool, resticTool, storeInfo, type StepResult, type Tool, type ToolCtx, type ToolName} from './tools.js'
import {GiB, MB, MiB, compareManifests, emptyWorkTree, warm, fmtBytes, fmtRss, fmtSeconds, fmtSummary, freeDiskBytes, manifest, padTable, rmrf, summarize, type Summary, type Target, type Unit} from './util.js'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const REPO_ROOT = path.resolve(BENCH_DIR, '..')
const BL_BIN = path.resolve(process.env.BENCH_BL_BIN || path.join(REPO_ROOT, 'bin', 'run.js'))
const ALL_DATASETS: readonly DatasetId[] = ['D1', 'D2', 'D3', 'BIG']
const BIG_MIN_FREE = 20 * GiB
const RSS_LIMIT = 300 * MB

// ------------------------------------------------------------------ options

interface Options {
  only: DatasetId[]
  /** The HIST step (merge-base on 10,000 commits). */
  hist: boolean
  /** The REMOTE step (push / clone through the S3 test server). */
  remote: boolean
  /** The TABLES step (row diff of a 1,000,000-row CSV, stats of D3's CSV). */
  tables: boolean
  /** The BROWSE step (bl browse in tmux: start-up, first screen of 1 GiB files). */
  browse: boolean
  runs: number
  tools: ToolName[]
  keep: boolean
  fullPeers: boolean
  dataRoot: string
}

function usage(): string {
  return `usage: npm run bench -- [options]
  --only D1,D2,D3,BIG,HIST,REMOTE,TABLES,BROWSE  data sets to run (default: all; BIG only when free disk >= 20 GiB);
                        HIST = merge-base on a 10,000-commit history built in-process, merges of
                        D2 (50,000 files) and of D3's CSV edited on both branches;
                        REMOTE = push / clone of D1, D2, D3 through the S3 test server vs rclone
                        (~2-4 min; rclone comparisons are skipped when rclone is not installed)
                        TABLES = bl diff --rows on two versions of a 1,000,000-row CSV and bl stats
                        of D3's CSV (generates D3 when missing)
                        BROWSE = bl browse in tmux: start-up and Enter -> first screen of a 1 GiB
                        CSV and a 1 GiB binary file (generates 2 GiB once)
  --runs N              timed runs per step, median reported (default 3; BIG always runs once)
  --tools bl,cp,git,restic  contenders (default: all that are installed; restic is only detected)
  --big / --no-big      force BIG on / off (also env BENCH_BIG=1 / BENCH_BIG=0); default on
  --full-peers          run git and restic N times on D1 and D3 too (default: once there, since
                        no target depends on them and git alone takes ~2.5 min per D3 run)
  --keep                keep the last run's work trees under <data root>/work for inspection
env: BENCH_DIR=<dir>    data root (default bench/.data)
     BENCH_BL_BIN=<file>  bl entry point (default bin/run.js of this checkout)`
}

function parseArgs(argv: string[]): Options {
  let only: DatasetId[] | null = null
  let hist = true
  let remote = true
  let tables = true
  let browse = true
  let runs = 3
  let tools: ToolName[] = [...ALL_TOOLS]
  let keep = false
  let fullPeers = false
  let big: boolean | null = process.env.BENCH_BIG === '0' ? false : process.env.BENCH_BIG ? true : null
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined) die(`${flag} needs a value`)
      return v
    }
    switch (flag) {
      case '--only':
      {
        const names = value()
          .split(',')
          .map((s) => s.trim().toUpperCase())
          .filter(Boolean)
        hist = names.includes('HIST')
        remote = names.includes('REMOTE')
        tables = names.includes('TABLES')
        browse = names.includes('BROWSE')
        only = names
          .filter((s) => s !== 'HIST' && s !== 'REMOTE' && s !== 'TABLES' && s !== 'BROWSE')
          .map((s) => {
            if (!(ALL_DATASETS as readonly string[]).includes(s)) die(`unknown data set ${s} (expected ${ALL_DATASETS.join(',')},HIST,REMOTE,TABLES,BROWSE)`)
            return s as DatasetId
          })
        break
      }
      case '--runs':
        runs = Number(value())
        if (!Number.isInteger(runs) || runs < 1) die('--runs needs a positive integer')
        break
      case '--tools':
        tools = value()
          .split(',')
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean)
          .map((s) => {
            if (!(ALL_TOOLS as readonly string[]).includes(s)) die(`unknown tool ${s} (expected ${ALL_TOOLS.join(',')})`)
            return s as ToolName
          })
        break
      case '--big':
        big = true
        break
      case '--no-big':
        big = false
        break
      case '--keep':
        keep = true
        break
      case '--full-peers':
        fullPeers = true
        break
      case '-h':
      case '--help':
        console.log(usage())
        process.exit(0)
        break
      default:
        die(`unknown option ${a}\n${usage()}`)
    }
  }
  let sel: DatasetId[] = only ?? [...ALL_DATASETS]
  if (big === false) sel = sel.filter((d) => d !== 'BIG')
  if (big === true && !sel.includes('BIG')) sel.push('BIG')
  const dataRoot = path.resolve(process.env.BENCH_DIR || path.join(BENCH_DIR, '.data'))
  return {only: ALL_DATASETS.filter((d) => sel.includes(d)), hist, remote, tables, browse, runs, tools, keep, fullPeers, dataRoot}
}

function die(msg: string): never {
  console.error(`bench: ${msg}`)
  process.exit(2)
}

// ------------------------------------------------------------------ mutations (incremental commits)

interface Mutation {
  key: string
  label: string
  /** applied to the work tree, untimed; returns the bytes changed */
  apply(wt: string, d: DatasetInfo): number
}

/** Replace a file with new content without touching the (possibly hard-linked) original inode. */
function replaceFile(file: string, data: Buffer): void {
  fs.rmSync(file, {force: true})
  fs.writeFileSync(file, data)
}

function mutationsFor(id: DatasetId): Mutation[] {
  switch (id) {
    case 'D1':
      return [
        {
          key: 'modify',
          label: 'rewrite 10 files (1%)',
          apply(wt) {
            for (let i = 0; i < 1000; i += 100) replaceFile(path.join(wt, d1Name(i)), randomBlock('D1-mod', i, D1_FILE_SIZE))
            return 10 * D1_FILE_SIZE
          },
        },
      ]
    case 'D2':
      return [
        {
          key: 'modify',
          label: `rewrite ${D2_DIR_COUNT} files (1%, one per dir)`,
          apply(wt) {
            for (let d = 0; d < D2_DIR_COUNT; d++) {
              const i = d * 100 + 50
              replaceFile(path.join(wt, d2Name(i)), randomBlock('D2-mod', i, D2_FILE_SIZE))
            }
            return D2_DIR_COUNT * D2_FILE_SIZE
          },
        },
      ]
    case 'D3':
      return [
        {
          key: 'append',
          label: '1% append',
          apply(wt, d) {
            fs.appendFileSync(path.join(wt, 'data.csv'), fs.readFileSync(d.aux!.appendFile))
            return d.aux!.appendBytes
          },
        },
        {
          key: 'editSame',
          label: 'one-row edit, same length (in place)',
          apply(wt, d) {
            const e = d.aux!.edit
            return editRowInPlace(path.join(wt, 'data.csv'), e.offset, e.oldRow, e.sameRow)
          },
        },
        {
          key: 'editDiff',
          label: 'one-row edit, longer row (file rewritten)',
          apply(wt, d) {
            const e = d.aux!.edit
            const file = path.join(wt, 'data.csv')
            const tmp = file + '.tmp'
            const src = fs.openSync(file, 'r')
            const dst = fs.openSync(tmp, 'w')
            try {
              const size = fs.fstatSync(src).size
              const cur = Buffer.alloc(e.sameRow.length)
              fs.readSync(src, cur, 0, cur.length, e.offset)
              if (cur.toString('latin1') !== e.sameRow) throw new Error('D3 edit: edited row not found at its offset')
              copyRange(src, dst, 0, e.offset)
              fs.writeSync(dst, Buffer.from(e.diffRow, 'latin1'))
              copyRange(src, dst, e.offset + e.sameRow.length, size)
            } finally {
              fs.closeSync(src)
              fs.closeSync(dst)
            }
            fs.renameSync(tmp, file)
            return e.diffRow.length
          },
        },
      ]
    case 'BIG':
      return []
  }
}

function copyRange(src: number, dst: number, from: number, to: number): void {
  const buf = Buffer.allocUnsafe(8 * MiB)
  let pos = from
  while (pos < to) {
    const n = fs.readSync(src, buf, 0, Math.min(buf.length, to - pos), pos)
    if (n <= 0) throw new Error('short read')
    fs.writeSync(dst, buf, 0, n)
    pos += n
  }
}

// ------------------------------------------------------------------ one (data set, tool, run)

interface ToolRun {
  run: number
  steps: Record<string, StepResult>
  error?: string
}

function errStep(error: string): StepResult {
  return {ok: false, wall: null, cpu: null, rss: null, cmds: [], error}
}

async function benchToolRun(
  runner: Runner,
  tool: Tool,
  d: DatasetInfo,
  run: number,
  workRoot: string,
  verifyContent: boolean,
  log: (m: string) => void,
): Promise<ToolRun> {
  const scratch = path.join(workRoot, `${d.id}-${tool.name}-r${run}`)
  rmrf(scratch)
  fs.mkdirSync(scratch, {recursive: true})
  const wt = path.join(scratch, 'wt')
  const c: ToolCtx = {runner, scratch, wt, src: d.dir, state: {}}
  const steps: Record<string, StepResult> = {}
  const out: ToolRun = {run, steps}
  const fail = (step: string, r: StepResult): ToolRun => {
    out.error = `${step}: ${r.error ?? 'failed'}`
    log(`    ${tool.label} r${run} ${step} FAILED: ${(r.error ?? '').split('\n')[0]}`)
    return out
  }
  try {
    if (tool.needsWorkTree) {
      // hard links are free and safe because every mutation replaces files; D3 is edited in
      // place, so it gets a real copy
      const cp = d.id === 'D3' ? ['cp', '-r', '--reflink=auto', d.dir, wt] : ['cp', '-al', d.dir, wt]
      const r = spawnSync(cp[0]!, cp.slice(1), {encoding: 'utf8'})
      if (r.status !== 0) return fail('setup', errStep(`${cp.join(' ')}: ${r.stderr}`))
    }
    if (tool.init) {
      steps.init = await tool.init(c)
      if (!steps.init.ok) return fail('init', steps.init)
    }

    warm(tool.needsWorkTree ? wt : d.dir)
    syncDisks()
    const first = await tool.firstCommit(c)
    steps.firstCommit = {...first, ...storeInfo(tool, c)}
    if (!first.ok) return fail('first commit', first)

    if (tool.status) {
      syncDisks()
      steps.status = await tool.status(c)
      if (!steps.status.ok) return fail('status', steps.status)
    }

    if (tool.commit) {
      for (const m of mutationsFor(d.id)) {
        const before = storeInfo(tool, c).storeBytes
        const changedBytes = m.apply(wt, d)
        syncDisks()
        const r = await tool.commit(c, m.label)
        const after = storeInfo(tool, c)
        steps[`commit:${m.key}`] = {...r, ...after, growth: after.storeBytes - before, changedBytes}
        if (!r.ok) return fail(`commit (${m.label})`, r)
      }
    }

    if (tool.checkout) {
      const expected = manifest(wt, {exclude: tool.vcsDir ? [tool.vcsDir] : [], hash: verifyContent})
      if (tool.vcsDir) emptyWorkTree(wt, [tool.vcsDir], path.join(scratch, 'trash'))
      warm(tool.storeDir(c))
      syncDisks()
      const {step, restoredRoot} = await tool.checkout(c)
      if (step.ok) {
        const actual = manifest(restoredRoot, {exclude: tool.vcsDir ? [tool.vcsDir] : [], hash: verifyContent})
        step.verify = compareManifests(expected, actual)
        if (step.verify) {
          step.ok = false
          step.error = `checkout produced a different tree: ${step.verify}`
        }
      }
      steps.checkout = step
      if (!step.ok) return fail('checkout', step)
      // The status a user runs next: only the files written in the checkout's last second may be
      // hashed again (racily clean, in bl as in git); the rest must be trusted by their stat.
      if (tool.status && restoredRoot === c.wt) {
        syncDisks()
        steps.statusAfterCheckout = await tool.status(c)
        if (!steps.statusAfterCheckout.ok) return fail('status after checkout', steps.statusAfterCheckout)
      }
    }
    return out
  } catch (e) {
    out.error = `harness error: ${(e as Error).stack ?? e}`
    log(`    ${tool.label} r${run} harness error: ${(e as Error).message}`)
    return out
  }
}

// ------------------------------------------------------------------ aggregation

interface Row {
  label: string
  unit: Unit
  get: (r: ToolRun) => number | null | undefined
}

function stepWall(key: string): (r: ToolRun) => number | null {
  return (r) => (r.steps[key]?.ok ? r.steps[key]!.wall : null)
}

function rowsFor(d: DatasetInfo): Row[] {
  const rows: Row[] = [
    {label: 'first commit time', unit: 'seconds', get: stepWall('firstCommit')},
    {label: 'first commit throughput', unit: 'rate', get: (r) => (r.steps.firstCommit?.ok && r.steps.firstCommit.wall ? d.bytes / r.steps.firstCommit.wall : null)},
    {label: 'first commit CPU (user+sys)', unit: 'seconds', get: (r) => (r.steps.firstCommit?.ok ? r.steps.firstCommit.cpu : null)},
    {label: 'first commit peak RSS', unit: 'rss', get: (r) => r.steps.firstCommit?.rss},
    {label: 'store size after first commit', unit: 'bytes', get: (r) => (r.steps.firstCommit?.ok ? r.steps.firstCommit.storeBytes : null)},
    {label: 'no-change status time', unit: 'seconds', get: stepWall('status')},
    {label: 'status peak RSS', unit: 'rss', get: (r) => r.steps.status?.rss},
  ]
  for (const m of mutationsFor(d.id)) {
    const k = `commit:${m.key}`
    rows.push({label: `${m.label}: commit time`, unit: 'seconds', get: stepWall(k)})
    rows.push({label: `${m.label}: store growth`, unit: 'bytes', get: (r) => (r.steps[k]?.ok ? r.steps[k]!.growth : null)})
    rows.push({label: `${m.label}: peak RSS`, unit: 'rss', get: (r) => r.steps[k]?.rss})
  }
  rows.push({label: 'checkout into empty work tree', unit: 'seconds', get: stepWall('checkout')})
  rows.push({label: 'checkout peak RSS', unit: 'rss', get: (r) => r.steps.checkout?.rss})
  rows.push({label: 'status right after checkout', unit: 'seconds', get: stepWall('statusAfterCheckout')})
  rows.push({label: 'status after checkout peak RSS', unit: 'rss', get: (r) => r.steps.statusAfterCheckout?.rss})
  rows.push({label: 'peak RSS, any step', unit: 'rss', get: (r) => maxRss(r)})
  rows.push({label: 'noise: other CPU load during a step (max)', unit: 'percent', get: (r) => maxForeignLoad(r)})
  return rows
}

/** Largest share of the machine's CPU capacity used by other processes during one timed step. */
function maxForeignLoad(r: ToolRun): number | null {
  let m: number | null = null
  for (const [k, s] of Object.entries(r.steps)) {
    if (k === 'init' || s.foreignCpu == null || !s.wall || s.wall < 0.05) continue
    m = Math.max(m ?? 0, s.foreignCpu / (s.wall * os.cpus().length))
  }
  return m
}

function maxRss(r: ToolRun): number | null {
  let m: number | null = null
  for (const s of Object.values(r.steps)) if (s.rss !== null) m = Math.max(m ?? 0, s.rss)
  return m
}

interface DatasetResult {
  id: DatasetId
  description: string
  files: number
  bytes: number
  appendBytes?: number
  runs: number
  runsByTool: Partial<Record<ToolName, number>>
  tools: Partial<Record<ToolName, {runs: ToolRun[]; summary: Record<string, Summary | null>}>>
  skipped?: string
}

// ------------------------------------------------------------------ targets


function med(ds: DatasetResult | undefined, tool: ToolName, label: string): number | null {
  return ds?.tools[tool]?.summary[label]?.median ?? null
}

function firstError(ds: DatasetResult | undefined, tool: ToolName): string | null {
  for (const r of ds?.tools[tool]?.runs ?? []) if (r.error) return r.error.split('\n')[0]!
  return null
}

function evalTargets(res: Partial<Record<DatasetId, DatasetResult>>): Target[] {
  const t: Target[] = []
  const ratio = (id: string, text: string, ds: DatasetId, label: string, peer: ToolName, limit: number, strict: boolean): void => {
    const d = res[ds]
    if (!d || d.skipped) return
    const b = med(d, 'bl', label)
    const p = med(d, peer, label === 'checkout into empty work tree' && peer === 'cp' ? 'first commit time' : label)
    const threshold = `${strict ? '<' : '<='} ${limit.toFixed(2)}x ${peer}`
    if (p === null) {
      t.push({id, text, verdict: 'SKIP', measured: d.tools[peer] ? `${peer} failed: ${firstError(d, peer) ?? 'no data'}` : `${peer} not run/installed`, threshold, value: null, limit})
      return
    }
    if (b === null) {
      t.push({id, text, verdict: 'FAIL', measured: `bl error: ${firstError(d, 'bl') ?? 'no data'}`, threshold, value: null, limit})
      return
    }
    const v = b / p
    const pass = strict ? v < limit : v <= limit
    t.push({id, text, verdict: pass ? 'PASS' : 'FAIL', measured: `${v.toFixed(2)}x (bl ${fmtSeconds(b)} vs ${peer} ${fmtSeconds(p)})`, threshold, value: v, limit})
  }
  const abs = (id: string, text: string, ds: DatasetId, label: string, cmp: 'le' | 'ge', limit: number, unit: Unit, fmtLimit: string, agg: 'median' | 'max' = 'median'): void => {
    const d = res[ds]
    if (!d || d.skipped) return
    const s = d.tools.bl?.summary[label]
    const v = s ? (agg === 'max' ? s.max : s.median) : null
    const threshold = `${cmp === 'le' ? '<=' : '>='} ${fmtLimit}`
    if (v === null || v === undefined) {
      t.push({id, text, verdict: 'FAIL', measured: `bl error: ${firstError(d, 'bl') ?? 'no data'}`, threshold, value: null, limit})
      return
    }
    const pass = cmp === 'le' ? v <= limit : v >= limit
    t.push({id, text, verdict: pass ? 'PASS' : 'FAIL', measured: fmtSummary(s ?? null, unit) + (agg === 'max' ? ' (max)' : ''), threshold, value: v, limit})
  }

  ratio('D1.first', 'D1 first commit vs cp -r', 'D1', 'first commit time', 'cp', 2, false)
  ratio('D2.first.restic', 'D2 first commit faster than restic backup', 'D2', 'first commit time', 'restic', 1, true)
  ratio('D2.first.git', 'D2 first commit faster than git add + commit', 'D2', 'first commit time', 'git', 1, true)
  abs('D2.status', 'D2 no-change bl status', 'D2', 'no-change status time', 'le', 0.5, 'seconds', '0.50 s')
  abs('D3.first', 'D3 first commit throughput', 'D3', 'first commit throughput', 'ge', 400 * MB, 'rate', '400 MB/s')
  abs('D3.editSame', 'D3 one-row edit (same length): store growth', 'D3', 'one-row edit, same length (in place): store growth', 'le', 1 * MiB, 'bytes', '1.00 MiB')
  abs('D3.editDiff', 'D3 one-row edit (longer row): store growth', 'D3', 'one-row edit, longer row (file rewritten): store growth', 'le', 1 * MiB, 'bytes', '1.00 MiB')
  const d3 = res.D3
  if (d3 && !d3.skipped && d3.appendBytes) {
    abs('D3.append', `D3 1% append: store growth (appended ${fmtBytes(d3.appendBytes)})`, 'D3', '1% append: store growth', 'le', 1.2 * d3.appendBytes, 'bytes', `${fmtBytes(1.2 * d3.appendBytes)} (1.2x appended)`)
  }
  ratio('D1.checkout', 'D1 checkout into empty work tree vs cp -r', 'D1', 'checkout into empty work tree', 'cp', 2, false)
  for (const ds of ALL_DATASETS) {
    const d = res[ds]
    if (!d) continue
    if (d.skipped) {
      t.push({id: `${ds}.rss`, text: `${ds} peak RSS of every bl step`, verdict: 'SKIP', measured: d.skipped, threshold: `<= ${fmtRss(RSS_LIMIT)}`, value: null, limit: RSS_LIMIT})
      continue
    }
    const runs = d.tools.bl?.runs ?? []
    let worst: {rss: number; step: string} | null = null
    for (const r of runs) for (const [k, s] of Object.entries(r.steps)) if (s.rss !== null && (!worst || s.rss > worst.rss)) worst = {rss: s.rss, step: k}
    const anyErr = runs.some((r) => r.error)
    const text = `${ds} peak RSS of every bl step${ds === 'BIG' ? ' (single 4 GiB file)' : ''}`
    if (!worst) {
      t.push({id: `${ds}.rss`, text, verdict: 'FAIL', measured: `bl error: ${firstError(d, 'bl') ?? 'no data'}`, threshold: `<= ${fmtRss(RSS_LIMIT)}`, value: null, limit: RSS_LIMIT})
      continue
    }
    const pass = worst.rss <= RSS_LIMIT && !anyErr
    t.push({
      id: `${ds}.rss`,
      text,
      verdict: pass ? 'PASS' : 'FAIL',
      measured: `${fmtRss(worst.rss)} (max, at ${worst.step})${anyErr ? '; some bl steps failed' : ''}`,
      threshold: `<= ${fmtRss(RSS_LIMIT)}`,
      value: worst.rss,
      limit: RSS_LIMIT,
    })
  }
  return t
}

const HIST_LIMIT = 0.2

/** merge-base on 10,000 commits: CommitGraph.mergeBases (median, cold graph) <= 200 ms. */
function historyTarget(h: HistoryResult): Target {
  const text = `merge-base on ${h.commits.toLocaleString('en')} commits (criss-cross tips, walk to the fork near the root)`
  const threshold = `<= ${(HIST_LIMIT * 1000).toFixed(0)} ms`
  const v = h.mergeBases?.median ?? null
  if (v === null || h.error) return {id: 'HIST.mergeBase', text, verdict: 'FAIL', measured: `error: ${h.error ?? 'no data'}`, threshold, value: v, limit: HIST_LIMIT}
  const cli = h.cli ? `; CLI wall ${(h.cli.median * 1000).toFixed(0)} ms (info)` : ''
  return {id: 'HIST.mergeBase', text, verdict: v <= HIST_LIMIT ? 'PASS' : 'FAIL', measured: `${(v * 1000).toFixed(1)} ms${cli}`, threshold, value: v, limit: HIST_LIMIT}
}

const MERGE_LIMIT = 2

/** Merging two branches of the 50,000-file tree: <= 2 s, and peak RSS within the global limit. */
function mergeTargets(m: MergeBench): Target[] {
  const text = 'merge of two branches of a 50,000-file tree, 100 files changed on each'
  if (!m.wall || m.error) {
    const err = `error: ${m.error ?? 'no data'}`
    return [
      {id: 'HIST.merge', text, verdict: 'FAIL', measured: err, threshold: '<= 2 s', value: null, limit: MERGE_LIMIT},
      {id: 'HIST.merge.rss', text: `${text}: peak RSS`, verdict: 'FAIL', measured: err, threshold: `<= ${fmtRss(RSS_LIMIT)}`, value: null, limit: RSS_LIMIT},
    ]
  }
  const rss = m.rss?.max ?? null
  return [
    {id: 'HIST.merge', text, verdict: m.wall.median <= MERGE_LIMIT ? 'PASS' : 'FAIL', measured: `${fmtSeconds(m.wall.median)} [${fmtSeconds(m.wall.min)}..${fmtSeconds(m.wall.max)}]`, threshold: '<= 2 s', value: m.wall.median, limit: MERGE_LIMIT},
    {id: 'HIST.merge.rss', text: `${text}: peak RSS`, verdict: rss === null ? 'SKIP' : rss <= RSS_LIMIT ? 'PASS' : 'FAIL', measured: rss === null ? 'not measured' : fmtRss(rss), threshold: `<= ${fmtRss(RSS_LIMIT)}`, value: rss, limit: RSS_LIMIT},
  ]
}

const CONTENT_MERGE_LIMIT = 5

/** Merging D3's CSV edited on both branches: <= 5 s, and peak RSS within the global limit. */
function contentMergeTargets(m: MergeBench): Target[] {
  const text = 'merge of a 512 MiB CSV edited on two branches (3 rows each, 2 in one chunk)'
  const wall = m.wall && !m.error ? m.wall : null
  const err = `error: ${m.error ?? 'no data'}`
  const rss = wall ? (m.rss?.max ?? null) : null
  return [
    {id: 'HIST.mergeCsv', text, verdict: wall && wall.median <= CONTENT_MERGE_LIMIT ? 'PASS' : 'FAIL', measured: wall ? `${fmtSeconds(wall.median)} [${fmtSeconds(wall.min)}..${fmtSeconds(wall.max)}]` : err, threshold: '<= 5 s', value: wall?.median ?? null, limit: CONTENT_MERGE_LIMIT},
    {id: 'HIST.mergeCsv.rss', text: `${text}: peak RSS`, verdict: !wall ? 'FAIL' : rss === null ? 'SKIP' : rss <= RSS_LIMIT ? 'PASS' : 'FAIL', measured: !wall ? err : rss === null ? 'not measured' : fmtRss(rss), threshold: `<= ${fmtRss(RSS_LIMIT)}`, value: rss, limit: RSS_LIMIT},
  ]
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2))
  const t0 = performance.now()
  const log = (m: string): void => console.log(m)
  fs.mkdirSync(opts.dataRoot, {recursive: true})
  const workRoot = path.join(opts.dataRoot, 'work')
  rmrf(workRoot)
  fs.mkdirSync(workRoot, {recursive: true})
  const runner = new Runner()

  const toolsAll: Tool[] = [cpTool(), blTool(BL_BIN), gitTool(), resticTool()]
  const tools = toolsAll.filter((t) => opts.tools.includes(t.name))

  const blBuilt = fs.existsSync(path.join(path.dirname(BL_BIN), '..', 'dist', 'commands'))
  const blHelp = blBuilt ? spawnSync(process.execPath, [BL_BIN, '--help'], {encoding: 'utf8'}) : null
  const blOk = Boolean(blHelp && blHelp.status === 0)

  log('BlackLake benchmark')
  log(`  machine: ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, ${(os.totalmem() / GiB).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}, node ${process.version}`)
  log(`  data root: ${opts.dataRoot} (generator v${GEN_VERSION}); runs per step: ${opts.runs} (median, [min..max] = noise)`)
  log(`  peak RSS via ${runner.method}; page cache NOT dropped (no root): all figures are warm-cache; \`sync\` runs (untimed) before each timed step`)
  for (const t of toolsAll) {
    const status = !opts.tools.includes(t.name) ? 'not selected' : t.name === 'bl' ? (blOk ? `built (${t.version ?? '?'})` : `NOT WORKING (${t.reason ?? 'bl --help failed'}); bl steps will be reported as errors`) : t.available ? (t.version ?? 'available') : `skipped: ${t.reason}`
    log(`  ${t.label.padEnd(7)} ${status}`)
  }

  const results: Partial<Record<DatasetId, DatasetResult>> = {}
  const deferred: string[] = []
  const kept: string[] = []
  for (const id of opts.only) {
    log('')
    log(`== ${id} ==`)
    if (id === 'BIG') {
      const free = freeDiskBytes(opts.dataRoot)
      if (free < BIG_MIN_FREE) {
        const msg = `skipped: free disk ${fmtBytes(free)} < ${fmtBytes(BIG_MIN_FREE)} (needs ~${fmtBytes(datasetFootprint('BIG') * 3)})`
        log(`  BIG ${msg}`)
        results.BIG = {id, description: 'one 4 GiB random file', files: 1, bytes: datasetFootprint('BIG'), runs: 0, runsByTool: {}, tools: {}, skipped: msg}
        continue
      }
    }
    const d = ensureDataset(opts.dataRoot, id, log)
    log(`  ${d.description}: ${d.files} files, ${fmtBytes(d.bytes)}${d.generated ? '' : ' (reused)'}`)
    // BIG is about memory, not speed: one run, bl and cp only
    const runs = id === 'BIG' ? 1 : opts.runs
    const dsTools = tools.filter((t) => t.available && (id !== 'BIG' || t.name === 'bl' || t.name === 'cp'))
    const dr: DatasetResult = {id, description: d.description, files: d.files, bytes: d.bytes, appendBytes: d.aux?.appendBytes, runs, runsByTool: {}, tools: {}}
    for (const t of dsTools) dr.tools[t.name] = {runs: [], summary: {}}
    // Targets compare bl with cp -r (D1), git and restic (D2); elsewhere git and restic are
    // informational and slow (git recompresses the whole 512 MiB CSV on every D3 commit), so they
    // run once unless --full-peers.
    const toolRuns = (t: Tool): number => ((t.name === 'git' || t.name === 'restic') && id !== 'D2' && !opts.fullPeers ? 1 : runs)
    for (const t of dsTools) dr.runsByTool[t.name] = toolRuns(t)
    for (let run = 1; run <= runs; run++) {
      for (const t of dsTools) {
        if (run > toolRuns(t)) continue
        const ts = performance.now()
        const tr = await benchToolRun(runner, t, d, run, workRoot, run === 1, log)
        dr.tools[t.name]!.runs.push(tr)
        const fc = tr.steps.firstCommit
        log(`  run ${run}/${toolRuns(t)} ${t.label.padEnd(7)} first ${fc?.ok && fc.wall !== null ? fmtSeconds(fc.wall) : 'ERR'}  (${((performance.now() - ts) / 1000).toFixed(1)} s incl. setup)`)
        const scratch = path.join(workRoot, `${id}-${t.name}-r${run}`)
        // Deleting ~100k small files makes this kernel's next ~50k file creations pay ~0.5 ms of
        // sys time each (seen here on ext4 with online discard): keep D2's trees until the end so
        // that the deletion's after-effects do not land in another tool's timed step.
        if (opts.keep && run === toolRuns(t)) kept.push(scratch)
        else if (id === 'D2') deferred.push(scratch)
        else rmrf(scratch)
      }
    }
    const rows = rowsFor(d)
    for (const t of dsTools) {
      const tr = dr.tools[t.name]!
      for (const row of rows) tr.summary[row.label] = summarize(tr.runs.map(row.get))
    }
    results[id] = dr
    printTable(dr, rows, dsTools)
  }

  let history: HistoryResult | undefined
  let mergeBench: MergeBench | undefined
  let contentMergeBench: MergeBench | undefined
  if (opts.hist) {
    log('')
    log(`== HIST: merge-base on ${HIST_COMMITS.toLocaleString('en')} commits ==`)
    history = await benchHistory(runner, BL_BIN, workRoot, opts.runs, log)
    const ms = (s: Summary | null): string => (s ? `${(s.median * 1000).toFixed(1)} ms [${(s.min * 1000).toFixed(1)}..${(s.max * 1000).toFixed(1)}]` : 'ERR')
    log(`  CommitGraph.mergeBases, criss-cross tips (2 bases): ${ms(history.mergeBases)}`)
    log(`  CommitGraph.mergeBases, branch tips (fork near the root): ${ms(history.forkBase)}`)
    log(`  bl merge-base --all (CLI wall, incl. start-up): ${ms(history.cli)}`)
    if (history.error) log(`  error: ${history.error}`)
    log('')
    log('== HIST: merge of two branches of a 50,000-file tree (100 files changed on each) ==')
    const d2 = ensureDataset(opts.dataRoot, 'D2', log)
    const env = {...process.env, BL_AUTHOR_NAME: 'Bench Mark', BL_AUTHOR_EMAIL: 'bench@example.com', BL_CONFIG_DIR: path.join(workRoot, 'merge-config')}
    mergeBench = await benchMerge(runner, BL_BIN, d2.dir, path.join(workRoot, 'merge-50k'), opts.runs, env, log)
    log(`  bl merge (CLI wall): ${mergeBench.wall ? fmtSeconds(mergeBench.wall.median) : 'ERR'}; peak RSS ${mergeBench.rss ? fmtRss(mergeBench.rss.max) : 'n/a'}`)
    if (mergeBench.error) log(`  error: ${mergeBench.error}`)
    log('')
    log('== HIST: merge of D3\'s 512 MiB CSV edited on two branches (3 rows each, 2 in one chunk) ==')
    const d3 = ensureDataset(opts.dataRoot, 'D3', log)
    contentMergeBench = await benchContentMerge(runner, BL_BIN, d3.dir, path.join(workRoot, 'merge-csv'), opts.runs, env, log)
    log(`  bl merge (CLI wall): ${contentMergeBench.wall ? fmtSeconds(contentMergeBench.wall.median) : 'ERR'}; peak RSS ${contentMergeBench.rss ? fmtRss(contentMergeBench.rss.max) : 'n/a'}`)
    if (contentMergeBench.error) log(`  error: ${contentMergeBench.error}`)
  }

  let remoteBench: RemoteBench | undefined
  if (opts.remote) {
    log('')
    log('== REMOTE: push / clone through the S3 test server ==')
    remoteBench = await benchRemote(runner, BL_BIN, opts.dataRoot, workRoot, opts.runs, log)
    printRemoteTable(remoteBench, log)
  }

  let tablesBench: TablesBench | undefined
  if (opts.tables) {
    log('')
    log('== TABLES: row diff of a 1,000,000-row CSV; stats of D3 ==')
    const env = {...process.env, BL_AUTHOR_NAME: 'Bench Mark', BL_AUTHOR_EMAIL: 'bench@example.com', BL_CONFIG_DIR: path.join(workRoot, 'tables-config')}
    tablesBench = await benchTables(runner, BL_BIN, opts.dataRoot, workRoot, opts.runs, env, log)
  }

  let browseBench: BrowseBench | undefined
  if (opts.browse) {
    log('')
    log('== BROWSE: bl browse in tmux: start-up, first screen of 1 GiB files ==')
    const env = {...process.env, BL_AUTHOR_NAME: 'Bench Mark', BL_AUTHOR_EMAIL: 'bench@example.com', BL_CONFIG_DIR: path.join(workRoot, 'browse-config')}
    browseBench = await benchBrowse(BL_BIN, opts.dataRoot, workRoot, opts.runs, env, log)
    if (browseBench.error) log(`  error: ${browseBench.error}`)
    if (browseBench.skipped) log(`  skipped: ${browseBench.skipped}`)
  }

  const targets = evalTargets(results)
  if (history) targets.push(historyTarget(history))
  if (mergeBench) targets.push(...mergeTargets(mergeBench))
  if (contentMergeBench) targets.push(...contentMergeTargets(contentMergeBench))
  if (remoteBench) targets.push(...remoteTargets(remoteBench, RSS_LIMIT))
  if (tablesBench) targets.push(...tablesTargets(tablesBench))
  if (browseBench) targets.push(...browseTargets(browseBench))
  log('')
  log('== targets (medians; ratios from the same run) ==')
  for (const t of targets) log(`${t.verdict.padEnd(4)}  ${t.text}: ${t.measured}  [target ${t.threshold}]`)
  const nFail = targets.filter((t) => t.verdict === 'FAIL').length
  const nPass = targets.filter((t) => t.verdict === 'PASS').length
  log(`${nPass} passed, ${nFail} FAILED, ${targets.length - nPass - nFail} skipped`)

  const errors: string[] = []
  for (const d of Object.values(results)) for (const [tn, tr] of Object.entries(d?.tools ?? {})) for (const r of tr?.runs ?? []) if (r.error) errors.push(`${d!.id} ${tn} run ${r.run}: ${r.error}`)
  for (const e of remoteBench?.errors ?? []) errors.push(`REMOTE ${e}`)
  if (errors.length) {
    log('')
    log('== errors ==')
    const seen = new Set<string>()
    for (const e of errors) {
      const key = e.replace(/ run \d+:/, ':')
      if (seen.has(key)) continue
      seen.add(key)
      log(e)
    }
  }

  const out = {
    generatedAt: new Date().toISOString(),
    totalSeconds: (performance.now() - t0) / 1000,
    machine: {cpu: os.cpus()[0]?.model, cores: os.cpus().length, memBytes: os.totalmem(), platform: `${os.platform()} ${os.release()}`, node: process.version},
    options: opts,
    generatorVersion: GEN_VERSION,
    measurement: {
      rssMethod: runner.method,
      notes: [
        'page cache not dropped (no root assumed): all figures are warm-cache',
        '`sync` runs (untimed) before each timed step',
        'first commit = add + commit (bl: `bl add -A` + `bl commit`; git: `git add -A` + `git commit`; restic: `backup`; cp: `cp -r`); init is untimed',
        'store size = sum of file sizes under .bl / .git / restic repo after the step',
        'checkout = delete the work tree except the metadata dir, then `bl checkout -f <branch>` / `git checkout -f`; restic: `restore latest` into an empty dir; cp: the cp -r time',
        'git runs with gc.auto=0 (no background gc) and no system/global config',
        'BIG runs once with bl and cp only',
        'git and restic run once on D1 and D3 (informational, slow) unless --full-peers; N times on D2',
        'work trees: hard links of the data set (every mutation replaces files), a real copy for D3; checkout empties the work tree by renaming into a trash dir (mass deletion right before a timed step skews it on this kernel); D2 trees are deleted at the end',
        'noise row: CPU used by other processes and kernel threads during a timed step, as a share of all cores (/proc/stat)',
        'MB = 10^6 bytes (throughput, RSS limit); MiB = 2^20',
        'REMOTE: S3 test server (s3rver behind the test proxy, which receives each request body whole before forwarding) in a child process on 127.0.0.1; pushes run once (each needs a fresh prefix), D1 clones once, D2 clones N times; rclone (env-var remote, defaults) is the peer; remote size = sum of s3rver object files under the prefix',
      ],
    },
    tools: Object.fromEntries(toolsAll.map((t) => [t.name, {selected: opts.tools.includes(t.name), available: t.name === 'bl' ? blOk : t.available, version: t.version, reason: t.reason ?? null}])),
    datasets: results,
    history: history ?? null,
    merge: mergeBench ?? null,
    contentMerge: contentMergeBench ?? null,
    remote: remoteBench ?? null,
    tables: tablesBench ?? null,
    browse: browseBench ?? null,
    targets,
  }
  runner.dispose()
  const tc = performance.now()
  for (const dir of deferred) rmrf(dir)
  if (!opts.keep) rmrf(workRoot)
  const cleanupSeconds = (performance.now() - tc) / 1000
  out.totalSeconds = (performance.now() - t0) / 1000
  const resultsFile = path.join(opts.dataRoot, 'results.json')
  fs.writeFileSync(resultsFile, JSON.stringify({...out, cleanupSeconds}, null, 2) + '\n')
  log('')
  if (kept.length) log(`kept work trees: ${kept.join(' ')}`)
  log(`results: ${resultsFile}  (total ${fmtSeconds(out.totalSeconds)}, of which cleanup ${fmtSeconds(cleanupSeconds)})`)
}

function printTable(d: DatasetResult, rows: Row[], tools: Tool[]): void {
  console.log('')
  console.log(`${d.id}: ${d.description} (${d.files} files, ${fmtBytes(d.bytes)} = ${(d.bytes / MB).toFixed(0)} MB); median [min..max] over the runs`)
  const header = ['metric', ...tools.map((t) => `${t.label} (${d.runsByTool[t.name] ?? d.runs} run${(d.runsByTool[t.name] ?? d.runs) === 1 ? '' : 's'})`)]
  const body: string[][] = []
  for (const row of rows) {
    const cells = tools.map((t) => {
      const tr = d.tools[t.name]!
      if (row.label === 'checkout into empty work tree' && t.name === 'cp') return `${fmtSummary(tr.summary['first commit time'] ?? null, 'seconds')} (cp -r)`
      const s = tr.summary[row.label] ?? null
      if (s) return fmtSummary(s, row.unit)
      // distinguish "not applicable" from "failed"
      const attempted = tr.runs.some((r) => r.error)
      return attempted && applicable(t, row.label) ? 'ERR' : '-'
    })
    if (cells.every((c) => c === '-')) continue
    body.push([row.label, ...cells])
  }
  console.log(padTable([header, ...body]))
  for (const t of tools) {
    for (const [step, after] of [['status', 'commit'], ['statusAfterCheckout', 'checkout']] as const) {
      const dirty = (d.tools[t.name]?.runs ?? []).filter((r) => r.steps[step]?.clean === false).map((r) => r.run)
      if (dirty.length) console.log(`note: ${t.label} status did not report a clean work tree right after the ${after} (run ${dirty.join(', ')})`)
    }
  }
}

function applicable(t: Tool, label: string): boolean {
  if (t.name === 'cp') return label.startsWith('first commit') || label.startsWith('store size') || label.startsWith('peak RSS')
  if (label.includes('status')) return Boolean(t.status)
  return true
}

await main()
