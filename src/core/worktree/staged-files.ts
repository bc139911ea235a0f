/**
 * Files a clone writes while their content downloads. A clone used to fetch every chunk into the
 * store and then check out by reading it all back: the download kept the remote busy and the
 * checkout ran after it with the network idle (D1: ~4 s of a ~15 s clone). Now the fetch hands
 * each file's bytes, in order and checked against the file's id (remote/blob-check.ts), to this
 * sink, which writes them to `.bl/stage-<pid>/<id>`; the checkout then renames a staged file into
 * place instead of writing it (materialize.ts). The store still receives every chunk.
 *
 * A merge stages the files it merges by content the same way (merge/content-merge.ts): their
 * bytes are produced once, so the checkout of the result need not read them back from the store.
 * Their id is known only after the last byte, so they are written under a key and named at the end.
 *
 * Staging is an optimisation only: any failure here drops that file (and, for a failure of the
 * file system such as a full disk or too many open files, stops staging), and the checkout writes
 * it from the store as usual. A bl killed mid-clone leaves its stage directory; the next checkout
 * or `bl gc` in that repository removes stages of processes that are gone.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {ContentSink} from '../content-sink.js'
import type {Oid} from '../hash.js'
import {leftBehind} from '../process-alive.js'

const STAGE_DIR = /^stage-(\d+)$/
/** Files being written at once (a file waits for a chunk of a range that finished later). */
const MAX_OPEN = 128

/** Removes the stage directories under `blDir` of processes that no longer run (best effort). */
export function sweepStaleStages(blDir: string): void {
  for (const name of leftBehind(blDir, STAGE_DIR)) quietRm(path.join(blDir, name), true)
}

function quietRm(p: string, recursive = false): void {
  try {
    fs.rmSync(p, {recursive, force: true})
  } catch {
    // best effort: a leftover is removed by the next sweep
  }
}

export class StagedFiles implements ContentSink {
  /** Files being written, by id or (named at their end) by an `unnamed-<n>` key. */
  private readonly writing = new Map<string, {fd: number; size: number}>()
  private unnamed = 0
  private readonly ready = new Map<Oid, number>()
  private made = false
  /** A file-system failure (full disk, too many open files): stage nothing more. */
  private stopped = false
  /** Mode of a file created with 0o777 here (the umask applied), for executables. */
  private execMode: number | undefined
  /** Files taken into the work tree so far. */
  taken = 0

  private constructor(private readonly dir: string) {}

  /** A stage under `blDir` (the repository's `.bl`), after removing stages of dead processes. */
  static in(blDir: string): StagedFiles {
    sweepStaleStages(blDir)
    return new StagedFiles(path.join(blDir, `stage-${process.pid}`))
  }

  private file(key: string): string {
    return path.join(this.dir, key)
  }

  begin(id: Oid): boolean {
    if (this.ready.has(id) || this.writing.has(id)) return false
    return this.open(id)
  }

  /** Starts a file whose id is known only after its last byte: returns its key for `write` and `endAs`. */
  beginUnnamed(): string | undefined {
    const key = `unnamed-${this.unnamed++}`
    return this.open(key) ? key : undefined
  }

  private open(key: string): boolean {
    if (this.stopped || this.writing.size >= MAX_OPEN) return false
    try {
      if (!this.made) {
        fs.mkdirSync(this.dir, {recursive: true})
        this.made = true
        // The umask, as an open with 0o777 applies it (process.umask() is not thread-safe to read).
        const probe = path.join(this.dir, 'mode')
        fs.closeSync(fs.openSync(probe, 'w', 0o777))
        this.execMode = fs.statSync(probe).mode & 0o777
        fs.rmSync(probe)
      }
      this.writing.set(key, {fd: fs.openSync(this.file(key), 'w', 0o666), size: 0})
      return true
    } catch {
      this.stopped = true
      return false
    }
  }

  write(key: string, bytes: Uint8Array): void {
    const w = this.writing.get(key)
    if (!w) return
    try {
      let off = 0
      while (off < bytes.length) off += fs.writeSync(w.fd, bytes, off, bytes.length - off)
      w.size += bytes.length
    } catch {
      this.stopped = true
      this.drop(key)
    }
  }

  end(id: Oid, ok: boolean): void {
    const w = this.writing.get(id)
    if (!w) return
    this.writing.delete(id)
    try {
      fs.closeSync(w.fd)
      if (ok) return void this.ready.set(id, w.size)
    } catch {
      this.stopped = true
    }
    quietRm(this.file(id))
  }

  /**
   * Ends the file started with `beginUnnamed`, now known to be `id` (its bytes were hashed on the
   * way); undefined drops it. One already staged with that id is kept instead.
   */
  endAs(key: string, id: Oid | undefined): void {
    const w = this.writing.get(key)
    if (!w) return
    this.writing.delete(key)
    try {
      fs.closeSync(w.fd)
      if (id !== undefined && !this.ready.has(id) && !this.writing.has(id)) {
        fs.renameSync(this.file(key), this.file(id))
        return void this.ready.set(id, w.size)
      }
    } catch {
      this.stopped = true
    }
    quietRm(this.file(key))
  }

  private drop(key: string): void {
    const w = this.writing.get(key)
    this.writing.delete(key)
    try {
      if (w) fs.closeSync(w.fd)
    } catch {
      // closing a descriptor that failed a write: nothing more to release
    }
    quietRm(this.file(key))
  }

  /** Bytes of the staged file with this id, if one is ready. */
  size(id: Oid): number | undefined {
    return this.ready.get(id)
  }

  /**
   * Moves the staged file with this id to `dest` (replacing what is there), executable when `exec`
   * (the mode an open with 0o777 gives, as the usual write would). False when there is none or
   * the rename fails (another file system): write it the usual way.
   */
  take(id: Oid, dest: string, exec: boolean): boolean {
    if (!this.ready.has(id)) return false
    const src = this.file(id)
    this.ready.delete(id)
    try {
      if (exec) fs.chmodSync(src, this.execMode ?? 0o755)
      fs.renameSync(src, dest)
      this.taken++
      return true
    } catch {
      quietRm(src)
      return false
    }
  }

  /** Removes whatever was not taken. Never throws: it runs on the way out of a failed clone too. */
  dispose(): void {
    for (const id of [...this.writing.keys()]) this.drop(id)
    this.ready.clear()
    if (this.made) quietRm(this.dir, true)
  }
}
