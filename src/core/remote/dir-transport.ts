/**
 * A remote in a plain directory (`file:///path` or a path): a shared disk, or a test double with
 * the same semantics as S3. Writes go to a temporary file that is fsynced and renamed into place;
 * conditional writes hold a per-key lock file (created exclusively), so two processes can't both
 * win. The lock names its holder (`<pid> <host>`): one left by a killed process of this machine is
 * taken over at once, any other only once it is 30 s old. The ETag is the BLAKE3 of the content.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {processAlive} from '../process-alive.js'
import {hashHex} from '../hash.js'
import {PreconditionFailedError, remoteIoError, type KeyInfo, type PutCondition, type RemoteObject, type Transport} from './transport.js'

const LOCK_STALE_MS = 30_000
let tmpSeq = 0

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

export class DirTransport implements Transport {
  readonly display: string

  constructor(private readonly root: string) {
    this.display = root
  }

  private file(key: string): string {
    if (key.split('/').some((p) => p === '' || p === '.' || p === '..')) throw new Error(`bad remote key ${key}`)
    return path.join(this.root, ...key.split('/'))
  }

  async get(key: string): Promise<RemoteObject | undefined> {
    try {
      const body = await fs.promises.readFile(this.file(key))
      return {body, etag: hashHex(body)}
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw remoteIoError(this.display, `reading ${key}`, err)
    }
  }

  async getRange(key: string, start: number, end: number, into?: Buffer): Promise<Buffer> {
    let fh: fs.promises.FileHandle | undefined
    try {
      fh = await fs.promises.open(this.file(key), 'r')
      const buf = into && into.length >= end - start ? into.subarray(0, end - start) : Buffer.allocUnsafe(end - start)
      let got = 0
      while (got < buf.length) {
        const {bytesRead} = await fh.read(buf, got, buf.length - got, start + got)
        if (bytesRead === 0) break
        got += bytesRead
      }
      return buf.subarray(0, got)
    } catch (err) {
      throw remoteIoError(this.display, `reading ${key}`, err)
    } finally {
      await fh?.close()
    }
  }

  async put(key: string, body: Buffer, cond: PutCondition = {}): Promise<string> {
    const file = this.file(key)
    await fs.promises.mkdir(path.dirname(file), {recursive: true})
    if (!cond.ifMatch && !cond.ifNoneMatch) {
      await this.writeAtomic(file, body)
      return hashHex(body)
    }
    const release = await this.lock(file)
    try {
      const cur = await this.get(key)
      if (cond.ifNoneMatch && cur) throw new PreconditionFailedError(key)
      if (cond.ifMatch && (!cur || cur.etag !== cond.ifMatch)) throw new PreconditionFailedError(key)
      await this.writeAtomic(file, body)
      return hashHex(body)
    } finally {
      await release()
    }
  }

  private async writeAtomic(file: string, body: Buffer): Promise<void> {
    const tmp = `${file}.tmp-${process.pid}-${tmpSeq++}`
    try {
      const fh = await fs.promises.open(tmp, 'w')
      try {
        await fh.writeFile(body)
        await fh.sync()
      } finally {
        await fh.close()
      }
      await fs.promises.rename(tmp, file)
    } catch (err) {
      await fs.promises.rm(tmp, {force: true})
      throw remoteIoError(this.display, `writing ${path.relative(this.root, file)}`, err)
    }
  }

  private async lock(file: string): Promise<() => Promise<void>> {
    const lockFile = `${file}.lock`
    for (let attempt = 0; ; attempt++) {
      try {
        await createLock(lockFile)
        return () => fs.promises.rm(lockFile, {force: true})
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw remoteIoError(this.display, 'locking a ref', err)
        // A lock left by a killed process goes stale.
        const st = await fs.promises.stat(lockFile).catch(() => undefined)
        if (st && (Date.now() - st.mtimeMs > LOCK_STALE_MS || (await holderIsGone(lockFile)))) await breakStaleLock(lockFile, st)
        await sleep(Math.min(200, 5 * (attempt + 1)))
      }
    }
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = []
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries: fs.Dirent[]
      try {
        entries = await fs.promises.readdir(dir, {withFileTypes: true})
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
        throw remoteIoError(this.display, `listing ${rel || '/'}`, err)
      }
      for (const e of entries) {
        const r = rel ? `${rel}/${e.name}` : e.name
        if (e.isDirectory()) await walk(path.join(dir, e.name), r)
        else if (!/\.(tmp-\d+-\d+|lock|lock\.stale-[\w-]+)$/.test(e.name) && r.startsWith(prefix)) out.push(r)
      }
    }
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : ''
    await walk(base ? path.join(this.root, ...base.split('/')) : this.root, base)
    return out.sort()
  }

  async listWithInfo(prefix: string): Promise<KeyInfo[]> {
    const out: KeyInfo[] = []
    for (const key of await this.list(prefix)) {
      const st = await fs.promises.stat(this.file(key)).catch(() => undefined)
      if (st) out.push({key, size: st.size, modified: st.mtimeMs})
    }
    return out
  }

  async delete(keys: string[]): Promise<void> {
    for (const k of keys) await fs.promises.rm(this.file(k), {force: true})
  }

  async copyFrom(src: Transport, key: string): Promise<boolean> {
    if (!(src instanceof DirTransport)) return false
    const from = src.file(key)
    const to = this.file(key)
    await fs.promises.mkdir(path.dirname(to), {recursive: true})
    try {
      // Objects are immutable, so sharing the inode is safe; across file systems, a (reflink) copy.
      await fs.promises.link(from, to)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EEXIST') return true
      if (code !== 'EXDEV' && code !== 'EPERM') throw remoteIoError(this.display, `copying ${key}`, err)
      await fs.promises.copyFile(from, to, fs.constants.COPYFILE_FICLONE)
    }
    return true
  }

  close(): void {}
}

const LOCK_OWNER = `${process.pid} ${os.hostname()}\n`

/**
 * Creates `lockFile` holding LOCK_OWNER, or fails with EEXIST. Written aside and hard-linked into
 * place, so the lock never exists without its owner (a link fails if the name is taken); where
 * links are not supported, created exclusively and then written.
 */
async function createLock(lockFile: string): Promise<void> {
  const tmp = `${lockFile}.tmp-${process.pid}-${tmpSeq++}`
  await fs.promises.writeFile(tmp, LOCK_OWNER)
  try {
    await fs.promises.link(tmp, lockFile)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err
    const fh = await fs.promises.open(lockFile, 'wx')
    try {
      await fh.writeFile(LOCK_OWNER)
    } finally {
      await fh.close()
    }
  } finally {
    await fs.promises.rm(tmp, {force: true})
  }
}

/** Is the lock held by a process of this machine that has exited (killed without releasing it)? */
async function holderIsGone(lockFile: string): Promise<boolean> {
  const text = await fs.promises.readFile(lockFile, 'utf8').catch(() => '')
  const m = /^(\d+) (.+)\n$/.exec(text)
  return m !== null && m[2] === os.hostname() && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))
}

/**
 * Removes a stale lock without ever removing a fresh one: two processes may both find the same
 * stale lock, and the slower one must not delete the lock the faster one has taken since. The
 * lock is moved aside atomically and deleted only if it is the very file found stale (same inode);
 * a fresh lock moved aside by mistake is put back (link fails if yet another process holds it).
 */
async function breakStaleLock(lockFile: string, stale: fs.Stats): Promise<void> {
  const aside = `${lockFile}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`
  try {
    await fs.promises.rename(lockFile, aside)
  } catch {
    return // someone else broke or released it
  }
  const moved = await fs.promises.stat(aside).catch(() => undefined)
  if (moved && moved.ino !== stale.ino) await fs.promises.link(aside, lockFile).catch(() => undefined)
  await fs.promises.rm(aside, {force: true})
}
