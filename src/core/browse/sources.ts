/**
 * Byte sources for previews and diffs. A committed file is read through `lazyBlobSource`: only
 * the chunks a read touches are fetched (a lazy clone keeps content on a remote: previewing the
 * first screen of a 1 GiB file must not download 1 GiB), each chunk is verified against its id
 * (a prefix never reaches the whole-file check), and streams yield to the event loop now and
 * then so a terminal view stays responsive during a long row diff. `budgeted` caps what a reader
 * may consume, for readers (tables) that pull bytes until they have enough rows.
 */
import {breather} from '../breather.js'
import {chunkAt, chunkStarts} from '../chunk-offsets.js'
import type {Oid} from '../hash.js'
import {loadBlob} from '../odb.js'
import type {ObjectStore} from '../store/types.js'
import {blobSource} from '../tables/source.js'
import type {ByteSource} from '../tables/types.js'

/** Fetches chunks the local store lacks (ops/content.ts ensureChunks, injected: core/browse sits below ops). */
export type FetchChunks = (chunks: Oid[]) => Promise<unknown>

/** Chunks fetched per round trip while streaming (~16 MiB at the 1 MiB chunk maximum). */
const FETCH_WINDOW = 16

export function lazyBlobSource(store: ObjectStore, id: Oid, name: string, fetch: FetchChunks): ByteSource {
  const inner = blobSource(store, id, name)
  const chunks = loadBlob(store, id).chunks
  const starts = chunkStarts(chunks)
  const ensure = async (from: number, to: number): Promise<void> => {
    const missing: Oid[] = []
    for (let i = from; i < Math.min(to, chunks.length); i++) if (!store.hasChunk(chunks[i]!.id as Oid)) missing.push(chunks[i]!.id as Oid)
    if (missing.length) await fetch(missing)
  }
  return {
    name,
    size: inner.size,
    async read(start, end) {
      end = Math.min(end, inner.size)
      if (end > start && start >= 0) await ensure(chunkAt(starts, start), chunkAt(starts, end - 1) + 1)
      return inner.read(start, end)
    },
    async *stream() {
      const breathe = breather()
      for (let i = 0; i < chunks.length; i++) {
        if (i % FETCH_WINDOW === 0) await ensure(i, i + FETCH_WINDOW)
        // One whole chunk: blobSource checks it against its id.
        yield await inner.read(starts[i]!, starts[i]! + chunks[i]!.len)
        await breathe()
      }
    },
  }
}

/** Thrown by a budgeted source past its budget; a reader may wrap it (see `overBudget`). */
export class BudgetExceeded extends Error {
  constructor(readonly budget: number) {
    super(`read budget of ${budget} bytes used up`)
  }
}

/** Was `err` (or anything in its cause chain) a BudgetExceeded? */
export function overBudget(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 8; e = (e as {cause?: unknown}).cause, depth++) if (e instanceof BudgetExceeded) return true
  return false
}

/**
 * `src`, failing with BudgetExceeded once `budget` bytes were consumed: streamed bytes per
 * stream, range reads in total (a Parquet reader reads its footer, then a row group's columns).
 */
export function budgeted(src: ByteSource, budget: number): ByteSource {
  let ranged = 0
  return {
    name: src.name,
    size: src.size,
    async read(start, end) {
      ranged += Math.max(0, Math.min(end, src.size) - Math.max(0, start))
      if (ranged > budget) throw new BudgetExceeded(budget)
      return src.read(start, end)
    },
    async *stream() {
      let streamed = 0
      for await (const b of src.stream()) {
        if (streamed >= budget) throw new BudgetExceeded(budget)
        streamed += b.length
        yield b
      }
    },
  }
}
