/**
 * A streaming zip writer (PKWARE APPNOTE 6.3), as `git archive --format=zip` writes them: deflate
 * where it shrinks the content, else stored; UTF-8 names (flag 11); directory entries; symlinks
 * as entries holding their target with the Unix mode S_IFLNK; the commit id as the archive
 * comment; an extended-timestamp (`UT`) field with the exact mtime next to the DOS time.
 *
 * Unlike Git, every entry is "made by" Unix with its full mode in the external attributes (0644,
 * 0755 for executables), so `unzip` and Python restore the exec bit. DOS times are UTC, not the
 * writer's local time: the same revision gives the same bytes on every machine.
 *
 * Contents up to IN_MEMORY bytes are read whole (CRC, sizes and method known before the local
 * header); bigger ones are streamed chunk by chunk behind a data descriptor, the method chosen
 * from the first chunk, each chunk deflated on its own and sync-flushed (the window restarts at
 * each ~1 MiB chunk, a negligible loss), so memory is one chunk at a time.
 *
 * ZIP64: an entry of ZIP64_SIZE bytes or more (a margin below 4 GiB, since deflate may grow
 * incompressible data slightly), or whose local header starts past 4 GiB, gets ZIP64 fields, and
 * more than 65535 entries or a central directory past 4 GiB the ZIP64 end records.
 */
import {promisify} from 'node:util'
import zlib from 'node:zlib'
import {BlError} from '../errors.js'
import {checkSize, modeOf, readAll, type ArchiveEntry, type ArchiveMeta} from './entry.js'

const deflateRaw = promisify(zlib.deflateRaw)
const SYNC = {finishFlush: zlib.constants.Z_SYNC_FLUSH}
/** A final, empty deflate block: ends a stream of sync-flushed pieces. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00])

export const IN_MEMORY = 4 * 1024 * 1024
const MAX32 = 0xffffffff
/** Entries this big get ZIP64 sizes (deflate can exceed the size by ~0.01%, far below the margin). */
export const ZIP64_SIZE = MAX32 - 16 * 1024 * 1024
const MADE_BY_UNIX = (3 << 8) | 45
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000

/** CRC-32 (zlib.crc32 from Node 20.15; a table otherwise). */
const crc32: (data: Uint8Array, prev?: number) => number =
  (zlib as {crc32?: (d: Uint8Array, p?: number) => number}).crc32 ??
  (() => {
    const table = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c >>> 0
    }
    return (data: Uint8Array, prev = 0): number => {
      let c = ~prev >>> 0
      for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)
      return ~c >>> 0
    }
  })()

/** MS-DOS date and time (2-second resolution) of Unix time `t`, in UTC; 1980-01-01 at the earliest. */
export function dosDateTime(t: number): {date: number; time: number} {
  const d = new Date(Math.max(t, 315532800) * 1000)
  return {
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  }
}

/** What the central directory keeps of each entry (no content: memory is O(entries)). */
interface Central {
  name: Buffer
  flags: number
  method: number
  crc: number
  csize: number
  usize: number
  offset: number
  attr: number
  zip64: boolean
}

function extendedTime(mtime: number): Buffer {
  const b = Buffer.alloc(9)
  b.writeUInt16LE(0x5455, 0)
  b.writeUInt16LE(5, 2)
  b.writeUInt8(1, 4) // mtime present
  b.writeUInt32LE(Math.max(0, Math.min(mtime, MAX32)), 5)
  return b
}

/** A ZIP64 extended-information field holding `values` (8 bytes each). */
function zip64Field(values: number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * values.length)
  b.writeUInt16LE(0x0001, 0)
  b.writeUInt16LE(8 * values.length, 2)
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i))
  return b
}

function versionNeeded(c: Pick<Central, 'zip64' | 'method'>, isDir: boolean): number {
  return c.zip64 ? 45 : c.method === 8 || isDir ? 20 : 10
}

function localHeader(c: Central, dos: {date: number; time: number}, mtime: number, isDir: boolean): Buffer {
  const streamed = (c.flags & 0x8) !== 0
  const extra = Buffer.concat([...(c.zip64 ? [zip64Field(streamed ? [0, 0] : [c.usize, c.csize])] : []), extendedTime(mtime)])
  const h = Buffer.alloc(30)
  h.writeUInt32LE(0x04034b50, 0)
  h.writeUInt16LE(versionNeeded(c, isDir), 4)
  h.writeUInt16LE(c.flags, 6)
  h.writeUInt16LE(c.method, 8)
  h.writeUInt16LE(dos.time, 10)
  h.writeUInt16LE(dos.date, 12)
  h.writeUInt32LE(streamed ? 0 : c.crc, 14)
  h.writeUInt32LE(c.zip64 ? MAX32 : streamed ? 0 : c.csize, 18)
  h.writeUInt32LE(c.zip64 ? MAX32 : streamed ? 0 : c.usize, 22)
  h.writeUInt16LE(c.name.length, 26)
  h.writeUInt16LE(extra.length, 28)
  return Buffer.concat([h, c.name, extra])
}

function dataDescriptor(c: Central): Buffer {
  const b = Buffer.alloc(c.zip64 ? 24 : 16)
  b.writeUInt32LE(0x08074b50, 0)
  b.writeUInt32LE(c.crc, 4)
  if (c.zip64) {
    b.writeBigUInt64LE(BigInt(c.csize), 8)
    b.writeBigUInt64LE(BigInt(c.usize), 16)
  } else {
    b.writeUInt32LE(c.csize, 8)
    b.writeUInt32LE(c.usize, 12)
  }
  return b
}

function centralHeader(c: Central, dos: {date: number; time: number}, mtime: number): Buffer {
  const big = [c.usize >= MAX32 || c.zip64, c.csize >= MAX32 || c.zip64, c.offset >= MAX32]
  const values = [c.usize, c.csize, c.offset].filter((_, i) => big[i])
  const extra = Buffer.concat([...(values.length ? [zip64Field(values)] : []), extendedTime(mtime)])
  const h = Buffer.alloc(46)
  h.writeUInt32LE(0x02014b50, 0)
  h.writeUInt16LE(MADE_BY_UNIX, 4)
  h.writeUInt16LE(versionNeeded({zip64: values.length > 0, method: c.method}, (c.attr >>> 16 & 0o170000) === S_IFDIR), 6)
  h.writeUInt16LE(c.flags, 8)
  h.writeUInt16LE(c.method, 10)
  h.writeUInt16LE(dos.time, 12)
  h.writeUInt16LE(dos.date, 14)
  h.writeUInt32LE(c.crc, 16)
  h.writeUInt32LE(big[1] ? MAX32 : c.csize, 20)
  h.writeUInt32LE(big[0] ? MAX32 : c.usize, 24)
  h.writeUInt16LE(c.name.length, 28)
  h.writeUInt16LE(extra.length, 30)
  h.writeUInt16LE(0, 32) // comment length
  h.writeUInt16LE(0, 34) // disk number
  h.writeUInt16LE(0, 36) // internal attributes
  h.writeUInt32LE(c.attr >>> 0, 38)
  h.writeUInt32LE(big[2] ? MAX32 : c.offset, 42)
  return Buffer.concat([h, c.name, extra])
}

function endRecords(count: number, cdOffset: number, cdSize: number, comment: Buffer, maxEntries: number): Buffer {
  const parts: Buffer[] = []
  const zip64 = count > maxEntries || cdOffset >= MAX32 || cdSize >= MAX32
  if (zip64) {
    const r = Buffer.alloc(56)
    r.writeUInt32LE(0x06064b50, 0)
    r.writeBigUInt64LE(44n, 4) // size of the rest of this record
    r.writeUInt16LE(MADE_BY_UNIX, 12)
    r.writeUInt16LE(45, 14)
    r.writeUInt32LE(0, 16) // this disk
    r.writeUInt32LE(0, 20) // disk of the central directory
    r.writeBigUInt64LE(BigInt(count), 24)
    r.writeBigUInt64LE(BigInt(count), 32)
    r.writeBigUInt64LE(BigInt(cdSize), 40)
    r.writeBigUInt64LE(BigInt(cdOffset), 48)
    const loc = Buffer.alloc(20)
    loc.writeUInt32LE(0x07064b50, 0)
    loc.writeUInt32LE(0, 4)
    loc.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8)
    loc.writeUInt32LE(1, 16)
    parts.push(r, loc)
  }
  const e = Buffer.alloc(22)
  e.writeUInt32LE(0x06054b50, 0)
  // With ZIP64 end records, the classic one only points at them (all ones).
  e.writeUInt16LE(zip64 ? 0xffff : count, 8)
  e.writeUInt16LE(zip64 ? 0xffff : count, 10)
  e.writeUInt32LE(zip64 ? MAX32 : cdSize, 12)
  e.writeUInt32LE(zip64 ? MAX32 : cdOffset, 16)
  e.writeUInt16LE(comment.length, 20)
  parts.push(e, comment)
  return Buffer.concat(parts)
}

/** The archive: each entry's local header, data (and descriptor), then the central directory. */
/** `zip64Size`, `zip64Entries`: the ZIP64 thresholds, lowered by tests. */
export async function* zipStream(entries: Iterable<ArchiveEntry> | AsyncIterable<ArchiveEntry>, meta: ArchiveMeta, opts: {zip64Size?: number; zip64Entries?: number} = {}): AsyncGenerator<Buffer> {
  const zip64Size = opts.zip64Size ?? ZIP64_SIZE
  const dos = dosDateTime(meta.mtime)
  const central: Central[] = []
  let offset = 0
  for await (const e of entries) {
    const name = Buffer.from(e.name, 'utf8')
    const type = e.kind === 'dir' ? S_IFDIR : e.kind === 'symlink' ? S_IFLNK : S_IFREG
    const c: Central = {
      name,
      flags: /[^\x20-\x7e]/.test(e.name) ? 0x800 : 0,
      method: 0,
      crc: 0,
      csize: 0,
      usize: 0,
      offset,
      attr: (((type | modeOf(e)) << 16) >>> 0) + (e.kind === 'dir' ? 0x10 : 0),
      zip64: e.kind === 'file' && e.size >= zip64Size,
    }
    const isDir = e.kind === 'dir'
    if (isDir || e.kind === 'symlink' || e.size <= IN_MEMORY) {
      // Whole: everything is known before the local header.
      const data = isDir ? Buffer.alloc(0) : await readAll(e)
      let body = data
      if (data.length > 0 && e.kind === 'file') {
        const deflated = await deflateRaw(data)
        if (deflated.length < data.length) {
          body = deflated
          c.method = 8
        }
      }
      Object.assign(c, {crc: crc32(data), usize: data.length, csize: body.length})
      const h = localHeader(c, dos, meta.mtime, isDir)
      yield h
      if (body.length) yield body
      offset += h.length + body.length
    } else {
      // Streamed behind a data descriptor; the method follows from the first chunk.
      c.flags |= 0x8
      let first = true
      let got = 0
      let crc = 0
      let csize = 0
      for await (const chunk of e.content!()) {
        let out = chunk
        if (first) {
          const trial = await deflateRaw(chunk, SYNC)
          c.method = trial.length < chunk.length ? 8 : 0
          const h = localHeader(c, dos, meta.mtime, false)
          yield h
          offset += h.length
          if (c.method === 8) out = trial
          first = false
        } else if (c.method === 8) out = await deflateRaw(chunk, SYNC)
        got += chunk.length
        if (got > e.size) checkSize(e, got)
        crc = crc32(chunk, crc)
        csize += out.length
        yield out
      }
      if (first) {
        // No content at all: a header is still owed (and checkSize below reports the lie).
        const h = localHeader(c, dos, meta.mtime, false)
        yield h
        offset += h.length
      }
      checkSize(e, got)
      if (c.method === 8) {
        yield FINAL_BLOCK
        csize += FINAL_BLOCK.length
      }
      Object.assign(c, {crc, usize: got, csize})
      if (!c.zip64 && csize >= MAX32)
        throw new BlError('INTERNAL_ERROR', `${e.name}: compressed to ${csize} bytes, too big for a zip entry without ZIP64`, {hint: 'Use --format=tar or tgz for this file.'})
      const d = dataDescriptor(c)
      yield d
      offset += csize + d.length
    }
    central.push(c)
  }
  const cdOffset = offset
  let cdSize = 0
  for (const c of central) {
    const h = centralHeader(c, dos, meta.mtime)
    cdSize += h.length
    yield h
  }
  yield endRecords(central.length, cdOffset, cdSize, Buffer.from(meta.comment ?? '', 'utf8'), opts.zip64Entries ?? 0xffff)
}
