/** Byte offsets of a file's chunks, for range reads that touch only the chunks they need. */

/** The offset at which each chunk starts, in file order. */
export function chunkStarts(chunks: ReadonlyArray<{len: number}>): number[] {
  const starts: number[] = []
  let at = 0
  for (const c of chunks) {
    starts.push(at)
    at += c.len
  }
  return starts
}

/** Index of the chunk holding byte `pos`: the last one starting at or before it (0 for an empty list). */
export function chunkAt(starts: readonly number[], pos: number): number {
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid]! <= pos) lo = mid
    else hi = mid - 1
  }
  return lo
}
