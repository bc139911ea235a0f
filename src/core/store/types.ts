/**
 * The storage interfaces of a repository. One SQLite database implements all of them
 * (SqliteObjectStore); the interfaces keep the rest of core independent of SQL.
 */
import type {Oid} from '../hash.js'
import type {EntryKind} from '../objects/tree.js'

export const OBJECT_KIND = {blob: 1, tree: 2, commit: 3} as const
export type ObjectKind = keyof typeof OBJECT_KIND

export interface NewChunk {
  id: Oid
  data: Uint8Array
}

/** A row of the index: a staged path plus the stat data that lets bl skip re-reading it. */
export interface IndexEntry {
  path: string
  kind: EntryKind
  exec: boolean
  size: number
  id: Oid
  /**
   * Stat cache, in milliseconds as fs.Stats gives them (a double carries sub-microsecond
   * precision); mtime 0 means "unknown: re-hash before trusting".
   */
  mtime: number
  ctime: number
  ino: number
  /** Wall-clock ms when the file was last hashed; entries modified close to it are re-hashed. */
  checked: number
}

export interface RefRow {
  name: string
  oid: Oid | null
  symref: string | null
}

export interface ReflogEntry {
  seq: number
  ref: string
  old: Oid | null
  new: Oid | null
  name: string
  email: string
  time: number
  tz: number
  message: string
}

export interface ObjectStore {
  hasObject(id: Oid): boolean
  getObject(id: Oid): {kind: ObjectKind; data: Buffer} | undefined
  putObject(id: Oid, kind: ObjectKind, data: Uint8Array): void
  hasChunk(id: Oid): boolean
  getChunk(id: Oid): Buffer | undefined
  /** Stores new chunks packed together; ids already present are skipped. */
  putChunks(chunks: NewChunk[]): void
}
