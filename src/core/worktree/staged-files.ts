/**
 * Files a clone writes while their content downloads. A clone used to fetch every chunk into the
 * store and then check out by reading it all back: the download kept the remote busy and the
 * checkout ran after it with the network idle (D1: ~4 s of a ~15 s clone). Now the fetch hands
 * each file's bytes, in order and checked against the file's id (remote/blob-check.ts), to this
 * sink, which writes them to `.bl/stage-<pid>/<id>`; the checkout then renames a staged file into
 * place instead of writing it (materialize.ts). The store still receives every chunk.
 *
 * Staging is an optimisation only: any failure here (disk full, too many files open at once, a
 * record whose bytes did not hash to its id) drops that file, and the checkout writes it from the
 * store as usual. A bl killed mid-clone leaves its stage directory; the next staging in the same
 * repository removes directories of processes that are gone.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {Oid} from '../hash.js'
import {processAlive} from '../process-alive.js'
import type {ContentSink} from '../remote/blob-check.js'

const STAGE_DIR = /^stage-(\d+)$/
/** Files being written at once (a file waits for a chunk of a range that finished later). */
const MAX_OPEN = 128

export class StagedFiles implements ContentSink {
  private readonly writing = new Map<Oid, {fd: number; size: number}>()
  private readonly ready = new Map<Oid, number>()
  private made = false

  private constructor(private readonly dir: string) {}

  /** A stage under `blDir` (the repository's `.bl`), after removing stages of dead processes. */
  static in(blDir: string): StagedFiles {
    for (const name of safeReaddir(blDir)) {
      const m = STAGE_DIR.exec(name)
      if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) fs.rmSync(path.join(blDir, name), {recursive: true, force: true})
    }
    return new StagedFiles(path.join(blDir, `stage-${process.pid}`))
  }

  private file(id: Oid): string {
    return path.join(this.dir, id)
  }

  begin(id: Oid): boolean {
    if (this.ready.has(id) || this.writing.has(id) || this.writing.size >= MAX_OPEN) return false
    try {
      if (!this.made) fs.mkdirSync(this.dir, {recursive: true})
      this.made = true
      this.writing.set(id, {fd: fs.openSync(this.file(id), 'w', 0o666), size: 0})
      return true
    } catch {
      return false
    }
  }

  write(id: Oid, bytes: Uint8Array): void {
    const w = this.writing.get(id)
    if (!w) return
    try {
      let off = 0
      while (off < bytes.length) off += fs.writeSync(w.fd, bytes, off, bytes.length - off)
      w.size += bytes.length
    } catch {
      this.drop(id)
    }
  }

  end(id: Oid, ok: boolean): void {
    const w = this.writing.get(id)
    if (!w) return
    this.writing.delete(id)
    try {
      fs.closeSync(w.fd)
      if (ok) this.ready.set(id, w.size)
      else fs.rmSync(this.file(id), {force: true})
    } catch {
      fs.rmSync(this.file(id), {force: true})
    }
  }

  private drop(id: Oid): void {
    const w = this.writing.get(id)
    this.writing.delete(id)
    try {
      if (w) fs.closeSync(w.fd)
    } catch {
      // closing a descriptor that failed a write: nothing more to release
    }
    fs.rmSync(this.file(id), {force: true})
  }

  /** Bytes of the staged file with this id, if one is ready. */
  size(id: Oid): number | undefined {
    return this.ready.get(id)
  }

  /**
   * Moves the staged file with this id to `dest` (replacing what is there), executable when `exec`.
   * False when there is none or the rename fails (another file system): write it the usual way.
   */
  take(id: Oid, dest: string, exec: boolean): boolean {
    if (!this.ready.has(id)) return false
    const src = this.file(id)
    this.ready.delete(id)
    try {
      if (exec) {
        // As an open with 0o777 would: x wherever the umask left r.
        const mode = fs.statSync(src).mode & 0o777
        fs.chmodSync(src, mode | ((mode & 0o444) >> 2))
      }
      fs.renameSync(src, dest)
      return true
    } catch {
      fs.rmSync(src, {force: true})
      return false
    }
  }

  /** Removes whatever was not taken. */
  dispose(): void {
    for (const id of [...this.writing.keys()]) this.drop(id)
    this.ready.clear()
    if (this.made) fs.rmSync(this.dir, {recursive: true, force: true})
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
  } catch {
    return []
  }
}
