/** Messages between the parallel CSV statistics and its workers (stats-worker.ts). */
import type {ColumnState} from './stats.js'

export type StatsJob = {type: 'block'; block: Uint8Array; skipFirst: boolean} | {type: 'end'}

export type StatsReply = {type: 'ack'} | {type: 'done'; rows: number; columns: ColumnState[]} | {type: 'fallback'}
