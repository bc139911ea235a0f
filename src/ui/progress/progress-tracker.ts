/**
 * The counters a task updates while it works (the `ProgressReporter` handed to it) and the
 * snapshots a view draws from them. Knows nothing about drawing: the renderer listens.
 */
import {estimateEta, RateWindow, summaryLine, type Counter, type ProgressSnapshot} from './progress-model.js'

/** What a task sees of the progress display. */
export interface ProgressReporter {
  /**
   * Starts a stage (e.g. `writing` after `fetching`): counters restart, and the stage before, if
   * it did anything, leaves its summary line. `unit` names what is counted (default `files`).
   */
  phase(name: string | null, opts?: {unit?: string; files?: number | null; bytes?: number | null}): void
  /** Totals of the current stage, once known. */
  setTotals(files: number | null, bytes: number | null): void
  /** Count done (and its total) when the work reports absolute numbers. */
  setFiles(done: number, total?: number | null): void
  addFiles(n?: number): void
  addBytes(n: number): void
  /** A line to show above the progress (a warning): drawing never garbles it. */
  log(line: string): void
}

export interface TrackerListener {
  /** Counters changed. */
  onUpdate(): void
  /** A stage ended with this summary line. */
  onPhaseDone(line: string): void
  onLog(line: string): void
}

export class ProgressTracker implements ProgressReporter {
  private phaseName: string | null = null
  private unit = 'files'
  private files: Counter = {done: 0, total: null}
  private bytes: Counter = {done: 0, total: null}
  private phaseStart: number
  private readonly window = new RateWindow()
  /** True once the task reported anything: a view never appears for work that reports nothing. */
  touched = false

  constructor(
    readonly label: string,
    private readonly now: () => number,
    private readonly listener: TrackerListener = {onUpdate() {}, onPhaseDone() {}, onLog() {}},
  ) {
    this.phaseStart = now()
    this.window.record(this.phaseStart, 0, 0)
  }

  phase(name: string | null, opts: {unit?: string; files?: number | null; bytes?: number | null} = {}): void {
    const t = this.now()
    if (this.active()) this.listener.onPhaseDone(summaryLine(this.snapshot(), t - this.phaseStart))
    this.phaseName = name
    this.unit = opts.unit ?? 'files'
    this.files = {done: 0, total: opts.files ?? null}
    this.bytes = {done: 0, total: opts.bytes ?? null}
    this.phaseStart = t
    this.window.reset()
    this.window.record(t, 0, 0)
    // A stage starting is not yet progress: it alone doesn't make a view appear.
    this.changed(opts.files != null || opts.bytes != null)
  }

  setTotals(files: number | null, bytes: number | null): void {
    this.files.total = files
    this.bytes.total = bytes
    this.changed()
  }

  setFiles(done: number, total?: number | null): void {
    this.files.done = done
    if (total !== undefined) this.files.total = total
    this.changed()
  }

  addFiles(n = 1): void {
    this.files.done += n
    this.changed()
  }

  addBytes(n: number): void {
    this.bytes.done += n
    this.changed()
  }

  log(line: string): void {
    this.listener.onLog(line)
  }

  /** The current stage did something. */
  active(): boolean {
    return this.files.done > 0 || this.bytes.done > 0
  }

  snapshot(): ProgressSnapshot {
    const t = this.now()
    const rates = this.window.rate(t, this.files.done, this.bytes.done)
    const files = {...this.files}
    const bytes = {...this.bytes}
    return {label: this.label, phase: this.phaseName, unit: this.unit, files, bytes, rate: rates?.bytes ?? null, eta: estimateEta(files, bytes, rates)}
  }

  /**
   * The line the work leaves when it ends: the last stage's summary (skipped when that stage did
   * nothing and an earlier one already left its line), marked as failed on an error.
   */
  summary(failed: boolean, hasEarlier: boolean): string | null {
    if (!failed && !this.active() && hasEarlier) return null
    return summaryLine(this.snapshot(), this.now() - this.phaseStart, failed)
  }

  private changed(touch = true): void {
    if (touch) this.touched = true
    this.window.record(this.now(), this.files.done, this.bytes.done)
    this.listener.onUpdate()
  }
}
