/**
 * Progress as plain lines, for logs (not a TTY, CI, TERM=dumb): no escape codes, one line per
 * call, the same words as the Ink view. A line identical to the previous one is skipped unless a
 * minute has passed (a stalled transfer still says it is alive, without flooding the log).
 */
import {figures, progressLine} from './progress-model.js'
import type {ProgressSurface} from './surface.js'

const REPEAT_AFTER_MS = 60_000

export function plainSurface(stream: NodeJS.WritableStream, now: () => number = Date.now): ProgressSurface {
  let printed = 0
  let lastLine = ''
  let lastAt = -Infinity
  const flushFinished = (finished: readonly string[] = []): void => {
    for (; printed < finished.length; printed++) stream.write(finished[printed] + '\n')
  }
  return {
    show(props) {
      flushFinished(props.finished)
      const line = progressLine(figures(props))
      const t = now()
      if (line === lastLine && t - lastAt < REPEAT_AFTER_MS) return
      lastLine = line
      lastAt = t
      stream.write(line + '\n')
    },
    close(props) {
      flushFinished(props.finished)
      if (props.summary) stream.write(props.summary + '\n')
    },
  }
}
