/**
 * Long synchronous stretches (hashing many small files, writing a checkout) call the returned
 * function after each item: once `ms` of work has passed it yields one event-loop turn, so timers
 * and I/O callbacks — a progress view redrawing, the module it loads — are not starved.
 */
export function breather(ms = 20): () => Promise<void> | undefined {
  let mark = performance.now()
  return () => {
    if (performance.now() - mark < ms) return undefined
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        mark = performance.now()
        resolve()
      }),
    )
  }
}
