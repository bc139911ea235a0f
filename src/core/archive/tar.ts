/**
 * A streaming tar writer: POSIX ustar headers, with pax extended headers (POSIX.1-2001) where
 * ustar falls short, laid out as `git archive` lays them out:
 * - a pax global header (`pax_global_header`, typeflag `g`) whose `comment` is the commit id;
 * - names up to 100 bytes in `name`, up to 256 split between `prefix` and `name` at a `/`, longer
 *   ones (and symlink targets over 100 bytes) in a pax `x` header's `path` / `linkpath`;
 * - sizes of 8 GiB and more (beyond ustar's 11 octal digits) in a pax `size` record, the ustar
 *   field 0;
 * - uid/gid 0, user and group `root`; the archive ends with two zero blocks and is padded to a
 *   whole 10 KiB record (blocking factor 20), as Git and GNU tar write it.
 * Memory is one content chunk at a time.
 */
import {checkSize, modeOf, readAll, type ArchiveEntry, type ArchiveMeta} from './entry.js'

const BLOCK = 512
const RECORD = 20 * BLOCK
/** The largest size ustar's 11 octal digits hold: 8 GiB - 1. */
export const USTAR_MAX_SIZE = 0o77777777777
const ZEROS = Buffer.alloc(RECORD)

/** One pax record, `<len> <key>=<value>\n`, `len` counting the whole record including itself. */
export function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`
  const base = Buffer.byteLength(body)
  let len = base + String(base).length
  if (String(len).length !== String(base).length) len = base + String(len).length
  return Buffer.from(`${len}${body}`)
}

interface Header {
  name: Buffer
  prefix?: Buffer
  mode: number
  size: number
  mtime: number
  type: string
  linkname?: Buffer
}

function octal(buf: Buffer, off: number, width: number, n: number): void {
  buf.write(n.toString(8).padStart(width - 1, '0') + '\0', off, width, 'ascii')
}

/** One 512-byte ustar header. Fields are bytes: names must fit already. */
export function ustarHeader(h: Header): Buffer {
  const b = Buffer.alloc(BLOCK)
  h.name.copy(b, 0, 0, 100)
  octal(b, 100, 8, h.mode)
  octal(b, 108, 8, 0) // uid
  octal(b, 116, 8, 0) // gid
  octal(b, 124, 12, h.size > USTAR_MAX_SIZE ? 0 : h.size)
  octal(b, 136, 12, Math.max(0, Math.min(h.mtime, USTAR_MAX_SIZE)))
  b.fill(0x20, 148, 156) // the checksum is computed with its own field as spaces
  b.write(h.type, 156, 1, 'ascii')
  h.linkname?.copy(b, 157, 0, 100)
  b.write('ustar\u000000', 257, 8, 'ascii')
  b.write('root', 265, 32, 'ascii')
  b.write('root', 297, 32, 'ascii')
  octal(b, 329, 8, 0) // devmajor
  octal(b, 337, 8, 0) // devminor
  h.prefix?.copy(b, 345, 0, 155)
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += b[i]!
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii')
  return b
}

/** Splits a name over ustar's `prefix` (155 bytes) and `name` (100) at a `/`, or null when it can't. */
export function splitName(name: Buffer): {prefix: Buffer; name: Buffer} | null {
  if (name.length <= 100) return {prefix: Buffer.alloc(0), name}
  // The rightmost '/' that leaves a prefix of at most 155 bytes and a non-empty name of at most 100
  // (a directory's trailing '/' stays in its name).
  for (let i = Math.min(155, name.length - 2); i >= name.length - 101 && i > 0; i--) {
    if (name[i] === 0x2f) return {prefix: name.subarray(0, i), name: name.subarray(i + 1)}
  }
  return null
}

function pad(n: number): Buffer | null {
  const r = n % BLOCK
  return r ? ZEROS.subarray(0, BLOCK - r) : null
}

/** The header blocks of one member: a pax `x` header first when ustar cannot say it all. */
export function entryHeaders(e: ArchiveEntry, mtime: number, linkTarget?: Buffer): Buffer[] {
  const full = Buffer.from(e.name, 'utf8')
  const split = splitName(full)
  const records: Buffer[] = []
  if (!split) records.push(paxRecord('path', e.name))
  if (linkTarget && linkTarget.length > 100) records.push(paxRecord('linkpath', linkTarget.toString('utf8')))
  const size = e.kind === 'file' ? e.size : 0
  if (size > USTAR_MAX_SIZE) records.push(paxRecord('size', String(size)))
  const out: Buffer[] = []
  if (records.length) {
    const data = Buffer.concat(records)
    out.push(ustarHeader({name: Buffer.from('././@PaxHeader'), mode: 0o644, size: data.length, mtime, type: 'x'}), data)
    const p = pad(data.length)
    if (p) out.push(p)
  }
  out.push(
    ustarHeader({
      name: split ? split.name : full.subarray(0, 100),
      prefix: split?.prefix,
      mode: modeOf(e),
      size,
      mtime,
      type: e.kind === 'dir' ? '5' : e.kind === 'symlink' ? '2' : '0',
      linkname: linkTarget,
    }),
  )
  return out
}

/** The archive, block by block: headers, contents padded to 512 bytes, the end, the padding. */
export async function* tarStream(entries: Iterable<ArchiveEntry> | AsyncIterable<ArchiveEntry>, meta: ArchiveMeta): AsyncGenerator<Buffer> {
  let total = 0
  const emit = (b: Buffer): Buffer => {
    total += b.length
    return b
  }
  if (meta.comment !== undefined) {
    const data = paxRecord('comment', meta.comment)
    yield emit(ustarHeader({name: Buffer.from('pax_global_header'), mode: 0o666, size: data.length, mtime: meta.mtime, type: 'g'}))
    yield emit(data)
    const p = pad(data.length)
    if (p) yield emit(p)
  }
  for await (const e of entries) {
    const link = e.kind === 'symlink' ? await readAll(e) : undefined
    for (const h of entryHeaders(e, meta.mtime, link)) yield emit(h)
    if (e.kind !== 'file' || !e.content) continue
    let got = 0
    for await (const chunk of e.content()) {
      got += chunk.length
      if (got > e.size) checkSize(e, got)
      yield emit(chunk)
    }
    checkSize(e, got)
    const p = pad(got)
    if (p) yield emit(p)
  }
  yield emit(ZEROS.subarray(0, 2 * BLOCK))
  const r = total % RECORD
  if (r) yield ZEROS.subarray(0, RECORD - r)
}
