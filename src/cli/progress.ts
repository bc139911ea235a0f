/**
 * How a command shows progress: the mode from its flags and the terminal, the intervals from the
 * environment (BL_PROGRESS_INTERVAL_MS, for tests), and the adapter from add/commit's callbacks.
 */
import type {IngestProgress} from '../core/worktree/ingest.js'
import {isInteractive} from '../ui/terminal.js'
import type {ProgressReporter} from '../ui/progress/progress-tracker.js'
import type {ProgressMode, RenderProgressOptions} from '../ui/progress/render-progress.js'
import {colorEnabled} from './color.js'

/** --json or --quiet: nothing; a terminal (not CI, not TERM=dumb): Ink; anything else: plain lines. */
export function progressMode(flags: {json: boolean; quiet: boolean}, stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): ProgressMode {
  if (flags.json || flags.quiet) return 'silent'
  return isInteractive(stream, env) ? 'ink' : 'plain'
}

export function progressOptions(label: string, flags: {json: boolean; quiet: boolean}, stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): RenderProgressOptions {
  const opts: RenderProgressOptions = {label, mode: progressMode(flags, stream, env), stream, color: colorEnabled(env, stream)}
  // One knob for tests: lines (or frames) this often from the start, with Ink loaded up front.
  const ms = Number(env.BL_PROGRESS_INTERVAL_MS)
  if (env.BL_PROGRESS_INTERVAL_MS && Number.isFinite(ms) && ms >= 0) {
    opts.intervalMs = ms
    opts.delayMs = ms
    opts.preload = true
  }
  return opts
}

/** add / commit -a: totals after the scan, then files stored and bytes read. */
export function ingestProgress(p: ProgressReporter): IngestProgress {
  return {
    // Nothing to store (every file unchanged): no view at all.
    onTotals(files, bytes) {
      if (files > 0) p.setTotals(files, bytes)
    },
    onFile: () => p.addFiles(1),
    onBytes: (n) => p.addBytes(n),
  }
}
