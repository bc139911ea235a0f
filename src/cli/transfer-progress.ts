/**
 * Progress of a push, fetch or clone on stderr: objects, bytes, rate and (when the total is known)
 * an ETA, redrawn in place on a TTY and as a plain line every few seconds otherwise; silent under
 * --json or --quiet. (The full-screen Ink views are `bl browse`'s; this stays one line.)
 */
import {formatBytes} from './format.js'

export interface TransferProgressSink {
  onObjects(done: number, total: number): void
  onBytes(n: number): void
  done(): void
}

export function transferProgress(label: string, enabled: boolean, stream: NodeJS.WriteStream = process.stderr): TransferProgressSink {
  const tty = Boolean(stream.isTTY) && process.env.TERM !== 'dumb' && !process.env.CI
  const interval = tty ? 200 : 5000
  const start = Date.now()
  let objects = 0
  let total = 0
  let bytes = 0
  // The first line waits one interval: short transfers print nothing.
  let last = start
  let drawn = false
  const line = (): string => {
    const secs = Math.max(0.001, (Date.now() - start) / 1000)
    const rate = bytes / secs
    const eta = total > 0 && objects > 0 && objects < total ? ` ETA ${Math.ceil(((total - objects) * secs) / objects)}s` : ''
    return `${label}: ${objects}${total ? `/${total}` : ''} objects, ${formatBytes(bytes)}, ${formatBytes(Math.round(rate))}/s${eta}`
  }
  const draw = (force = false): void => {
    if (!enabled) return
    const now = Date.now()
    if (!force && now - last < interval) return
    last = now
    if (tty) stream.write(`\r\x1b[2K${line()}`)
    else stream.write(line() + '\n')
    drawn = true
  }
  return {
    onObjects(done, t) {
      objects = done
      total = t
      draw()
    },
    onBytes(n) {
      bytes += n
      draw()
    },
    done() {
      if (enabled && drawn && tty) stream.write(`\r\x1b[2K${line()}\n`)
    },
  }
}
