/** Messages between the ingest worker and the main thread. */
import type {ErrorCode} from '../errors.js'
import type {ChunkRef} from '../objects/blob.js'

export type WorkerJob = {type: 'files'; files: Array<{seq: number; abs: string; path: string}>} | {type: 'end'}

/**
 * Replies travel on their own port, which the main thread drains itself (ingest.ts), and each one
 * bumps a shared counter after it is posted. `read`: bytes read from files since the last reply,
 * so the progress of one big file moves while it is being stored.
 */
export type WorkerReply =
  /** `buffer` is transferred; the main thread sends it back once the segment is written. */
  | {type: 'segment'; buffer: ArrayBuffer; length: number; entries: Array<{id: string; offset: number; length: number}>; read: number}
  | {type: 'file'; files: Array<{seq: number; id: string; size: number; chunks: ChunkRef[]}>; read: number}
  | {type: 'error'; seq: number; code: ErrorCode; message: string; hint: string; data: Record<string, unknown>}
  | {type: 'done'}
