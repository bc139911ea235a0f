/**
 * The index: what the next commit will contain, plus each file's stat data so unchanged files
 * are never re-read. An entry is trusted only when its stat matches and the file was last
 * modified before the moment the entry is dated by (the racy-clean rule of Git: a write in the
 * same timestamp tick as the hash would otherwise go unnoticed). Entries are dated by the file
 * system's own clock (`fileClock`), so the two times compared come from one clock.
 */
import {entryType, type EntryType, type FileStat} from './dir-reader.js'
import nodeFs from 'node:fs'
import nodePath from 'node:path'
import {hashHex} from '../hash.js'
import type {Repo} from '../repo.js'
import type {IndexEntry} from '../store/types.js'
import {hashFile, type IngestResult} from './ingest.js'
import {absPath} from './paths.js'

/**
 * When the file system's clock cannot be read (a read-only .bl), entries are dated by the system
 * clock less this margin: a file modified less than this before it was hashed is re-hashed next time.
 */
export const RACY_WINDOW_MS = 1000

/** The file `fileClock` writes, in .bl. */
export const CLOCK_FILE = 'clock'

/**
 * The file system's clock: the modification time the kernel gives a file written now, as Git
 * dates index entries by its index file's timestamp. A file whose mtime is earlier was last
 * written in an earlier timestamp tick, so a later write gives it another mtime; one with the
 * same (or a later) mtime is racy. Comparing with the system clock instead needed a margin for
 * coarse timestamps (ext4 takes them from a clock that lags by up to a tick, FAT and some NFS
 * servers keep seconds) and for a server's clock: it was 1 s, which left every file written in
 * the second before the index racy (the first status after a D2 checkout: 1.76 s, now 1.13 s).
 * It speaks for the file system .bl is on; files on another device keep a margin (statClean).
 */
export function fileClock(repo: Repo): number {
  return readFileClock(repo) ?? repo.nowMs() - RACY_WINDOW_MS
}

/** The clock file's new mtime, or undefined when it cannot be written (a read-only `.bl`). */
function readFileClock(repo: Repo): number | undefined {
  const file = nodePath.join(repo.blDir, CLOCK_FILE)
  try {
    // No O_TRUNC and no following a link planted in .bl: only this one-byte file is ever written.
    const fd = nodeFs.openSync(file, nodeFs.constants.O_WRONLY | nodeFs.constants.O_CREAT | nodeFs.constants.O_NOFOLLOW, 0o644)
    try {
      nodeFs.writeSync(fd, 'x', 0)
      return nodeFs.fstatSync(fd).mtimeMs
    } finally {
      nodeFs.closeSync(fd)
    }
  } catch {
    return undefined
  }
}

export function loadIndex(repo: Repo): Map<string, IndexEntry> {
  const m = new Map<string, IndexEntry>()
  for (const e of repo.store.readIndex()) m.set(e.path, e)
  return m
}

export function isExec(st: FileStat): boolean {
  return (st.mode & 0o100) !== 0
}

export function statKind(st: FileStat): EntryType {
  return entryType(st)
}

export function makeEntry(path: string, st: FileStat, res: IngestResult, checked: number): IndexEntry {
  const kind = st.isSymbolicLink() ? 'symlink' : 'file'
  return {path, kind, exec: kind === 'file' && isExec(st), size: res.size, id: res.id, mtime: st.mtimeMs, ctime: st.ctimeMs, ino: st.ino, checked}
}

/**
 * Dates the entries of files an operation wrote by the moment its index is written (`fileClock`
 * then), as Git dates them by the index file's timestamp: a file last modified in an earlier tick
 * is trusted by its stat from then on. Dated by the operation's start instead, every file a
 * checkout or clone wrote was racy and the first status after it read the whole tree again.
 * Entries without stat data stay as they are.
 *
 * Files written in the clock's current tick would stay racy: the next status would hash them
 * again and rewrite the whole index (a D2 checkout left ~130 such files, costing that status
 * ~0.2 s). So when the newest entry is not older than the clock, this waits for the clock to
 * pass it (one tick, a few ms; at most SETTLE_MAX_MS). That trusts those files exactly as the
 * earlier ones are trusted: a same-size rewrite by another process in the tick of bl's own write
 * goes unseen, as it does for every file written before the index (and in Git).
 */
export function dateEntries(repo: Repo, entries: IndexEntry[]): void {
  // Entries are dated in place: pass only entries made for this write (makeEntry), never ones
  // read from the index, which the store shares between its readers.
  let newest = -Infinity
  for (const e of entries) if (e.mtime !== 0 && e.mtime > newest) newest = e.mtime
  if (newest === -Infinity) return
  const now = clockAfter(repo, newest)
  for (const e of entries) if (e.mtime !== 0) e.checked = now
}

/**
 * The file clock once it has passed `mtime` (waiting at most SETTLE_MAX_MS; later timestamps are
 * not waited for), so a file last written at `mtime` is not racy against the reading.
 */
export function clockAfter(repo: Repo, mtime: number): number {
  let now = readFileClock(repo)
  // Without the clock file the fallback never passes a recent file; a timestamp further ahead
  // than the longest wait is not waited for either.
  if (now === undefined) return repo.nowMs() - RACY_WINDOW_MS
  if (now > mtime || mtime - now > SETTLE_MAX_MS) return now
  const deadline = performance.now() + SETTLE_MAX_MS
  while (now <= mtime && performance.now() < deadline) {
    Atomics.wait(sleeper, 0, 0, 1)
    now = readFileClock(repo) ?? now
  }
  return now
}

/** The longest clockAfter waits for the clock to tick (ext4's tick is a jiffy, 1-10 ms). */
export const SETTLE_MAX_MS = 50
const sleeper = new Int32Array(new SharedArrayBuffer(4))

/**
 * A file on another device than `.bl` (a mount inside the work tree) is trusted only when it was
 * modified this long before its entry's date: the clock file tells nothing of that file system's
 * timestamps, which may be coarser (FAT, exFAT: 2 s; HFS+, some SMB servers: 1 s) or come from a
 * server's clock.
 */
export const OTHER_DEVICE_MARGIN_MS = 2000

const clockDevices = new WeakMap<Repo, number | null>()

/** The device `.bl` (and so the clock file) is on; undefined when it cannot be read. */
export function clockDevice(repo: Repo): number | undefined {
  if (!clockDevices.has(repo)) {
    try {
      clockDevices.set(repo, nodeFs.statSync(repo.blDir).dev)
    } catch {
      clockDevices.set(repo, null)
    }
  }
  return clockDevices.get(repo) ?? undefined
}

/**
 * Does the stat cache prove the file still has the entry's content? `clockDev`: the device of
 * the clock file (`clockDevice`); a file on another one needs OTHER_DEVICE_MARGIN_MS.
 */
export function statClean(e: IndexEntry, st: FileStat, clockDev?: number): boolean {
  const kind = statKind(st)
  if (kind !== e.kind) return false
  if (kind === 'file' && isExec(st) !== e.exec) return false
  const margin = clockDev === undefined || st.dev === clockDev ? 0 : OTHER_DEVICE_MARGIN_MS
  return (
    e.mtime !== 0 &&
    st.mtimeMs === e.mtime &&
    st.ctimeMs === e.ctime &&
    st.ino === e.ino &&
    st.size === e.size &&
    e.mtime + margin < e.checked
  )
}

/**
 * Does the work-tree file still hold the entry's content? The stat cache answers when it can;
 * otherwise the file is hashed. For checks that refuse to lose edits (rm, --abort, --ours/--theirs).
 */
export function holdsIndexContent(repo: Repo, e: IndexEntry, st: FileStat, clockDev?: number): boolean {
  return statClean(e, st, clockDev) || worktreeId(repo, e.path, st).id === e.id
}

/** The content id of a work-tree file or symlink (hashing only; nothing is stored). */
export function worktreeId(repo: Repo, path: string, st: FileStat): IngestResult {
  const abs = absPath(repo, path)
  if (st.isSymbolicLink()) {
    const target = nodeFs.readlinkSync(abs)
    const bytes = Buffer.from(target, 'utf8')
    return {id: hashHex(bytes), size: bytes.length}
  }
  return hashFile(abs, path)
}


export interface WorktreeCompare {
  /** The file matches the entry. */
  clean: boolean
  /** Set when the file was re-hashed: the id it has now. */
  current?: IngestResult
  /** An entry refreshed with new stat data (for clean files whose cache was stale). */
  refreshed?: IndexEntry
}

/**
 * Compares a tracked file with its index entry, re-hashing only when the stat cache can't tell.
 * `clock` dates a refreshed entry; it is read before the file is hashed.
 */
export function compareWithIndex(repo: Repo, e: IndexEntry, st: FileStat, clock: () => number): WorktreeCompare {
  if (statClean(e, st, clockDevice(repo))) return {clean: true}
  const kind = statKind(st)
  if (kind !== 'file' && kind !== 'symlink') return {clean: false}
  if (kind !== e.kind || (kind === 'file' && isExec(st) !== e.exec)) return {clean: false}
  if (st.size !== e.size) return {clean: false}
  const checked = clock()
  const current = worktreeId(repo, e.path, st)
  if (current.id !== e.id) return {clean: false, current}
  return {clean: true, current, refreshed: makeEntry(e.path, st, current, checked)}
}
