/**
 * What a progress display says, as pure functions of counters and a clock: the rate over a
 * sliding window, the ETA, and the text. The Ink view and the plain-line printer both take their
 * words from here, so a terminal and a CI log say the same thing.
 */
import {formatBytes} from '../../core/units.js'

export interface Counter {
  done: number
  /** null while unknown (e.g. a push knows its objects but not their packed size). */
  total: number | null
}

/** One moment of a piece of work, as a view draws it. */
export interface ProgressSnapshot {
  /** The command, e.g. `add`, `push`. */
  label: string
  /** The stage inside it, e.g. `writing`; null when there is one stage. */
  phase: string | null
  /** What `files` counts: `files` or `objects`. */
  unit: string
  files: Counter
  bytes: Counter
  /** Bytes per second over the recent window; null until it can be measured. */
  rate: number | null
  /** Seconds left; null when unknown. */
  eta: number | null
}

export interface Rates {
  /** Files (or objects) per second. */
  files: number
  bytes: number
}

interface Sample {
  t: number
  files: number
  bytes: number
}

/**
 * Rates over the last `windowMs`: recent speed, not the average since the start, so the ETA
 * follows a transfer that slows down or stalls. Samples closer than `resolutionMs` are merged
 * (a big add reports every 1 MiB read; thousands of samples would buy nothing).
 */
export class RateWindow {
  private samples: Sample[] = []

  constructor(
    readonly windowMs = 5000,
    readonly resolutionMs = 100,
  ) {}

  record(t: number, files: number, bytes: number): void {
    // Nothing done yet (a directory scan before the totals): the clock starts with the work.
    if (files === 0 && bytes === 0) {
      this.samples = [{t, files, bytes}]
      return
    }
    const last = this.samples.at(-1)
    if (!last || t - last.t >= this.resolutionMs) this.samples.push({t, files, bytes})
    // Keep one sample at or before the window's start: it is the base the rates are measured from.
    while (this.samples.length > 1 && this.samples[1]!.t <= t - this.windowMs) this.samples.shift()
  }

  /** Rates from the window's base sample up to (t, files, bytes); null until `resolutionMs` has passed. */
  rate(t: number, files: number, bytes: number): Rates | null {
    let base = this.samples[0]
    for (const s of this.samples) if (s.t <= t - this.windowMs) base = s
    if (!base || t - base.t < this.resolutionMs) return null
    const secs = (t - base.t) / 1000
    return {files: (files - base.files) / secs, bytes: (bytes - base.bytes) / secs}
  }

  reset(): void {
    this.samples = []
  }
}

/**
 * Seconds left: by bytes when their total is known (a dataset's files differ wildly in size),
 * else by count (a push knows how many objects, not how many bytes). null when stalled or unknown.
 */
export function estimateEta(files: Counter, bytes: Counter, rates: Rates | null): number | null {
  if (!rates) return null
  if (bytes.total !== null && bytes.total > bytes.done && rates.bytes > 0) return (bytes.total - bytes.done) / rates.bytes
  if (files.total !== null && files.total > files.done && rates.files > 0) return (files.total - files.done) / rates.files
  return null
}

/** `42s`, `3m05s`, `2h07m` (whole seconds, rounded up: an ETA never promises too early). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** Elapsed time for a summary: tenths under a minute (`0.8s`), else as formatDuration. */
export function formatElapsed(ms: number): string {
  return ms < 60_000 ? `${(Math.max(0, ms) / 1000).toFixed(1)}s` : formatDuration(ms / 1000)
}

/** Done fraction in [0, 1]: by bytes when their total is known and non-zero, else by count. */
export function fraction(files: Counter, bytes: Counter): number | null {
  const f = (c: Counter): number | null => (c.total !== null && c.total > 0 ? Math.min(1, c.done / c.total) : null)
  return f(bytes) ?? f(files)
}

/** The pieces of a progress line, as text; a view lays them out, `progressLine` joins them. */
export interface ProgressFigures {
  /** `label: ` plus the phase, e.g. `clone: writing `. */
  prefix: string
  /** `120/300 files`; null for an objects phase with nothing counted yet. */
  count: string | null
  /** `1.2 MiB/3.0 MiB`. */
  bytes: string
  /** `40%`, or null without totals. */
  percent: string | null
  /** `2.0 MiB/s`. */
  rate: string | null
  /** `ETA 3s`. */
  eta: string | null
  /** Done fraction for a bar, in [0, 1]. */
  fraction: number | null
}

export function figures(s: ProgressSnapshot): ProgressFigures {
  const frac = fraction(s.files, s.bytes)
  return {
    prefix: `${s.label}: ${s.phase ? `${s.phase} ` : ''}`,
    count: countText(s.files, s.unit, false),
    bytes: s.bytes.total !== null ? `${formatBytes(s.bytes.done)}/${formatBytes(s.bytes.total)}` : formatBytes(s.bytes.done),
    percent: frac === null ? null : `${Math.floor(frac * 100)}%`,
    rate: s.rate === null ? null : `${formatBytes(Math.round(Math.max(0, s.rate)))}/s`,
    eta: s.eta === null ? null : `ETA ${formatDuration(s.eta)}`,
    fraction: frac,
  }
}

function countText(c: Counter, unit: string, final: boolean): string | null {
  if (c.total === null) return c.done === 0 && unit !== 'files' ? null : `${c.done} ${unit}`
  // A finished count reads `300 files`, an unfinished one `120/300 files`.
  return final && c.done >= c.total ? `${c.done} ${unit}` : `${c.done}/${c.total} ${unit}`
}

/** The line after its prefix: `120/300 files, 1.2 MiB/3.0 MiB (40%), 2.0 MiB/s, ETA 1s`. */
export function progressBody(f: ProgressFigures): string {
  return [f.count, f.bytes + (f.percent ? ` (${f.percent})` : ''), f.rate, f.eta].filter((p): p is string => p !== null).join(', ')
}

/** `add: 120/300 files, 1.2 MiB/3.0 MiB (40%), 2.0 MiB/s, ETA 1s` */
export function progressLine(f: ProgressFigures): string {
  return f.prefix + progressBody(f)
}

/**
 * The line left behind when a stage ends: `add: 300 files, 3.0 MiB in 1.5s (2.0 MiB/s)`, or on
 * failure `add: 120/300 files, 1.2 MiB in 0.8s, failed`. The rate is the stage's average, left
 * out when the time shows as 0.0s (under 50 ms): a clone that wrote its files while downloading
 * only renames them into place, and "1000 MiB in 0.0s (21 GiB/s)" would claim a speed nothing had.
 */
export function summaryLine(s: Pick<ProgressSnapshot, 'label' | 'phase' | 'unit' | 'files' | 'bytes'>, elapsedMs: number, failed = false): string {
  const count = countText(s.files, s.unit, true)
  const avg = elapsedMs >= 50 && !failed ? ` (${formatBytes(Math.round((s.bytes.done * 1000) / elapsedMs))}/s)` : ''
  const parts = [count, `${formatBytes(s.bytes.done)} in ${formatElapsed(elapsedMs)}${avg}`].filter((p): p is string => p !== null)
  return `${s.label}: ${s.phase ? `${s.phase} ` : ''}${parts.join(', ')}${failed ? ', failed' : ''}`
}
