/**
 * TABLES: the table commands on big files.
 *
 * - Row diff (issue 7's target): a deterministic 1,000,000-row CSV and a copy with 1,000 rows
 *   touched (600 changed, 200 removed, 200 added), both committed; timed:
 *   `bl diff --rows --key id HEAD~1 HEAD -- t.csv --json`, target <= 15 s and <= 500 MB peak RSS.
 *   Informational: the same matched by content (no key), counts only.
 * - `bl stats` of D3's 512 MiB CSV as a work-tree file (never cached), target <= 10 s.
 *
 * The CSVs live under <data root>/TABLES (reused between runs); the repositories are built untimed.
 */
import fs from 'node:fs'
import path from 'node:path'
import {ensureDataset, sfc32} from './gen.js'
import type {Runner} from './measure.js'
import {MB, blCommand, fmtRss, fmtSeconds, rmrf, summarize, type Summary, type Target} from './util.js'

const ROWS = 1_000_000
const TOUCHED = 1000
const GEN_VERSION = 1
export const ROW_DIFF_LIMIT = 15
export const ROW_DIFF_RSS = 500 * MB
export const STATS_LIMIT = 10

export interface TimedStep {
  wall: Summary | null
  rss: Summary | null
  error?: string
}

export interface TablesBench {
  rows: number
  bytes: number
  expected: {added: number; removed: number; changed: number}
  rowDiff: TimedStep
  rowDiffContent: TimedStep
  stats: TimedStep & {bytes?: number}
}

const CATEGORIES = ['grocery', 'electronics', 'apparel', 'home', 'garden', 'toys', 'sports', 'books']
const WORDS = 'sensor reading stable after calibration drift noted near inlet valve pressure spike late delivery refund issued quality check passed'.split(' ')

class Writer {
  private readonly buf = Buffer.allocUnsafe(8 << 20)
  private pos = 0
  bytes = 0
  private readonly fd: number
  constructor(file: string) {
    this.fd = fs.openSync(file, 'w')
  }
  write(s: string): void {
    if (this.pos + s.length * 3 > this.buf.length) this.flush()
    const n = this.buf.write(s, this.pos, 'utf8')
    this.pos += n
    this.bytes += n
  }
  flush(): void {
    if (this.pos) fs.writeSync(this.fd, this.buf, 0, this.pos)
    this.pos = 0
  }
  close(): void {
    this.flush()
    fs.closeSync(this.fd)
  }
}

/** Which rows the second version touches: id -> 'changed' | 'removed' | 'added' (a new row after it). */
function touched(): Map<number, 'changed' | 'removed' | 'added'> {
  const m = new Map<number, 'changed' | 'removed' | 'added'>()
  const kinds = ['changed', 'changed', 'changed', 'removed', 'added'] as const
  for (let i = 0; i < TOUCHED; i++) m.set(500 + i * 997, kinds[i % 5]!)
  return m
}

function genTables(dir: string): {bytes: number} {
  fs.mkdirSync(dir, {recursive: true})
  const r = sfc32(0x51ed270b, 0x27d4eb2f, 0x165667b1, 0xd3a2646c)
  const a = new Writer(path.join(dir, 'v1.csv'))
  const b = new Writer(path.join(dir, 'v2.csv'))
  const header = 'id,day,sensor_id,temperature_c,amount,category,comment\n'
  a.write(header)
  b.write(header)
  const touch = touched()
  let added = 0
  for (let id = 1; id <= ROWS; id++) {
    const day = `2024-${String(1 + (id % 12)).padStart(2, '0')}-${String(1 + (id % 28)).padStart(2, '0')}`
    const n = 2 + Math.floor(r() * 6)
    let comment = WORDS[Math.floor(r() * WORDS.length)]!
    for (let i = 1; i < n; i++) comment += (r() < 0.1 ? ', ' : ' ') + WORDS[Math.floor(r() * WORDS.length)]!
    const amount = (r() * 10000).toFixed(2)
    const rest = `${1 + Math.floor(r() * 5000)},${(r() * 65 - 20).toFixed(2)}`
    const cat = CATEGORIES[Math.floor(r() * CATEGORIES.length)]!
    const row = `${id},${day},${rest},${amount},${cat},"${comment}"\n`
    a.write(row)
    const t = touch.get(id)
    if (t === 'removed') continue
    if (t === 'changed') b.write(`${id},${day},${rest},${(Number(amount) + 1).toFixed(2)},${cat},"${comment}"\n`)
    else b.write(row)
    if (t === 'added') b.write(`${ROWS + ++added},${day},${rest},${amount},${cat},"inserted row ${added}"\n`)
  }
  a.close()
  b.close()
  return {bytes: a.bytes}
}

function ensureTables(root: string, log: (m: string) => void): {dir: string; bytes: number} {
  const dir = path.join(root, 'TABLES')
  const marker = path.join(root, 'markers', 'TABLES.json')
  try {
    const m = JSON.parse(fs.readFileSync(marker, 'utf8')) as {version: number; bytes: number; v2: number}
    if (m.version === GEN_VERSION && fs.statSync(path.join(dir, 'v1.csv')).size === m.bytes && fs.statSync(path.join(dir, 'v2.csv')).size === m.v2) return {dir, bytes: m.bytes}
  } catch {
    // (re)generate
  }
  rmrf(dir)
  log(`  TABLES: generating two versions of a ${ROWS.toLocaleString('en')}-row CSV under ${dir} ...`)
  const t0 = performance.now()
  const {bytes} = genTables(dir)
  fs.mkdirSync(path.dirname(marker), {recursive: true})
  fs.writeFileSync(marker, JSON.stringify({version: GEN_VERSION, bytes, v2: fs.statSync(path.join(dir, 'v2.csv')).size}) + '\n')
  log(`  TABLES: generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return {dir, bytes}
}

export async function benchTables(runner: Runner, blBin: string, dataRoot: string, workRoot: string, runs: number, env: NodeJS.ProcessEnv, log: (m: string) => void): Promise<TablesBench> {
  const {dir, bytes} = ensureTables(dataRoot, log)
  const expected = {added: TOUCHED / 5, removed: TOUCHED / 5, changed: (TOUCHED * 3) / 5}
  const out: TablesBench = {rows: ROWS, bytes, expected, rowDiff: {wall: null, rss: null}, rowDiffContent: {wall: null, rss: null}, stats: {wall: null, rss: null}}
  const repo = path.join(workRoot, 'tables-rowdiff')
  const run = async (cwd: string, ...args: string[]) => {
    const r = await runner.run([...blCommand(blBin), ...args], {cwd, env})
    if (r.rc !== 0) throw new Error(`bl ${args.join(' ')} failed (${r.rc}): ${r.stderr.trim().split('\n')[0]}`)
    return r
  }
  const time = async (step: TimedStep, label: string, args: string[], check: (stdout: string) => void, cwd: string): Promise<void> => {
    const walls: number[] = []
    const rss: number[] = []
    try {
      for (let i = 0; i < runs; i++) {
        const r = await run(cwd, ...args)
        check(r.stdout)
        walls.push(r.wall)
        if (r.rss !== null) rss.push(r.rss)
        log(`  ${label}: run ${i + 1}/${runs}: ${fmtSeconds(r.wall)}, peak RSS ${r.rss === null ? 'n/a' : fmtRss(r.rss)}`)
      }
    } catch (err) {
      step.error = (err as Error).message
      log(`  ${label}: error: ${step.error}`)
    }
    step.wall = summarize(walls)
    step.rss = summarize(rss)
  }
  try {
    rmrf(repo)
    fs.mkdirSync(repo, {recursive: true})
    log('  row diff: committing both versions (untimed)')
    await run(repo, 'init', '-q')
    fs.copyFileSync(path.join(dir, 'v1.csv'), path.join(repo, 't.csv'))
    await run(repo, 'add', '-A', '-q')
    await run(repo, 'commit', '-q', '-m', 'v1')
    fs.copyFileSync(path.join(dir, 'v2.csv'), path.join(repo, 't.csv'))
    await run(repo, 'commit', '-q', '-a', '-m', 'v2')
    await time(
      out.rowDiff,
      'bl diff --rows --key id HEAD~1 HEAD -- t.csv --json',
      ['diff', '--rows', '--key', 'id', 'HEAD~1', 'HEAD', '--json', '--', 't.csv'],
      (stdout) => {
        const res = JSON.parse(stdout).result
        const c = res.counts
        if (c.added !== expected.added || c.removed !== expected.removed || c.changed !== expected.changed || res.changed.length !== expected.changed || res.removed.length !== expected.removed)
          throw new Error(`unexpected counts ${JSON.stringify(c)}`)
      },
      repo,
    )
    await time(
      out.rowDiffContent,
      'bl diff --rows HEAD~1 HEAD -- t.csv (by content, counts)',
      ['diff', '--rows', 'HEAD~1', 'HEAD', '--json', '--limit', '0', '--', 't.csv'],
      (stdout) => {
        const c = JSON.parse(stdout).result.counts
        // A changed row is a removed one plus an added one when rows match by content.
        if (c.added !== expected.added + expected.changed || c.removed !== expected.removed + expected.changed) throw new Error(`unexpected counts ${JSON.stringify(c)}`)
      },
      repo,
    )
  } catch (err) {
    out.rowDiff.error ??= (err as Error).message
    log(`  row diff: error: ${(err as Error).message}`)
  } finally {
    rmrf(repo)
  }

  // stats of D3's CSV as a work-tree file: computed every time (only committed files are cached).
  const statsRepo = path.join(workRoot, 'tables-stats')
  try {
    const d3 = ensureDataset(dataRoot, 'D3', log)
    rmrf(statsRepo)
    fs.mkdirSync(statsRepo, {recursive: true})
    await run(statsRepo, 'init', '-q')
    const csv = path.join(statsRepo, 'data.csv')
    try {
      fs.linkSync(path.join(d3.dir, 'data.csv'), csv)
    } catch {
      fs.copyFileSync(path.join(d3.dir, 'data.csv'), csv)
    }
    out.stats.bytes = fs.statSync(csv).size
    await time(
      out.stats,
      'bl stats data.csv (D3, work tree)',
      ['stats', 'data.csv', '--json'],
      (stdout) => {
        const res = JSON.parse(stdout).result
        if (res.kind !== 'table' || res.rows < 1_000_000 || res.cached) throw new Error(`unexpected stats ${stdout.slice(0, 200)}`)
      },
      statsRepo,
    )
  } catch (err) {
    out.stats.error ??= (err as Error).message
  } finally {
    rmrf(statsRepo)
  }
  return out
}

export function tablesTargets(t: TablesBench): Target[] {
  const out: Target[] = []
  const text = `row diff of a ${t.rows.toLocaleString('en')}-row CSV (${(t.bytes / MB).toFixed(0)} MB), 1,000 rows touched, --key id --json`
  const err = (s: TimedStep): string => `error: ${s.error ?? 'no data'}`
  const w = t.rowDiff.wall
  out.push(
    w && !t.rowDiff.error
      ? {id: 'TABLES.rowDiff', text, verdict: w.median <= ROW_DIFF_LIMIT ? 'PASS' : 'FAIL', measured: `${fmtSeconds(w.median)} [${fmtSeconds(w.min)}..${fmtSeconds(w.max)}]`, threshold: `<= ${ROW_DIFF_LIMIT} s`, value: w.median, limit: ROW_DIFF_LIMIT}
      : {id: 'TABLES.rowDiff', text, verdict: 'FAIL', measured: err(t.rowDiff), threshold: `<= ${ROW_DIFF_LIMIT} s`, value: null, limit: ROW_DIFF_LIMIT},
  )
  const rss = t.rowDiff.rss?.max ?? null
  out.push({
    id: 'TABLES.rowDiff.rss',
    text: `${text}: peak RSS`,
    verdict: t.rowDiff.error ? 'FAIL' : rss === null ? 'SKIP' : rss <= ROW_DIFF_RSS ? 'PASS' : 'FAIL',
    measured: t.rowDiff.error ? err(t.rowDiff) : rss === null ? 'not measured' : fmtRss(rss),
    threshold: `<= ${fmtRss(ROW_DIFF_RSS)}`,
    value: rss,
    limit: ROW_DIFF_RSS,
  })
  const sText = `bl stats of D3's CSV${t.stats.bytes ? ` (${(t.stats.bytes / MB).toFixed(0)} MB)` : ''}, work-tree file (uncached)`
  const s = t.stats.wall
  out.push(
    s && !t.stats.error
      ? {id: 'TABLES.stats', text: sText, verdict: s.median <= STATS_LIMIT ? 'PASS' : 'FAIL', measured: `${fmtSeconds(s.median)} [${fmtSeconds(s.min)}..${fmtSeconds(s.max)}]; peak RSS ${t.stats.rss ? fmtRss(t.stats.rss.max) : 'n/a'}`, threshold: `<= ${STATS_LIMIT} s`, value: s.median, limit: STATS_LIMIT}
      : {id: 'TABLES.stats', text: sText, verdict: 'FAIL', measured: err(t.stats), threshold: `<= ${STATS_LIMIT} s`, value: null, limit: STATS_LIMIT},
  )
  return out
}
