/**
 * What the archive writers (tar.ts, zip.ts) take: one member of the archive, its name already
 * final (prefix applied, a directory ending in `/`), its bytes streamed on demand.
 */
import {BlError} from '../errors.js'

export interface ArchiveEntry {
  /** The member's name in the archive: POSIX, relative, a directory's ending in `/`. */
  name: string
  kind: 'file' | 'dir' | 'symlink'
  exec: boolean
  /** Bytes of content (a symlink's: its target); 0 for a directory. */
  size: number
  /** The content, chunk by chunk (a symlink's target as UTF-8); absent for a directory. */
  content?: () => Iterable<Buffer> | AsyncIterable<Buffer>
}

/** What every member of one archive shares. */
export interface ArchiveMeta {
  /** Modification time of every member, Unix seconds (Git: the commit's committer time). */
  mtime: number
  /** The commit id recorded in the archive (tar: pax global `comment`; zip: archive comment). */
  comment?: string
}

/** Unix permission bits of a member, as Git writes them with `tar.umask` 022. */
export function modeOf(e: Pick<ArchiveEntry, 'kind' | 'exec'>): number {
  return e.kind === 'symlink' ? 0o777 : e.kind === 'dir' || e.exec ? 0o755 : 0o644
}

/** Reads a whole small content (a symlink's target) into one buffer. */
export async function readAll(e: ArchiveEntry): Promise<Buffer> {
  const parts: Buffer[] = []
  if (e.content) for await (const b of e.content()) parts.push(b)
  const buf = Buffer.concat(parts)
  checkSize(e, buf.length)
  return buf
}

/** The content streamed must be as long as the tree said: a header already promised its size. */
export function checkSize(e: ArchiveEntry, got: number): void {
  if (got !== e.size)
    throw new BlError('CORRUPT_OBJECT', `${e.name}: the content is ${got} bytes, its tree entry says ${e.size}`, {hint: 'Run `bl fsck`.', data: {path: e.name, size: e.size, got}})
}
