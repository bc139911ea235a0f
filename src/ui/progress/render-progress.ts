/**
 * Runs a task under a progress display on stderr: Ink on a terminal, plain periodic lines in a
 * log, nothing when silent. The task gets a ProgressReporter; updates are throttled (Ink redraws
 * at most ~10 times a second, plain lines come every few seconds). Nothing appears before a short
 * delay, so quick work prints nothing at all; longer work leaves a summary line, on success and on
 * failure alike (the error is rethrown once the display is closed).
 *
 * Ink and React take ~0.4 s to load, longer than most commands run: they are imported only once
 * the delay has passed with the work still going, and Ink mounts when they are there (core's long
 * synchronous loops yield now and then so the import can proceed; see core/breather.ts).
 */
import {yieldOftenUntil} from '../../core/breather.js'
import {ProgressTracker, type ProgressReporter} from './progress-tracker.js'
import {plainSurface} from './plain-surface.js'
import type {ProgressViewProps} from './ProgressView.js'
import type {ProgressSurface} from './surface.js'

export type ProgressMode = 'ink' | 'plain' | 'silent'

export interface RenderProgressOptions {
  /** The command, first word of every line (`add`, `push`). */
  label: string
  mode: ProgressMode
  /** Default process.stderr. */
  stream?: NodeJS.WriteStream
  /** Between redraws (ink, default 100 ms) or lines (plain, default 5 s). */
  intervalMs?: number
  /** Nothing is drawn earlier, so shorter work leaves nothing (default: ink 1 s, plain one interval). */
  delayMs?: number
  /** Load Ink before the task starts, so even a short task draws (tests). */
  preload?: boolean
  /** Colours in the Ink view (default true). */
  color?: boolean
  /** The clock (tests). */
  now?: () => number
}

export const INK_INTERVAL_MS = 100
export const PLAIN_INTERVAL_MS = 5000
export const INK_DELAY_MS = 1000

export async function renderProgress<T>(opts: RenderProgressOptions, task: (p: ProgressReporter) => Promise<T>): Promise<T> {
  const stream = opts.stream ?? process.stderr
  const now = opts.now ?? Date.now
  if (opts.mode === 'silent') {
    // Nothing is drawn, but warnings still reach stderr (also under --json).
    return task(new ProgressTracker(opts.label, now, {onUpdate() {}, onPhaseDone() {}, onLog: (line) => void stream.write(line + '\n')}))
  }
  let surface: ProgressSurface | undefined = opts.mode === 'plain' ? plainSurface(stream, now) : opts.preload ? (await import('./ink-surface.js')).inkSurface(stream) : undefined
  let loading = false
  let closed = false
  const interval = opts.intervalMs ?? (opts.mode === 'ink' ? INK_INTERVAL_MS : PLAIN_INTERVAL_MS)
  const delay = opts.delayMs ?? (opts.mode === 'ink' ? INK_DELAY_MS : interval)
  const start = now()
  /** Summaries of finished stages and warnings, in order; drawn above the live line. */
  const finished: string[] = []
  let stagesDone = 0
  let drawing = false
  let last = -Infinity
  const props = (summary?: string | null): ProgressViewProps => ({...tracker.snapshot(), finished, color: opts.color ?? true, ...(summary !== undefined ? {summary} : {})})
  const draw = (): void => {
    const t = now()
    if (!tracker.touched || t - start < delay || t - last < interval) return
    if (!surface) {
      if (loading) return
      loading = true
      const ink = import('./ink-surface.js')
      // The task's loops yield often while Ink loads, or it would take seconds to arrive.
      yieldOftenUntil(ink)
      void ink.then(
        (m) => {
          if (closed) return
          surface = m.inkSurface(stream)
          draw()
        },
        // Ink could not load: plain lines rather than no view.
        () => {
          if (closed) return
          surface = plainSurface(stream, now)
          draw()
        },
      )
      return
    }
    last = t
    drawing = true
    surface.show(props())
  }
  const tracker = new ProgressTracker(opts.label, now, {
    onUpdate: draw,
    onPhaseDone(line) {
      stagesDone++
      finished.push(line)
    },
    onLog(line) {
      // Into the frame when Ink is drawing (a direct write would be overdrawn), else straight out.
      if (drawing && surface && opts.mode === 'ink') {
        finished.push(line)
        surface.show(props())
      } else stream.write(line + '\n')
    },
  })
  // Redraws while the task waits (network, disk): the rate and ETA move without new reports.
  const timer = setInterval(draw, Math.max(1, interval))
  timer.unref()
  const close = (failed: boolean): void => {
    closed = true
    clearInterval(timer)
    if (drawing && surface) surface.close(props(tracker.summary(failed, stagesDone > 0)))
  }
  let result: T
  try {
    result = await task(tracker)
  } catch (err) {
    try {
      close(true)
    } catch {
      // The task's error is the one to report.
    }
    throw err
  }
  close(false)
  return result
}
