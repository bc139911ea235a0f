/**
 * Small helpers for the benchmark harness: statistics, formatting and file-system walks.
 * Only node: builtins.
 */
import {spawnSync} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/**
 * How to start bl: its script run as a program, as `bl` and `npx bl` start it (its first lines tune
 * the C allocator and exec node; see bin/run.js), or `node <script>` for a script without the
 * exec bit (BENCH_BL_BIN pointing at another checkout's file).
 */
export function blCommand(blBin: string): string[] {
  try {
    fs.accessSync(blBin, fs.constants.X_OK)
    return [blBin]
  } catch {
    return [process.execPath, blBin]
  }
}

export const KiB = 1024
export const MiB = 1024 * KiB
export const GiB = 1024 * MiB
/** Decimal megabyte: throughput (MB/s) and the RSS limit (300 MB) use it. */
export const MB = 1e6

// ---------------------------------------------------------------- statistics

export interface Summary {
  n: number
  median: number
  min: number
  max: number
}

export function summarize(values: readonly (number | null | undefined)[]): Summary | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  const mid = v.length >> 1
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2
  return {n: v.length, median, min: v[0]!, max: v[v.length - 1]!}
}

// ---------------------------------------------------------------- targets

export type Verdict = 'PASS' | 'FAIL' | 'SKIP'

/** One benchmark target as printed (PASS/FAIL/SKIP) and saved in results.json. */
export interface Target {
  id: string
  text: string
  verdict: Verdict
  measured: string
  threshold: string
  value: number | null
  limit: number
}

// ---------------------------------------------------------------- formatting

export function fmtSeconds(s: number): string {
  if (s < 0.1) return `${(s * 1000).toFixed(0)} ms`
  if (s < 10) return `${s.toFixed(2)} s`
  if (s < 100) return `${s.toFixed(1)} s`
  return `${s.toFixed(0)} s`
}

export function fmtBytes(b: number): string {
  const neg = b < 0
  const a = Math.abs(b)
  let s: string
  if (a < KiB) s = `${a} B`
  else if (a < MiB) s = `${(a / KiB).toFixed(1)} KiB`
  else if (a < GiB) s = `${(a / MiB).toFixed(a < 10 * MiB ? 2 : 1)} MiB`
  else s = `${(a / GiB).toFixed(2)} GiB`
  return neg ? `-${s}` : s
}

export function fmtRate(bytesPerSec: number): string {
  return `${(bytesPerSec / MB).toFixed(0)} MB/s`
}

export function fmtRss(bytes: number): string {
  return `${(bytes / MB).toFixed(0)} MB`
}

export type Unit = 'seconds' | 'bytes' | 'rate' | 'rss' | 'ratio' | 'percent'

export function fmtValue(v: number, unit: Unit): string {
  switch (unit) {
    case 'seconds':
      return fmtSeconds(v)
    case 'bytes':
      return fmtBytes(v)
    case 'rate':
      return fmtRate(v)
    case 'rss':
      return fmtRss(v)
    case 'ratio':
      return `${v.toFixed(2)}x`
    case 'percent':
      return `${(v * 100).toFixed(0)}%`
  }
}

/** "median [min-max]" when there is a spread, else just the value. */
export function fmtSummary(s: Summary | null, unit: Unit): string {
  if (!s) return '-'
  const med = fmtValue(s.median, unit)
  let lo = fmtValue(s.min, unit)
  let hi = fmtValue(s.max, unit)
  if (s.n < 2 || lo === hi) return med
  // "0.98 s [0.65-1.31]": drop the unit from the spread when it is the median's
  const u = / [^\d\s.-]+$/.exec(med)?.[0]
  if (u && lo.endsWith(u) && hi.endsWith(u)) {
    lo = lo.slice(0, -u.length)
    hi = hi.slice(0, -u.length)
  }
  return `${med} [${lo}-${hi}]`
}

export function padTable(rows: string[][]): string {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)))
  return rows
    .map((r, ri) => {
      const line = r.map((c, i) => c.padEnd(widths[i]!)).join(' | ').trimEnd()
      return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('-+-')}` : line
    })
    .join('\n')
}

// ---------------------------------------------------------------- file system

/** Sum of st_size of every regular file under dir (0 when it does not exist). */
export function dirBytes(dir: string): number {
  let total = 0
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, {withFileTypes: true})
  } catch {
    return 0
  }
  for (const e of entries) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) total += dirBytes(p)
    else if (e.isFile()) total += fs.statSync(p).size
  }
  return total
}

/** Per-file sizes of the top level of a directory (used to show the SQLite db / -wal split). */
export function topFiles(dir: string): Record<string, number> {
  const out: Record<string, number> = {}
  try {
    for (const e of fs.readdirSync(dir, {withFileTypes: true})) if (e.isFile()) out[e.name] = fs.statSync(path.join(dir, e.name)).size
  } catch {
    /* missing */
  }
  return out
}

export function rmrf(p: string): void {
  if (!fs.existsSync(p)) return
  // GNU rm is markedly faster than fs.rmSync on trees of 100k files
  const r = spawnSync('rm', ['-rf', '--', p], {stdio: 'ignore'})
  if (r.status !== 0 || fs.existsSync(p)) fs.rmSync(p, {recursive: true, force: true, maxRetries: 3})
}

export function freeDiskBytes(dir: string): number {
  const s = fs.statfsSync(dir)
  return s.bavail * s.bsize
}

/**
 * Empty a work tree except the named entries (e.g. `.bl`, `.git`) by moving everything into
 * `trash` (same file system: renames only). Deleting 50,000 files right before a timed step
 * would put the file system's deferred work from the deletion into that step on some kernels;
 * the trash is deleted after the run, untimed.
 */
export function emptyWorkTree(dir: string, keep: readonly string[], trash: string): void {
  fs.mkdirSync(trash, {recursive: true})
  for (const name of fs.readdirSync(dir)) if (!keep.includes(name)) fs.renameSync(path.join(dir, name), path.join(trash, name))
}

/** Read every file under dir once (untimed), so a timed step starts from a warm page cache. */
export function warm(dir: string): void {
  const buf = Buffer.allocUnsafe(4 * MiB)
  const walk = (abs: string): void => {
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(abs, {withFileTypes: true})
    } catch {
      return
    }
    for (const e of entries) {
      const p = path.join(abs, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) {
        const fd = fs.openSync(p, 'r')
        try {
          while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
        } finally {
          fs.closeSync(fd)
        }
      }
    }
  }
  walk(dir)
}

export interface ManifestEntry {
  size: number
  hash?: string
}
export type Manifest = Map<string, ManifestEntry>

/**
 * Relative path -> size (and a content hash when `hash`): whole-file SHA-1 up to 64 MiB, beyond
 * that SHA-1 of 17 evenly spread 64 KiB samples (enough to catch a wrong or truncated checkout).
 */
export function manifest(dir: string, opts: {exclude?: readonly string[]; hash?: boolean} = {}): Manifest {
  const out: Manifest = new Map()
  const walk = (abs: string, rel: string): void => {
    for (const e of fs.readdirSync(abs, {withFileTypes: true})) {
      if (rel === '' && opts.exclude?.includes(e.name)) continue
      const a = path.join(abs, e.name)
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) walk(a, r)
      else if (e.isFile()) {
        const size = fs.statSync(a).size
        out.set(r, opts.hash ? {size, hash: hashFile(a, size)} : {size})
      }
    }
  }
  walk(dir, '')
  return out
}

function hashFile(file: string, size: number): string {
  const h = crypto.createHash('sha1')
  const fd = fs.openSync(file, 'r')
  try {
    if (size <= 64 * MiB) {
      const buf = Buffer.allocUnsafe(Math.min(size, 8 * MiB) || 1)
      let pos = 0
      while (pos < size) {
        const n = fs.readSync(fd, buf, 0, buf.length, pos)
        if (n <= 0) break
        h.update(buf.subarray(0, n))
        pos += n
      }
    } else {
      const buf = Buffer.allocUnsafe(64 * KiB)
      for (let i = 0; i <= 16; i++) {
        const pos = Math.min(size - buf.length, Math.floor(((size - buf.length) * i) / 16))
        const n = fs.readSync(fd, buf, 0, buf.length, pos)
        h.update(buf.subarray(0, n))
      }
    }
  } finally {
    fs.closeSync(fd)
  }
  return h.digest('hex')
}

/** Empty string when equal, else a short description of the first differences. */
export function compareManifests(expected: Manifest, actual: Manifest): string {
  const problems: string[] = []
  for (const [p, e] of expected) {
    const a = actual.get(p)
    if (!a) problems.push(`missing ${p}`)
    else if (a.size !== e.size) problems.push(`${p}: size ${a.size} != ${e.size}`)
    else if (e.hash && a.hash && e.hash !== a.hash) problems.push(`${p}: content differs`)
    if (problems.length >= 5) break
  }
  for (const p of actual.keys()) {
    if (problems.length >= 5) break
    if (!expected.has(p)) problems.push(`unexpected ${p}`)
  }
  if (problems.length === 0) return ''
  return `${problems.join('; ')} (expected ${expected.size} files, got ${actual.size})`
}

export function tail(text: string, lines = 6, maxChars = 800): string {
  const t = text.trim().split('\n').slice(-lines).join('\n')
  return t.length > maxChars ? '...' + t.slice(-maxChars) : t
}
