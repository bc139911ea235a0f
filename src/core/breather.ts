/**
 * Long synchronous stretches (hashing many small files, writing a checkout) call the returned
 * function after each item: once `ms` of work has passed it yields one event-loop turn, so timers
 * and I/O callbacks — a progress view redrawing, the module it loads — are not starved.
 */
export function breather(ms = 20): () => Promise<void> | undefined {
  let mark = performance.now()
  return () => {
    if (performance.now() - mark < (urgent > 0 ? URGENT_MS : ms)) return undefined
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        mark = performance.now()
        resolve()
      }),
    )
  }
}

const URGENT_MS = 1
let urgent = 0

/**
 * Until `work` settles, every breather yields after ~1 ms instead of its own interval. For a
 * dynamic import that a long task waits on (the progress view's Ink): loading a module graph takes
 * hundreds of event-loop turns, which at one turn per 20 ms took ~1.5 s instead of ~0.4 s.
 */
export function yieldOftenUntil(work: Promise<unknown>): void {
  urgent++
  const done = (): void => {
    urgent--
  }
  work.then(done, done)
}
