/**
 * bl archive: one revision (or one directory of it) as a tar, tar.gz or zip archive, read straight
 * from the store without a checkout, as `git archive` does. Every file streams chunk by chunk and
 * is verified against its BLAKE3 id on the way (the read path of checkout and `bl show`); in a
 * lazy clone the contents are fetched first, in one batch, as checkout fetches them.
 *
 * Everything that can be refused (revision, paths, prefix, format, output) is checked before the
 * first byte is written. A file output is written to a temporary file beside it, synced and renamed
 * into place, so it never exists half-written: a failure or an interruption (`signal`) removes the
 * temporary file.
 */
import fs from 'node:fs'
import path from 'node:path'
import {Readable, type Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import zlib from 'node:zlib'
import type {ArchiveEntry} from '../archive/entry.js'
import {tarStream} from '../archive/tar.js'
import {zipStream} from '../archive/zip.js'
import {BlError, fsError} from '../errors.js'
import type {Oid} from '../hash.js'
import {loadCommit, loadTree, readFileChunks} from '../odb.js'
import type {EntryKind} from '../objects/tree.js'
import type {FileProgress} from '../progress.js'
import type {TransferProgress} from '../remote/transfer.js'
import type {Repo} from '../repo.js'
import {globBase, isGlob, toRepoPath, underSpec} from '../worktree/paths.js'
import {ensureContent} from './content.js'
import {treeIsh} from './inspect.js'

export type ArchiveFormat = 'tar' | 'tgz' | 'zip'

/** The names `--format` takes (`tar.gz` is `tgz`), as `bl archive --list` prints them. */
export const ARCHIVE_FORMATS = ['tar', 'tgz', 'tar.gz', 'zip'] as const

export interface ArchiveOptions {
  /** A revision, or `<rev>:<dir>` for one directory of it. */
  rev: string
  /** Only these paths (pathspecs, from the current directory; inside `<rev>:<dir>`, from it). */
  paths?: string[]
  /** One of ARCHIVE_FORMATS; default: from the output's extension, else tar. */
  format?: string
  /** Prepended to every name, verbatim as in Git (`dir/` for a directory). */
  prefix?: string
  /** The file to write (relative to the current directory); else `stream`. */
  output?: string
  stream?: Writable
  /** Stops the writing; the temporary file of `output` is removed. */
  signal?: AbortSignal
  /** Content fetched (lazy clone), then files written. */
  progress?: TransferProgress & FileProgress
}

export interface ArchiveResult {
  format: ArchiveFormat
  /** The file written (absolute), or null for a stream. */
  output: string | null
  commit: Oid
  /** The tree archived: the commit's, or the directory's of `<rev>:<dir>`. */
  tree: Oid
  /** Members written: directories, files and symlinks. */
  entries: number
  /** Bytes of the archive (compressed, for tgz). */
  bytes: number
}

/** The format `--format` names, else the one the output's extension implies (as Git), else tar. */
export function archiveFormat(format: string | undefined, output: string | undefined): ArchiveFormat {
  if (format !== undefined) {
    if (format === 'tar.gz') return 'tgz'
    if (format === 'tar' || format === 'tgz' || format === 'zip') return format
    throw new BlError('INVALID_ARGUMENT', `unknown archive format '${format}'`, {hint: `Formats: ${ARCHIVE_FORMATS.join(', ')} (\`bl archive --list\`).`, data: {format}})
  }
  const name = (output ?? '').toLowerCase()
  if (name.endsWith('.zip')) return 'zip'
  if (name.endsWith('.tgz') || name.endsWith('.tar.gz')) return 'tgz'
  return 'tar'
}

interface Planned {
  path: string
  kind: EntryKind
  exec: boolean
  size: number
  id: Oid
}

/** Could `dir` or something under it fall under pathspec `spec`? (Prunes the walk.) */
function mayHold(dir: string, spec: string): boolean {
  const base = isGlob(spec) ? globBase(spec) : spec
  return base === '' || dir === base || dir.startsWith(base + '/') || base.startsWith(dir + '/')
}

/**
 * The members, directories before what they hold (each directory that holds a member, as Git),
 * in tree order. Every pathspec must match something: PATHSPEC_NO_MATCH names the first that does not.
 */
function plan(repo: Repo, tree: Oid, specs: string[], rawSpecs: string[]): Planned[] {
  const out: Planned[] = []
  const hit = specs.map(() => false)
  const matches = (p: string): boolean => {
    let any = specs.length === 0
    specs.forEach((s, i) => {
      if (underSpec(p, s)) any = hit[i] = true
    })
    return any
  }
  const walk = (id: Oid, base: string): void => {
    for (const e of loadTree(repo.store, id)) {
      const p = base ? `${base}/${e.name}` : e.name
      const row = {path: p, kind: e.kind, exec: e.exec, size: e.size, id: e.id}
      if (e.kind !== 'dir') {
        if (matches(p)) out.push(row)
        continue
      }
      if (specs.length && !specs.some((s) => mayHold(p, s))) continue
      const at = out.push(row)
      const self = matches(p)
      walk(e.id, p)
      if (out.length === at && !self) out.pop()
    }
  }
  walk(tree, '')
  const miss = hit.indexOf(false)
  if (miss >= 0)
    throw new BlError('PATHSPEC_NO_MATCH', `pathspec '${rawSpecs[miss]}' did not match any files`, {hint: 'Check the path with `bl ls-tree -r <rev>`; paths are read from the current directory.', data: {path: rawSpecs[miss]}})
  return out
}

/** `--prefix` goes in front of every name as given; it may not climb out of the extraction directory. */
function checkPrefix(prefix: string): void {
  const parts = prefix.split('/')
  if (prefix.startsWith('/') || parts.includes('..') || /[\u0000]/.test(prefix))
    throw new BlError('INVALID_ARGUMENT', `--prefix '${prefix}' would put files outside the directory the archive is extracted in`, {hint: 'Give a relative directory such as `--prefix=data-v1/`.', data: {prefix}})
}

/** The chunks of one file, reporting it done after the last. */
function* counted(chunks: Iterable<Buffer>, done: () => void): Generator<Buffer> {
  yield* chunks
  done()
}

/** Buffers the many small pieces (512-byte headers) into writes of about 1 MiB. */
class Batcher {
  private parts: Buffer[] = []
  private size = 0
  bytes = 0

  constructor(private readonly write: (b: Buffer) => Promise<void>) {}

  async add(b: Buffer): Promise<void> {
    this.parts.push(b)
    this.size += b.length
    this.bytes += b.length
    if (this.size >= 1024 * 1024) await this.flush()
  }

  async flush(): Promise<void> {
    if (this.size === 0) return
    const b = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size)
    this.parts = []
    this.size = 0
    await this.write(b)
  }
}

/** The archive's bytes, gzipped for tgz (zlib's stream, off the main thread). */
async function* encoded(format: ArchiveFormat, members: ArchiveEntry[], meta: {mtime: number; comment?: string}): AsyncGenerator<Buffer> {
  if (format === 'zip') return yield* zipStream(members, meta)
  if (format === 'tar') return yield* tarStream(members, meta)
  const gz = zlib.createGzip()
  const done = pipeline(Readable.from(tarStream(members, meta)), gz)
  done.catch(() => {}) // awaited below; a consumer that stops early destroys gz
  try {
    for await (const b of gz) yield b as Buffer
    await done
  } finally {
    gz.destroy()
  }
}

async function writeStream(stream: Writable, b: Buffer): Promise<void> {
  if (stream.write(b)) return
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error): void => {
      stream.off('drain', done)
      stream.off('error', done)
      if (err) reject(err)
      else resolve()
    }
    stream.on('drain', done)
    stream.on('error', done)
  })
}

export async function archive(repo: Repo, opts: ArchiveOptions): Promise<ArchiveResult> {
  const format = archiveFormat(opts.format, opts.output)
  const prefix = opts.prefix ?? ''
  checkPrefix(prefix)
  const {tree, sub, commit} = treeIsh(repo, opts.rev)
  const raw = opts.paths ?? []
  // As `bl ls-tree`: paths from the current directory, or inside `<rev>:<dir>` from that directory.
  const specs = raw.map((p) => (sub ? p.replace(/^\/+|\/+$/g, '') : toRepoPath(repo, p)))
  const planned = plan(repo, tree, specs, raw)
  const c = loadCommit(repo.store, commit)
  // Git records the commit only when the archive is its whole tree (`git get-tar-commit-id`).
  const meta = {mtime: c.committer.time, ...(sub ? {} : {comment: commit})}

  const output = opts.output === undefined ? null : path.resolve(repo.ctx.cwd, opts.output)
  if (output !== null && fs.statSync(output, {throwIfNoEntry: false})?.isDirectory())
    throw new BlError('INVALID_ARGUMENT', `${opts.output} is a directory`, {hint: 'Give -o the name of the archive file to write.', data: {output: opts.output}})
  if (output !== null && !fs.statSync(path.dirname(output), {throwIfNoEntry: false})?.isDirectory())
    throw new BlError('PATH_NOT_FOUND', `cannot write ${opts.output}: no directory ${path.dirname(output)}`, {hint: 'Create the directory first, or write the archive elsewhere.', data: {output: opts.output}})
  if (output === null && !opts.stream) throw new BlError('INTERNAL_ERROR', 'archive: no output and no stream')

  // In a lazy clone or an evicted store: every needed content, fetched and verified up front.
  await ensureContent(repo, planned.filter((p) => p.kind !== 'dir').map((p) => p.id), {progress: opts.progress})
  opts.signal?.throwIfAborted()

  const members: ArchiveEntry[] = []
  const dirs = prefix.split('/').slice(0, -1)
  for (let i = 1; i <= dirs.length; i++) if (dirs[i - 1] !== '' && dirs[i - 1] !== '.') members.push({name: `${dirs.slice(0, i).join('/')}/`, kind: 'dir', exec: false, size: 0})
  const progress = opts.progress
  let files = 0
  let total = 0
  for (const p of planned) {
    const name = prefix + p.path + (p.kind === 'dir' ? '/' : '')
    if (p.kind === 'dir') {
      members.push({name, kind: 'dir', exec: false, size: 0})
      continue
    }
    files++
    total += p.size
    members.push({name, kind: p.kind, exec: p.exec, size: p.size, content: () => counted(readFileChunks(repo.store, p.id), () => progress?.onFile?.(p.path, p.size))})
  }
  progress?.onTotals?.(files, total)

  const run = async (write: (b: Buffer) => Promise<void>): Promise<number> => {
    const out = new Batcher(write)
    for await (const b of encoded(format, members, meta)) {
      opts.signal?.throwIfAborted()
      await out.add(b)
    }
    await out.flush()
    return out.bytes
  }

  let bytes: number
  if (output === null) bytes = await run((b) => writeStream(opts.stream!, b))
  else {
    const tmp = path.join(path.dirname(output), `.${path.basename(output)}.bl-tmp-${process.pid}`)
    let fh: fs.promises.FileHandle | undefined
    try {
      fh = await fs.promises.open(tmp, 'wx', 0o666)
      const handle = fh
      bytes = await run(async (b) => {
        for (let off = 0; off < b.length; ) off += (await handle.write(b, off)).bytesWritten
      })
      await fh.sync()
      await fh.close()
      fh = undefined
      await fs.promises.rename(tmp, output)
    } catch (err) {
      await fh?.close().catch(() => {})
      await fs.promises.rm(tmp, {force: true})
      if (err instanceof BlError || opts.signal?.aborted) throw err
      throw fsError(err, opts.output!, 'writing')
    }
  }
  return {format, output, commit, tree, entries: members.length, bytes}
}
