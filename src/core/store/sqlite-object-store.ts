/**
 * SqliteObjectStore: the repository database (.bl/bl.db). The only file that imports
 * better-sqlite3. Chunks are packed into "segment" rows of up to SEGMENT_MAX bytes and located by
 * the `chunks` table.
 *
 * Journal mode is TRUNCATE (rollback journal), not WAL: a segment's pages are appended to the
 * database file and written once, while WAL writes every byte twice (log, then checkpoint) and
 * its checkpoint fsync dominated a 1 GiB commit (11.7 s against 3.4 s here; docs/decisions.md).
 * Every ordinary transaction is IMMEDIATE with synchronous=FULL, so whatever a command reports
 * as done is on disk. Bulk chunk writes (~32 MiB per transaction) run, in the default "batch"
 * fsync mode, with synchronous=OFF plus a background fdatasync that starts writeback early: the
 * rollback journal still protects them against a killed process, and the FULL transaction that
 * publishes them (index or commit) fsyncs the whole file, so one fsync at the end makes them
 * durable. Mode "always" syncs every bulk transaction too (power-cut safe at every moment, slower);
 * see docs/decisions.md. A busy timeout makes a second bl process wait instead of failing.
 */
import fs from 'node:fs'
import Database from 'better-sqlite3'
import {SEGMENT_MAX} from '../chunk.js'
import {BlError, diskFull, readOnly} from '../errors.js'
import type {Oid} from '../hash.js'
import {compareNames} from '../objects/names.js'
import {decodeIndex, encodeIndex} from './index-codec.js'
import {OBJECT_KIND, type IndexEntry, type NewChunk, type ObjectKind, type ObjectStore, type RefRow, type ReflogEntry} from './types.js'

export const FORMAT_VERSION = 1

/** Bulk writes commit after this many bytes (a multiple of the segment size). */
const BULK_TX_BYTES = 32 * 1024 * 1024
/**
 * ...or once it has been open this long: a download arriving slowly (a fetch or clone over a real
 * network) is committed as it goes, so a kill or Ctrl-C loses at most this much of it.
 */
const BULK_TX_MS = 1000
/** How long a read session (readSession) keeps one read transaction before renewing it. */
const READ_SESSION_MS = 100
/** Page cache (negative: KiB) for reads and ordinary transactions. */
const CACHE_KIB = -16384
/**
 * Page cache while bulk-writing segments: their pages are written once and never read back, and
 * a 4 MiB cache (64 pages) that stays in the CPU's caches made a 512 MiB add ~5% faster than 16 MiB
 * (64 MiB: ~20% slower).
 */
const BULK_CACHE_KIB = -4096
const INDEX_TREE_KEY = 'index_tree'

/** The stored index and the tree it was known to equal (SqliteObjectStore.indexSnapshot). */
export interface IndexSnapshot {
  blob: Buffer | null
  tree: Oid | undefined
}

const KIND_BY_CODE: Record<number, ObjectKind> = {1: 'blob', 2: 'tree', 3: 'commit'}
const REMOTE_KIND: Record<string, number> = {chunk: 0, blob: 1, tree: 2, commit: 3}
const REMOTE_KIND_OF = ['chunk', 'blob', 'tree', 'commit']

const SCHEMA = `
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE segments(id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE chunks(id BLOB PRIMARY KEY, segment INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX chunks_by_segment ON chunks(segment);
CREATE TABLE objects(id BLOB PRIMARY KEY, kind INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE refs(name TEXT PRIMARY KEY, oid BLOB, symref TEXT, CHECK ((oid IS NULL) <> (symref IS NULL)));
CREATE TABLE reflog(seq INTEGER PRIMARY KEY AUTOINCREMENT, ref TEXT NOT NULL, old BLOB, new BLOB,
  name TEXT NOT NULL, email TEXT NOT NULL, time INTEGER NOT NULL, tz INTEGER NOT NULL, message TEXT NOT NULL);
CREATE INDEX reflog_by_ref ON reflog(ref, seq);
CREATE TABLE config(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE worktree_index(id INTEGER PRIMARY KEY CHECK (id = 1), data BLOB NOT NULL);
CREATE TABLE state(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE leases(id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, started INTEGER NOT NULL, command TEXT NOT NULL);
`

function hexBuf(id: string): Buffer {
  return Buffer.from(id, 'hex')
}

function bufHex(b: Buffer | null): Oid | null {
  return b === null ? null : (b.toString('hex') as Oid)
}

/** Maps SQLite failures to typed errors: busy, corrupt, not a database, disk full, read-only. */
export function translateSqliteError(err: unknown, file: string): unknown {
  const code = (err as {code?: string})?.code ?? ''
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new BlError('REPOSITORY_BUSY', 'repository busy: another bl process is writing to it', {hint: 'Wait for the other command to finish (or raise BL_LOCK_TIMEOUT, in ms) and run this again.', cause: err})
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
    return new BlError('CORRUPT_DATABASE', `the repository database ${file} is corrupted`, {hint: 'Restore .bl/ from a backup or clone the repository again; `bl fsck` shows what is readable.', cause: err})
  // A failed write rolls its transaction back: the hints can promise nothing was half-written.
  if (code === 'SQLITE_FULL') return diskFull(`while writing the repository database ${file}`, err, {file})
  if (code.startsWith('SQLITE_READONLY')) return readOnly(`the repository database ${file} is read-only: ${(err as Error).message}`, err, {file})
  if (code.startsWith('SQLITE_IOERR'))
    return new BlError('IO_ERROR', `cannot write the repository database ${file}: ${(err as Error).message}`, {hint: 'Check the disk (`dmesg`) and run the command again; nothing was half-written.', data: {file}, cause: err})
  if (code.startsWith('SQLITE_CANTOPEN'))
    return new BlError('IO_ERROR', `cannot open the repository database ${file}: ${(err as Error).message}`, {hint: 'Check that .bl/ exists and its permissions allow bl to read and write it.', data: {file}, cause: err})
  return err
}

/** How bulk chunk writes reach the disk (config `core.fsync`). */
export type FsyncMode = 'batch' | 'always'
export const FSYNC_MODES: readonly FsyncMode[] = ['batch', 'always']

export interface OpenOptions {
  create?: boolean
  busyTimeoutMs?: number
  readonly?: boolean
}

/** The SQLite library better-sqlite3 was built with (for `bl version`). */
export function sqliteVersion(): string {
  const db = new Database(':memory:')
  try {
    return (db.prepare('SELECT sqlite_version() AS v').get() as {v: string}).v
  } finally {
    db.close()
  }
}

export class SqliteObjectStore implements ObjectStore {
  private readonly db: Database.Database
  private readonly stmts: ReturnType<SqliteObjectStore['prepare']>
  private segmentCache = new Map<number, Buffer>()
  private segmentScratch: Buffer | undefined
  private inTx = false
  private fsyncMode: FsyncMode = 'batch'
  /** A read-only descriptor of the database file for background fdatasync, and whether one runs. */
  private syncFd: number | undefined
  private syncRunning = false
  private closeAfterSync = false

  private constructor(readonly file: string, db: Database.Database) {
    this.db = db
    this.stmts = this.prepare()
  }

  static open(file: string, opts: OpenOptions = {}): SqliteObjectStore {
    let db: Database.Database | undefined
    try {
      db = new Database(file, {fileMustExist: !opts.create, readonly: opts.readonly ?? false, timeout: opts.busyTimeoutMs ?? 10_000})
      if (opts.create) {
        db.pragma('page_size = 65536')
        db.pragma('auto_vacuum = INCREMENTAL')
      }
      if (!opts.readonly) db.pragma('journal_mode = TRUNCATE')
      db.pragma('synchronous = FULL')
      db.pragma(`cache_size = ${CACHE_KIB}`)
      if (opts.create) {
        db.exec('BEGIN IMMEDIATE')
        db.exec(SCHEMA)
        db.prepare('INSERT INTO meta(key, value) VALUES (?, ?)').run('format', String(FORMAT_VERSION))
        db.exec('COMMIT')
      } else {
        // An emptied (zero-length) or foreign database has no meta table at all.
        if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get())
          throw new BlError('CORRUPT_DATABASE', `${file} holds no bl repository (it is empty or another database)`, {hint: 'Restore .bl/ from a backup or clone again.'})
        const row = db.prepare("SELECT value FROM meta WHERE key = 'format'").get() as {value: string} | undefined
        if (!row) throw new BlError('CORRUPT_DATABASE', `${file} is not a bl repository database`, {hint: 'Restore .bl/ from a backup or clone again.'})
        if (Number(row.value) !== FORMAT_VERSION)
          throw new BlError('UNSUPPORTED_FORMAT', `repository format ${row.value} is not supported by this bl (knows ${FORMAT_VERSION})`, {hint: 'Upgrade bl.'})
      }
      return new SqliteObjectStore(file, db)
    } catch (err) {
      db?.close()
      throw translateSqliteError(err, file)
    }
  }

  private prepare() {
    const db = this.db
    return {
      hasObject: db.prepare('SELECT 1 FROM objects WHERE id = ?').pluck(),
      getObject: db.prepare('SELECT kind, data FROM objects WHERE id = ?'),
      putObject: db.prepare('INSERT OR IGNORE INTO objects(id, kind, data) VALUES (?, ?, ?)'),
      hasChunk: db.prepare('SELECT 1 FROM chunks WHERE id = ?').pluck(),
      chunkLoc: db.prepare('SELECT segment, offset, length FROM chunks WHERE id = ?'),
      getSegment: db.prepare('SELECT data FROM segments WHERE id = ?').pluck(),
      putSegment: db.prepare('INSERT INTO segments(data) VALUES (?)'),
      putChunk: db.prepare('INSERT OR IGNORE INTO chunks(id, segment, offset, length) VALUES (?, ?, ?, ?)'),
      getRef: db.prepare('SELECT name, oid, symref FROM refs WHERE name = ?'),
      listRefs: db.prepare('SELECT name, oid, symref FROM refs WHERE name >= ? AND name < ? ORDER BY name'),
      setRefOid: db.prepare('INSERT INTO refs(name, oid, symref) VALUES (?, ?, NULL) ON CONFLICT(name) DO UPDATE SET oid = excluded.oid, symref = NULL'),
      setRefSym: db.prepare('INSERT INTO refs(name, oid, symref) VALUES (?, NULL, ?) ON CONFLICT(name) DO UPDATE SET oid = NULL, symref = excluded.symref'),
      deleteRef: db.prepare('DELETE FROM refs WHERE name = ?'),
      addReflog: db.prepare('INSERT INTO reflog(ref, old, new, name, email, time, tz, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      readReflog: db.prepare('SELECT seq, ref, old, new, name, email, time, tz, message FROM reflog WHERE ref = ? ORDER BY seq DESC'),
      deleteReflog: db.prepare('DELETE FROM reflog WHERE ref = ?'),
      deleteReflogEntry: db.prepare('DELETE FROM reflog WHERE seq = ?'),
      renameReflog: db.prepare('UPDATE reflog SET ref = ? WHERE ref = ?'),
      allReflogOids: db.prepare('SELECT old, new FROM reflog'),
      getConfig: db.prepare('SELECT value FROM config WHERE key = ?').pluck(),
      setConfig: db.prepare('INSERT INTO config(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      unsetConfig: db.prepare('DELETE FROM config WHERE key = ?'),
      listConfig: db.prepare('SELECT key, value FROM config ORDER BY key'),
      getState: db.prepare('SELECT value FROM state WHERE key = ?').pluck(),
      setState: db.prepare('INSERT INTO state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      deleteState: db.prepare('DELETE FROM state WHERE key = ?'),
      indexGet: db.prepare('SELECT data FROM worktree_index WHERE id = 1').pluck(),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      indexDelete: db.prepare('DELETE FROM worktree_index WHERE id = 1'),
      indexSet: db.prepare('INSERT INTO worktree_index(id, data) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data'),
    }
  }

  setFsyncMode(mode: FsyncMode): void {
    this.fsyncMode = mode
  }

  /**
   * Starts an fdatasync of the database file in libuv's thread pool, so the kernel writes bulk
   * pages back while chunking goes on; at most one runs. Its result does not matter: the
   * publishing transaction's own fsync is the one durability depends on.
   */
  private startBackgroundSync(): void {
    if (this.syncRunning || this.closeAfterSync) return
    try {
      this.syncFd ??= fs.openSync(this.file, 'r')
    } catch {
      return
    }
    this.syncRunning = true
    fs.fdatasync(this.syncFd, () => {
      this.syncRunning = false
      if (this.closeAfterSync) this.closeSyncFd()
    })
  }

  private closeSyncFd(): void {
    if (this.syncFd === undefined) return
    try {
      fs.closeSync(this.syncFd)
    } catch {
      // already closed: nothing to release
    }
    this.syncFd = undefined
  }

  close(): void {
    // The descriptor of a running background sync is closed when it finishes, never under it.
    if (this.syncRunning) this.closeAfterSync = true
    else this.closeSyncFd()
    if (!this.db.open) return
    // An unfinished bulk write (an error on the way) is rolled back, never half-committed.
    this.abandon()
    this.db.close()
  }

  // ---- transactions ----------------------------------------------------------------------------

  /**
   * Runs `fn` in one IMMEDIATE transaction (durable at commit). An open bulk transaction is
   * committed first; inside another transaction, `fn` joins it. `opts.durable` records the
   * caller's intent; every commit is synchronous=FULL.
   */
  transaction<T>(fn: () => T, _opts: {durable?: boolean} = {}): T {
    if (this.inSnapshot) throw new Error('a write transaction cannot start inside a read snapshot')
    this.releaseReads()
    if (this.bulkOpen) this.endBulk()
    if (this.inTx) return fn()
    try {
      this.db.exec('BEGIN IMMEDIATE')
      this.inTx = true
      const result = fn()
      this.inTx = false
      this.saveIndexIfDirty()
      this.db.exec('COMMIT')
      return result
    } catch (err) {
      this.abandon()
      throw translateSqliteError(err, this.file)
    } finally {
      this.inTx = false
    }
  }

  /**
   * Drops a failed transaction and what was staged for it. SQLite has already rolled it back
   * after some errors (SQLITE_FULL, SQLITE_IOERR, also on COMMIT), so ROLLBACK only an open one;
   * a failing ROLLBACK leaves the journal, which the next open replays.
   */
  private abandon(): void {
    this.readsOpen = false
    this.indexTouched = false
    this.indexInTx = undefined
    this.indexAdded = false
    this.indexCache = undefined
    this.segmentCache.clear()
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK')
    } catch {
      // the original error is the one to report
    }
  }

  /**
   * A transaction that is only worth having when the lock is free right now (bookkeeping such as
   * content use times): it never waits for another writer, and returns false when one holds the lock.
   */
  tryTransaction(fn: () => void): boolean {
    if (this.inTx) {
      fn()
      return true
    }
    const timeout = this.db.pragma('busy_timeout', {simple: true}) as number
    this.db.pragma('busy_timeout = 0')
    try {
      this.transaction(fn)
      return true
    } catch (err) {
      if (err instanceof BlError && err.code === 'REPOSITORY_BUSY') return false
      throw err
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`)
    }
  }

  private inSnapshot = false

  /**
   * Runs read-only `fn` in one deferred read transaction: a consistent view, and one shared lock
   * for all its queries instead of one per query (in rollback-journal mode each costs a few
   * syscalls, most of the time of a walk over thousands of commits). Writers wait until it ends,
   * so keep it to bounded reads. Inside a transaction it simply joins it.
   */
  snapshot<T>(fn: () => T): T {
    if (this.readsOpen && !this.inSnapshot) {
      // Inside a read session's transaction: keep it (no renewal) until fn is done.
      this.inSnapshot = true
      try {
        return fn()
      } finally {
        this.inSnapshot = false
      }
    }
    if (this.inTx || this.inSnapshot || this.db.inTransaction) return fn()
    try {
      this.db.exec('BEGIN')
      this.inSnapshot = true
      try {
        return fn()
      } finally {
        this.inSnapshot = false
        if (this.db.inTransaction) this.db.exec('COMMIT')
      }
    } catch (err) {
      throw translateSqliteError(err, this.file)
    }
  }

  private readSessions = 0
  /** A read session's deferred transaction is open (since `readsSince`). */
  private readsOpen = false
  private readsSince = 0

  /**
   * A read session for a long loop of point reads (a checkout, a push): its reads share deferred
   * read transactions instead of taking the lock once per query. In rollback-journal mode each
   * autocommit read locks the file, re-reads its header and unlocks: ~20 us a query here, against
   * ~3 us inside a transaction (a 50,000-file checkout spent ~2 s on it). Call `keep()` before
   * reads: it begins a transaction when none is open and renews it (commit, begin) once it is
   * READ_SESSION_MS old, so a writer in another process waits no longer than that, also across
   * the loop's awaits. A write on this connection (transaction, bulkWrite) ends the open read
   * transaction first, and the next `keep()` begins another. `end()` releases it.
   */
  readSession(): {keep(): void; end(): void} {
    this.readSessions++
    let ended = false
    return {
      keep: () => {
        if (ended || this.inTx || this.bulkOpen || this.inSnapshot) return
        const now = Date.now()
        if (this.readsOpen && now - this.readsSince < READ_SESSION_MS) return
        this.releaseReads()
        if (this.db.inTransaction) return
        try {
          this.db.exec('BEGIN')
        } catch (err) {
          throw translateSqliteError(err, this.file)
        }
        this.readsOpen = true
        this.readsSince = now
      },
      end: () => {
        if (ended) return
        ended = true
        if (--this.readSessions === 0) this.releaseReads()
      },
    }
  }

  /** Ends a read session's open transaction (reads only: nothing to lose). */
  private releaseReads(): void {
    if (!this.readsOpen) return
    this.readsOpen = false
    try {
      if (this.db.inTransaction) this.db.exec('COMMIT')
    } catch (err) {
      throw translateSqliteError(err, this.file)
    }
  }

  private bulkBytes = 0
  private bulkOpen = false

  /**
   * Writes inside a long-lived "bulk" transaction that commits every BULK_TX_BYTES, so storing
   * 1 GiB costs ~32 commits (fsyncs), not one per segment. `endBulk` commits the remainder.
   */
  private bulkStart = 0

  bulkWrite(bytes: number, fn: () => void): void {
    // Inside an ordinary transaction, the write simply joins it.
    if (this.inTx && !this.bulkOpen) return fn()
    this.releaseReads()
    try {
      if (!this.bulkOpen) {
        if (this.fsyncMode === 'batch') this.db.pragma('synchronous = OFF')
        this.db.pragma(`cache_size = ${BULK_CACHE_KIB}`)
        this.db.exec('BEGIN IMMEDIATE')
        this.inTx = this.bulkOpen = true
        this.bulkBytes = 0
        this.bulkStart = performance.now()
      }
      fn()
      this.bulkBytes += bytes
    } catch (err) {
      this.inTx = this.bulkOpen = false
      this.abandon()
      this.restoreAfterBulk()
      throw translateSqliteError(err, this.file)
    }
    if (this.bulkBytes >= BULK_TX_BYTES || performance.now() - this.bulkStart >= BULK_TX_MS) this.endBulk()
  }

  private restoreAfterBulk(): void {
    if (this.fsyncMode === 'batch') this.db.pragma('synchronous = FULL')
    this.db.pragma(`cache_size = ${CACHE_KIB}`)
  }

  endBulk(): void {
    if (!this.bulkOpen) return
    this.inTx = this.bulkOpen = false
    this.bulkBytes = 0
    try {
      this.db.exec('COMMIT')
    } catch (err) {
      this.abandon()
      throw translateSqliteError(err, this.file)
    } finally {
      this.restoreAfterBulk()
    }
    if (this.fsyncMode === 'batch') this.startBackgroundSync()
  }

  /** Runs a read-only query function, translating SQLite errors. */
  read<T>(fn: () => T): T {
    try {
      return fn()
    } catch (err) {
      throw translateSqliteError(err, this.file)
    }
  }

  // ---- objects ---------------------------------------------------------------------------------

  hasAnyObject(): boolean {
    return this.db.prepare('SELECT 1 FROM objects LIMIT 1').get() !== undefined
  }

  hasObject(id: Oid): boolean {
    return this.stmts.hasObject.get(hexBuf(id)) !== undefined
  }

  getObject(id: Oid): {kind: ObjectKind; data: Buffer} | undefined {
    const row = this.stmts.getObject.get(hexBuf(id)) as {kind: number; data: Buffer} | undefined
    if (!row) return undefined
    const kind = KIND_BY_CODE[row.kind]
    if (!kind) throw new BlError('CORRUPT_OBJECT', `object ${id} has unknown kind ${row.kind}`, {hint: 'Run `bl fsck`.', data: {id, damaged: true}})
    return {kind, data: row.data}
  }

  putObject(id: Oid, kind: ObjectKind, data: Uint8Array): void {
    this.stmts.putObject.run(hexBuf(id), OBJECT_KIND[kind], data)
  }

  *iterateObjects(): Generator<{id: Oid; kind: ObjectKind | undefined; data: Buffer}> {
    for (const row of this.db.prepare('SELECT id, kind, data FROM objects').iterate() as Iterable<{id: Buffer; kind: number; data: Buffer}>)
      yield {id: row.id.toString('hex') as Oid, kind: KIND_BY_CODE[row.kind], data: row.data}
  }

  objectIds(): Oid[] {
    return (this.db.prepare('SELECT id FROM objects').pluck().all() as Buffer[]).map((b) => b.toString('hex') as Oid)
  }

  /** Ids of objects whose hex id starts with `prefix` (at most `limit`). */
  objectsWithPrefix(prefix: string, limit = 2): Array<{id: Oid; kind: ObjectKind}> {
    const even = prefix.length % 2 === 0 ? prefix : prefix.slice(0, -1)
    const lo = Buffer.from(even, 'hex')
    const hi = Buffer.from((even + 'ff'.repeat(32)).slice(0, 64), 'hex')
    const rows = this.db.prepare('SELECT id, kind FROM objects WHERE id >= ? AND id <= ? ORDER BY id').iterate(lo, hi) as Iterable<{id: Buffer; kind: number}>
    const out: Array<{id: Oid; kind: ObjectKind}> = []
    for (const r of rows) {
      const hex = r.id.toString('hex')
      if (!hex.startsWith(prefix)) continue
      out.push({id: hex as Oid, kind: KIND_BY_CODE[r.kind] ?? 'blob'})
      if (out.length >= limit) break
    }
    return out
  }

  deleteObjects(ids: Iterable<Oid>): number {
    const del = this.db.prepare('DELETE FROM objects WHERE id = ?')
    let n = 0
    for (const id of ids) n += del.run(hexBuf(id)).changes
    return n
  }

  // ---- chunks ----------------------------------------------------------------------------------

  hasChunk(id: Oid): boolean {
    return this.stmts.hasChunk.get(hexBuf(id)) !== undefined
  }

  getChunk(id: Oid): Buffer | undefined {
    const loc = this.stmts.chunkLoc.get(hexBuf(id)) as {segment: number; offset: number; length: number} | undefined
    if (!loc) return undefined
    const seg = this.segment(loc.segment)
    if (!seg || loc.offset + loc.length > seg.length)
      throw new BlError('CORRUPT_DATABASE', `chunk ${id} points outside its segment ${loc.segment}`, {hint: 'Run `bl fsck`.'})
    return seg.subarray(loc.offset, loc.offset + loc.length)
  }

  private segment(id: number): Buffer | undefined {
    let seg = this.segmentCache.get(id)
    if (seg) return seg
    seg = this.stmts.getSegment.get(id) as Buffer | undefined
    if (!seg) return undefined
    if (this.segmentCache.size >= 2) this.segmentCache.delete(this.segmentCache.keys().next().value!)
    this.segmentCache.set(id, seg)
    return seg
  }

  /** Writes one segment row and the chunk rows that locate chunks inside it. */
  putSegment(data: Uint8Array, entries: Array<{id: Buffer; offset: number; length: number}>): void {
    const seg = Number(this.stmts.putSegment.run(data).lastInsertRowid)
    for (const e of entries) this.stmts.putChunk.run(e.id, seg, e.offset, e.length)
  }

  /**
   * The chunks laid end to end in one reused buffer: SQLite copies a bound blob, and a fresh
   * 4 MiB buffer per segment costs more in page faults than the insert itself (~3x on a GiB).
   */
  private gather(parts: NewChunk[], size: number): Buffer {
    // Chunks that lie back to back in one buffer (a fetched range of raw chunks) are one segment
    // already: no copy (~0.1 s per GiB of a clone).
    const first = parts[0]!.data
    let end = first.byteOffset
    for (const p of parts) {
      if (p.data.buffer !== first.buffer || p.data.byteOffset !== end) break
      end += p.data.length
    }
    if (end === first.byteOffset + size) return Buffer.from(first.buffer, first.byteOffset, size)
    const out = size <= SEGMENT_MAX ? (this.segmentScratch ??= Buffer.allocUnsafe(SEGMENT_MAX)).subarray(0, size) : Buffer.allocUnsafe(size)
    let off = 0
    for (const p of parts) {
      out.set(p.data, off)
      off += p.data.length
    }
    return out
  }

  putChunks(chunks: NewChunk[]): void {
    const fresh: NewChunk[] = []
    const seen = new Set<string>()
    for (const c of chunks) {
      if (seen.has(c.id) || this.hasChunk(c.id)) continue
      seen.add(c.id)
      fresh.push(c)
    }
    let i = 0
    while (i < fresh.length) {
      let size = 0
      let j = i
      while (j < fresh.length && (j === i || size + fresh[j]!.data.length <= SEGMENT_MAX)) size += fresh[j++]!.data.length
      const parts = fresh.slice(i, j)
      const data = parts.length === 1 ? parts[0]!.data : this.gather(parts, size)
      const seg = Number(this.stmts.putSegment.run(data).lastInsertRowid)
      let off = 0
      for (const p of parts) {
        this.stmts.putChunk.run(hexBuf(p.id), seg, off, p.data.length)
        off += p.data.length
      }
      i = j
    }
  }

  *iterateChunks(): Generator<{id: Oid; data: Buffer}> {
    const segs = this.db.prepare('SELECT id FROM segments ORDER BY id').pluck().all() as number[]
    const inSeg = this.db.prepare('SELECT id, offset, length FROM chunks WHERE segment = ? ORDER BY offset')
    for (const s of segs) {
      const data = this.stmts.getSegment.get(s) as Buffer
      for (const c of inSeg.all(s) as Array<{id: Buffer; offset: number; length: number}>) {
        if (c.offset + c.length > data.length) throw new BlError('CORRUPT_DATABASE', `chunk ${c.id.toString('hex')} points outside segment ${s}`, {hint: 'Run `bl fsck`.'})
        yield {id: c.id.toString('hex') as Oid, data: data.subarray(c.offset, c.offset + c.length)}
      }
    }
  }

  /**
   * Drops every chunk not in `live`. Segments left without live chunks are deleted; segments with
   * some dead chunks are rewritten with only the live ones. Returns chunks and bytes dropped.
   */
  dropChunksExcept(live: Set<string>): {chunks: number; bytes: number} {
    return this.dropChunksWhere((id) => !live.has(id))
  }

  /** Drops the chunks in `ids` (gc --evict), rewriting the segments they share with others. */
  dropChunks(ids: Set<string>): {chunks: number; bytes: number} {
    return this.dropChunksWhere((id) => ids.has(id))
  }

  /** Every local chunk with its segment (storage order) and length. */
  chunkList(): Array<{id: Oid; segment: number; length: number}> {
    const rows = this.db.prepare('SELECT id, segment, length FROM chunks').all() as Array<{id: Buffer; segment: number; length: number}>
    return rows.map((r) => ({id: r.id.toString('hex') as Oid, segment: r.segment, length: r.length}))
  }

  private dropChunksWhere(dead: (id: string) => boolean): {chunks: number; bytes: number} {
    const rows = this.db.prepare('SELECT id, segment, offset, length FROM chunks').all() as Array<{id: Buffer; segment: number; offset: number; length: number}>
    const bySeg = new Map<number, {live: typeof rows; dead: typeof rows}>()
    for (const r of rows) {
      let g = bySeg.get(r.segment)
      if (!g) bySeg.set(r.segment, (g = {live: [], dead: []}))
      ;(dead(r.id.toString('hex')) ? g.dead : g.live).push(r)
    }
    let chunks = 0
    let bytes = 0
    const delChunk = this.db.prepare('DELETE FROM chunks WHERE id = ?')
    const delSeg = this.db.prepare('DELETE FROM segments WHERE id = ?')
    for (const [seg, g] of bySeg) {
      if (g.dead.length === 0) continue
      for (const d of g.dead) {
        delChunk.run(d.id)
        chunks++
        bytes += d.length
      }
      if (g.live.length > 0) {
        const data = this.stmts.getSegment.get(seg) as Buffer
        const keep = g.live.map((r) => ({id: r.id.toString('hex') as Oid, data: Buffer.from(data.subarray(r.offset, r.offset + r.length))}))
        for (const k of g.live) delChunk.run(k.id)
        this.putChunks(keep)
      }
      delSeg.run(seg)
    }
    // Segments no chunk points at (left by an interrupted write) are dropped too.
    this.db.exec('DELETE FROM segments WHERE id NOT IN (SELECT DISTINCT segment FROM chunks)')
    this.segmentCache.clear()
    return {chunks, bytes}
  }

  /** Returns freed pages to the file system (auto_vacuum = INCREMENTAL). */
  compact(): void {
    this.read(() => this.db.pragma('incremental_vacuum'))
  }

  stats(): {objects: number; chunks: number; chunkBytes: number; fileBytes: number} {
    const o = this.db.prepare('SELECT count(*) FROM objects').pluck().get() as number
    const c = this.db.prepare('SELECT count(*) AS n, coalesce(sum(length), 0) AS b FROM chunks').get() as {n: number; b: number}
    const pageCount = this.db.pragma('page_count', {simple: true}) as number
    const pageSize = this.db.pragma('page_size', {simple: true}) as number
    return {objects: o, chunks: c.n, chunkBytes: c.b, fileBytes: pageCount * pageSize}
  }

  integrityCheck(): string[] {
    const rows = this.db.pragma('integrity_check') as Array<{integrity_check: string}>
    return rows.map((r) => r.integrity_check).filter((s) => s !== 'ok')
  }

  // ---- refs and reflog -------------------------------------------------------------------------

  getRef(name: string): RefRow | undefined {
    const r = this.stmts.getRef.get(name) as {name: string; oid: Buffer | null; symref: string | null} | undefined
    return r ? {name: r.name, oid: bufHex(r.oid), symref: r.symref} : undefined
  }

  /** Refs whose name starts with `prefix`, sorted. */
  listRefs(prefix: string): RefRow[] {
    const rows = this.stmts.listRefs.all(prefix, prefix + '\uffff') as Array<{name: string; oid: Buffer | null; symref: string | null}>
    return rows.map((r) => ({name: r.name, oid: bufHex(r.oid), symref: r.symref}))
  }

  setRef(name: string, oid: Oid): void {
    this.stmts.setRefOid.run(name, hexBuf(oid))
  }

  setSymref(name: string, target: string): void {
    this.stmts.setRefSym.run(name, target)
  }

  deleteRef(name: string): void {
    this.stmts.deleteRef.run(name)
  }

  appendReflog(e: Omit<ReflogEntry, 'seq'>): void {
    this.stmts.addReflog.run(e.ref, e.old ? hexBuf(e.old) : null, e.new ? hexBuf(e.new) : null, e.name, e.email, e.time, e.tz, e.message)
  }

  reflog(ref: string): ReflogEntry[] {
    const rows = this.stmts.readReflog.all(ref) as Array<Omit<ReflogEntry, 'old' | 'new'> & {old: Buffer | null; new: Buffer | null}>
    return rows.map((r) => ({...r, old: bufHex(r.old), new: bufHex(r.new)}))
  }

  deleteReflog(ref: string): void {
    this.stmts.deleteReflog.run(ref)
  }

  /** One entry (`stash drop` removes one stash from the stack refs/stash's log is). */
  deleteReflogEntry(seq: number): void {
    this.stmts.deleteReflogEntry.run(seq)
  }

  renameReflog(from: string, to: string): void {
    this.stmts.renameReflog.run(to, from)
  }

  reflogOids(): Oid[] {
    const out: Oid[] = []
    for (const r of this.stmts.allReflogOids.all() as Array<{old: Buffer | null; new: Buffer | null}>) {
      if (r.old) out.push(bufHex(r.old)!)
      if (r.new) out.push(bufHex(r.new)!)
    }
    return out
  }

  // ---- config and state ------------------------------------------------------------------------

  getConfig(key: string): string | undefined {
    return this.stmts.getConfig.get(key) as string | undefined
  }

  setConfig(key: string, value: string): void {
    this.stmts.setConfig.run(key, value)
  }

  unsetConfig(key: string): boolean {
    return this.stmts.unsetConfig.run(key).changes > 0
  }

  listConfig(): Array<{key: string; value: string}> {
    return this.stmts.listConfig.all() as Array<{key: string; value: string}>
  }

  getState(key: string): string | undefined {
    return this.stmts.getState.get(key) as string | undefined
  }

  setState(key: string, value: string): void {
    this.stmts.setState.run(key, value)
  }

  deleteState(key: string): void {
    this.stmts.deleteState.run(key)
  }

  // ---- leases: running commands that write objects not yet reachable (gc must not collect them) ----

  acquireLease(pid: number, command: string, now: number): number {
    return this.transaction(() => Number(this.db.prepare('INSERT INTO leases(pid, started, command) VALUES (?, ?, ?)').run(pid, now, command).lastInsertRowid))
  }

  releaseLease(id: number): void {
    try {
      this.transaction(() => this.db.prepare('DELETE FROM leases WHERE id = ?').run(id))
    } catch {
      // A stale lease is detected by its dead pid and removed by the next gc.
    }
  }

  leases(): Array<{id: number; pid: number; started: number; command: string}> {
    return this.db.prepare('SELECT id, pid, started, command FROM leases').all() as Array<{id: number; pid: number; started: number; command: string}>
  }

  dropLease(id: number): void {
    this.db.prepare('DELETE FROM leases WHERE id = ?').run(id)
  }

  // ---- index (staging area + stat cache) -------------------------------------------------------

  /**
   * The index in path order (UTF-8 byte order), as the current transaction changed it. Callers
   * must not modify the array or its entries: a decoded index is kept for reuse (`indexCache`).
   */
  readIndex(): IndexEntry[] {
    if (this.indexInTx) {
      const entries = [...this.indexInTx.values()]
      // The map keeps the decoded (sorted) order for replaced and deleted entries: only added ones need a sort.
      return this.indexAdded ? entries.sort((x, y) => compareNames(x.path, y.path)) : entries
    }
    const version = this.stmts.dataVersion.get() as number
    if (this.indexCache?.version === version) return this.indexCache.entries
    const data = this.stmts.indexGet.get() as Buffer | undefined
    const entries = data ? decodeIndex(data) : []
    this.indexCache = {version, entries}
    return entries
  }

  /**
   * The index as stored (docs/format/store.md), undecoded, for a reader that looks at it in
   * place (the native tracked scan); null while the current transaction is changing it.
   */
  readIndexBlob(): Buffer | null {
    if (this.indexInTx) return null
    return (this.stmts.indexGet.get() as Buffer | undefined) ?? encodeIndex([])
  }

  /**
   * The last index decoded and the database's data_version then. SQLite changes data_version when
   * another connection commits, so an equal version means the blob is the one decoded, unless
   * this connection wrote it (saveIndexIfDirty drops the cache). A command that loads the index
   * and then changes it (add, checkout, ...) decodes 50,000 entries once instead of twice.
   */
  private indexCache: {version: number; entries: IndexEntry[]} | undefined

  /** Entries being changed by the current transaction; written back as one blob at commit. */
  private indexInTx: Map<string, IndexEntry> | undefined
  /** An entry was added to `indexInTx` (its order is then no longer sorted). */
  private indexAdded = false

  private mutableIndex(): Map<string, IndexEntry> {
    if (!this.inTx) throw new Error('index changes must run inside a transaction')
    if (!this.indexInTx) {
      const m = new Map<string, IndexEntry>()
      for (const e of this.readIndex()) m.set(e.path, e)
      this.indexInTx = m
      this.indexAdded = false
    }
    return this.indexInTx
  }

  private saveIndexIfDirty(): void {
    if (this.indexInTx) {
      this.stmts.indexSet.run(encodeIndex(this.readIndex()))
      this.indexInTx = undefined
      this.indexCache = undefined
    }
    this.forgetIndexTreeIfTouched()
  }

  private indexTouched = false

  /** The index changed without a new known tree: drop the cached "index equals tree X". */
  private forgetIndexTreeIfTouched(): void {
    if (this.indexTouched) this.stmts.deleteState.run(INDEX_TREE_KEY)
    this.indexTouched = false
  }

  /** The index as stored now, for `restoreIndex` when a command fails after staging. Outside a transaction. */
  indexSnapshot(): IndexSnapshot {
    return {blob: (this.stmts.indexGet.get() as Buffer | undefined) ?? null, tree: this.indexTree()}
  }

  /**
   * Puts the index of `before` back, unless another process changed it since `after` (then its
   * change wins, and false is returned). Git's `commit -a` stages into a temporary index for the
   * same reason: a refused commit leaves the index as it was.
   */
  restoreIndex(before: IndexSnapshot, after: IndexSnapshot): boolean {
    return this.transaction(() => {
      if (!this.indexUnchangedSince(after)) return false
      if (before.blob) this.stmts.indexSet.run(before.blob)
      else this.stmts.indexDelete.run()
      if (before.tree) this.stmts.setState.run(INDEX_TREE_KEY, before.tree)
      else this.stmts.deleteState.run(INDEX_TREE_KEY)
      this.indexCache = undefined
      return true
    }, {durable: true})
  }

  /** Drops the stored index (a corrupt one, before `bl reset` rebuilds it from a tree). Call inside a transaction. */
  discardIndex(): void {
    this.stmts.indexDelete.run()
    this.stmts.deleteState.run(INDEX_TREE_KEY)
    this.indexInTx = undefined
    this.indexCache = undefined
    this.indexTouched = false
  }

  /** Is the stored index (not this transaction's changes) byte for byte the one of `snap`? */
  indexUnchangedSince(snap: IndexSnapshot): boolean {
    const now = (this.stmts.indexGet.get() as Buffer | undefined) ?? null
    return now === snap.blob || (now !== null && snap.blob !== null && now.equals(snap.blob))
  }

  /** Records that the index holds exactly tree `id` (status then skips the HEAD-vs-index diff). */
  setIndexTree(id: Oid): void {
    this.stmts.setState.run(INDEX_TREE_KEY, id)
    this.indexTouched = false
  }

  indexTree(): Oid | undefined {
    return this.stmts.getState.get(INDEX_TREE_KEY) as Oid | undefined
  }

  /** Updates only the stat data of an entry (its content is unchanged). */
  refreshIndexStat(e: IndexEntry): void {
    const m = this.mutableIndex()
    const cur = m.get(e.path)
    if (cur && cur.id === e.id) m.set(e.path, {...cur, mtime: e.mtime, ctime: e.ctime, ino: e.ino, checked: e.checked})
  }

  putIndexEntry(e: IndexEntry): void {
    const m = this.mutableIndex()
    if (!this.indexAdded && !m.has(e.path)) this.indexAdded = true
    m.set(e.path, e)
    this.indexTouched = true
  }

  deleteIndexEntry(path: string): void {
    this.mutableIndex().delete(path)
    this.indexTouched = true
  }

  // ---- remote index cache ----------------------------------------------------------------------
  // What each remote holds, from its pack indexes: push negotiates against it and fetch finds
  // objects with it, without listing the remote's objects again. Created on first use, so
  // repositories made before remotes existed need no migration.

  private remoteStmts: {
    packs: Database.Statement
    addPack: Database.Statement
    addObject: Database.Statement
    object: Database.Statement
    has: Database.Statement
    forget: Database.Statement
    forgetObjects: Database.Statement
  } | undefined

  private remoteCache(): NonNullable<SqliteObjectStore['remoteStmts']> {
    if (this.remoteStmts) return this.remoteStmts
    const exists = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'remote_objects'").get()
    if (!exists) {
      this.transaction(() =>
        this.db.exec(`
CREATE TABLE IF NOT EXISTS remote_packs(remote TEXT NOT NULL, pack TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY(remote, pack)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS remote_objects(remote TEXT NOT NULL, chunk INTEGER NOT NULL, id BLOB NOT NULL, pack TEXT NOT NULL, kind INTEGER NOT NULL,
  flags INTEGER NOT NULL, offset INTEGER NOT NULL, stored INTEGER NOT NULL, raw INTEGER NOT NULL, PRIMARY KEY(remote, chunk, id)) WITHOUT ROWID;`),
      )
    }
    const db = this.db
    this.remoteStmts = {
      packs: db.prepare('SELECT pack FROM remote_packs WHERE remote = ?').pluck(),
      addPack: db.prepare('INSERT OR IGNORE INTO remote_packs(remote, pack, size) VALUES (?, ?, ?)'),
      addObject: db.prepare('INSERT OR IGNORE INTO remote_objects(remote, chunk, id, pack, kind, flags, offset, stored, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      object: db.prepare('SELECT pack, kind, flags, offset, stored, raw FROM remote_objects WHERE remote = ? AND chunk = ? AND id = ?'),
      has: db.prepare('SELECT 1 FROM remote_objects WHERE remote = ? AND chunk = ? AND id = ?').pluck(),
      forget: db.prepare('DELETE FROM remote_packs WHERE remote = ?'),
      forgetObjects: db.prepare('DELETE FROM remote_objects WHERE remote = ?'),
    }
    return this.remoteStmts
  }

  remotePacks(remote: string): Set<string> {
    return new Set(this.remoteCache().packs.all(remote) as string[])
  }

  /**
   * Records several packs' indexes at once, rows in key order: a B-tree takes sorted inserts far
   * faster than random ones (the ids are hashes), which matters for 100,000 entries. Chunks and
   * objects are separate id spaces (a one-chunk file's chunk id is its file id, which is also its
   * blob record's id), as in the local store. Call inside a transaction.
   */
  addRemotePacks(remote: string, idxs: Array<{pack: string; packSize: number; entries: Array<{id: string; kind: string; flags: number; offset: number; storedLen: number; rawLen: number}>}>): void {
    const st = this.remoteCache()
    const rows: Array<{chunk: number; id: Buffer; pack: string; e: (typeof idxs)[number]['entries'][number]}> = []
    for (const idx of idxs) {
      st.addPack.run(remote, idx.pack, idx.packSize)
      for (const e of idx.entries) rows.push({chunk: e.kind === 'chunk' ? 1 : 0, id: hexBuf(e.id), pack: idx.pack, e})
    }
    rows.sort((a, b) => a.chunk - b.chunk || Buffer.compare(a.id, b.id))
    for (const {chunk, id, pack, e} of rows) st.addObject.run(remote, chunk, id, pack, REMOTE_KIND[e.kind], e.flags, e.offset, e.storedLen, e.rawLen)
  }

  /** Records a remote pack's index (call inside a transaction). */
  addRemotePack(remote: string, idx: Parameters<SqliteObjectStore['addRemotePacks']>[1][number]): void {
    this.addRemotePacks(remote, [idx])
  }

  remoteObject(remote: string, id: Oid, chunk: boolean): {pack: string; kind: string; flags: number; offset: number; storedLen: number; rawLen: number} | undefined {
    const r = this.remoteCache().object.get(remote, chunk ? 1 : 0, hexBuf(id)) as {pack: string; kind: number; flags: number; offset: number; stored: number; raw: number} | undefined
    return r ? {pack: r.pack, kind: REMOTE_KIND_OF[r.kind]!, flags: r.flags, offset: r.offset, storedLen: r.stored, rawLen: r.raw} : undefined
  }

  hasRemoteObject(remote: string, id: Oid, chunk: boolean): boolean {
    return this.remoteCache().has.get(remote, chunk ? 1 : 0, hexBuf(id)) !== undefined
  }

  /** Remotes whose cached indexes list chunk `id`. */
  remotesWithChunk(remotes: string[], id: Oid): string[] {
    const has = this.remoteCache().has
    const key = hexBuf(id)
    return remotes.filter((r) => has.get(r, 1, key) !== undefined)
  }

  /** Every cached index entry of a remote: which pack holds which object (one pack per id). */
  *iterateRemoteObjects(remote: string): Generator<{chunk: boolean; id: string; pack: string}> {
    this.remoteCache()
    for (const r of this.db.prepare('SELECT chunk, id, pack FROM remote_objects WHERE remote = ?').iterate(remote) as Iterable<{chunk: number; id: Buffer; pack: string}>)
      yield {chunk: r.chunk === 1, id: r.id.toString('hex'), pack: r.pack}
  }

  /** Sizes of the packs of a remote, as their indexes state them. */
  remotePackSizes(remote: string): Map<string, number> {
    this.remoteCache()
    const rows = this.db.prepare('SELECT pack, size FROM remote_packs WHERE remote = ?').all(remote) as Array<{pack: string; size: number}>
    return new Map(rows.map((r) => [r.pack, r.size]))
  }

  /** `bl remote rename`: the cached indexes stay with the repository they describe (call inside a transaction). */
  renameRemoteCache(from: string, to: string): void {
    this.remoteCache()
    this.db.prepare('UPDATE remote_packs SET remote = ? WHERE remote = ?').run(to, from)
    this.db.prepare('UPDATE remote_objects SET remote = ? WHERE remote = ?').run(to, from)
  }

  /** Forgets everything cached about a remote (removed or re-pointed). */
  forgetRemote(remote: string): void {
    const st = this.remoteCache()
    st.forget.run(remote)
    st.forgetObjects.run(remote)
  }

  // ---- table statistics, cached by file id (a committed file's stats never change) ----

  private statsStmts: {get: Database.Statement; put: Database.Statement} | undefined

  private tableStatsTable(): NonNullable<SqliteObjectStore['statsStmts']> {
    if (this.statsStmts) return this.statsStmts
    if (!this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'table_stats'").get())
      this.transaction(() => this.db.exec('CREATE TABLE IF NOT EXISTS table_stats(blob BLOB NOT NULL, variant TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY(blob, variant)) WITHOUT ROWID'))
    this.statsStmts = {
      get: this.db.prepare('SELECT data FROM table_stats WHERE blob = ? AND variant = ?').pluck(),
      put: this.db.prepare('INSERT INTO table_stats(blob, variant, data) VALUES (?, ?, ?) ON CONFLICT(blob, variant) DO UPDATE SET data = excluded.data'),
    }
    return this.statsStmts
  }

  /** Cached statistics of a file (`variant`: the stats version and the read options). */
  getTableStats(blob: Oid, variant: string): string | undefined {
    return this.tableStatsTable().get.get(hexBuf(blob), variant) as string | undefined
  }

  putTableStats(blob: Oid, variant: string, data: string): void {
    const st = this.tableStatsTable()
    this.transaction(() => st.put.run(hexBuf(blob), variant, data))
  }

  // ---- content use: when a file's content was last written out or read (gc --evict goes LRU) ----

  private useStmts: {touch: Database.Statement; all: Database.Statement} | undefined

  private contentUseTable(): NonNullable<SqliteObjectStore['useStmts']> {
    if (this.useStmts) return this.useStmts
    if (!this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'content_use'").get())
      this.transaction(() => this.db.exec('CREATE TABLE IF NOT EXISTS content_use(blob BLOB PRIMARY KEY, used INTEGER NOT NULL) WITHOUT ROWID'))
    this.useStmts = {
      touch: this.db.prepare('INSERT INTO content_use(blob, used) VALUES (?, ?) ON CONFLICT(blob) DO UPDATE SET used = excluded.used'),
      all: this.db.prepare('SELECT blob, used FROM content_use'),
    }
    return this.useStmts
  }

  /** Records that these files' contents were used at `timeMs` (call inside a transaction). */
  touchContent(blobs: Iterable<Oid>, timeMs: number): void {
    const st = this.contentUseTable()
    for (const b of blobs) st.touch.run(hexBuf(b), timeMs)
  }

  /** Last use per file id (files never used since they were stored are absent). */
  contentUse(): Map<string, number> {
    const rows = this.contentUseTable().all.all() as Array<{blob: Buffer; used: number}>
    return new Map(rows.map((r) => [r.blob.toString('hex'), r.used]))
  }

  clearIndex(): void {
    this.mutableIndex().clear()
    this.indexTouched = true
  }
}
