/**
 * The archive writers (src/core/archive): tar headers where ustar falls short (long names and link
 * targets, sizes of 8 GiB and more, which no test can afford to write), and zip members streamed
 * behind data descriptors, with ZIP64 fields and ZIP64 end records, read back by Python's zipfile
 * (the CRC of every member checked).
 */
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {ArchiveEntry} from '../../src/core/archive/entry.ts'
import {entryHeaders, paxRecord, splitName, tarStream, USTAR_MAX_SIZE} from '../../src/core/archive/tar.ts'
import {IN_MEMORY, zipStream} from '../../src/core/archive/zip.ts'

async function collect(gen: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const b of gen) parts.push(b)
  return Buffer.concat(parts)
}

/** A file entry whose content comes in chunks of 1 MiB (as the store hands them out). */
function file(name: string, data: Buffer, exec = false): ArchiveEntry {
  return {
    name,
    kind: 'file',
    exec,
    size: data.length,
    content: function* () {
      for (let i = 0; i < data.length; i += 1 << 20) yield data.subarray(i, i + (1 << 20))
    },
  }
}

const field = (h: Buffer, off: number, len: number): string => h.subarray(off, off + len).toString('latin1').replace(/\0.*$/s, '')

/** Runs a Python script over a zip file; returns its stdout. */
function python(zip: Buffer, script: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-zip-'))
  try {
    const f = path.join(dir, 'a.zip')
    fs.writeFileSync(f, zip)
    const r = spawnSync('python3', ['-c', script, f], {encoding: 'utf8'})
    assert.equal(r.status, 0, r.stderr)
    return r.stdout
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

describe('tar writer', () => {
  it('pax records count their own length, also across a digit boundary', () => {
    for (const v of ['x', 'y'.repeat(85), 'z'.repeat(86), 'w'.repeat(990), 'é'.repeat(300)]) {
      const r = paxRecord('path', v)
      const len = Number(r.toString('utf8').split(' ')[0])
      assert.equal(len, r.length, v.slice(0, 10))
      assert.ok(r.toString('utf8').endsWith(`path=${v}\n`))
    }
  })

  it('names split over prefix and name at a slash; longer ones and long link targets go to pax records', () => {
    assert.equal(splitName(Buffer.from('a/b'))!.name.toString(), 'a/b')
    const long = `${'d'.repeat(150)}/${'f'.repeat(90)}`
    const s = splitName(Buffer.from(long))!
    assert.deepEqual([s.prefix.toString(), s.name.toString()], ['d'.repeat(150), 'f'.repeat(90)])
    assert.equal(splitName(Buffer.from('x'.repeat(101))), null, 'no slash to split at')
    assert.equal(splitName(Buffer.from(`${'d'.repeat(156)}/f`)), null, 'prefix over 155 bytes')

    const name = `${'n'.repeat(120)}/${'m'.repeat(110)}`
    const target = Buffer.from('t'.repeat(140))
    const [pax, data, , header] = entryHeaders({name, kind: 'symlink', exec: false, size: target.length}, 1700000000, target)
    assert.equal(String.fromCharCode(pax![156]!), 'x')
    assert.equal(data!.toString('utf8'), paxRecord('path', name).toString() + paxRecord('linkpath', target.toString()).toString())
    assert.equal(String.fromCharCode(header![156]!), '2')
    assert.equal(field(header!, 124, 12), '00000000000', 'a symlink has no content')
    assert.equal(field(header!, 100, 8), '0000777')
  })

  it('a size of 8 GiB or more is a pax size record, the ustar field 0; the header checksum holds', () => {
    const big = USTAR_MAX_SIZE + 1
    const hs = entryHeaders({name: 'huge.bin', kind: 'file', exec: true, size: big}, 1700000000)
    assert.equal(hs.length, 4, 'pax header, its data, padding, the ustar header')
    assert.equal(hs[1]!.toString('utf8'), `19 size=${big}\n`)
    const h = hs[3]!
    assert.equal(field(h, 124, 12), '00000000000')
    assert.equal(field(h, 100, 8), '0000755')
    assert.equal(field(h, 257, 6), 'ustar')
    const fits = entryHeaders({name: 'max.bin', kind: 'file', exec: false, size: USTAR_MAX_SIZE}, 0)
    assert.equal(fits.length, 1, 'one byte less fits ustar')
    assert.equal(field(fits[0]!, 124, 12), '77777777777')
    let sum = 0
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!
    assert.equal(parseInt(field(h, 148, 6), 8), sum)
  })

  it('the archive is whole 10 KiB records; a content shorter than its entry says fails', async () => {
    const tar = await collect(tarStream([file('a.txt', Buffer.from('hello'))], {mtime: 0, comment: 'c'.repeat(64)}))
    assert.equal(tar.length % 10240, 0)
    assert.equal(tar.subarray(512, 512 + 76).toString(), `76 comment=${'c'.repeat(64)}\n`)
    await assert.rejects(collect(tarStream([{...file('b.txt', Buffer.from('abc')), size: 4}], {mtime: 0})), {code: 'CORRUPT_OBJECT'})
  })
})

describe('zip writer', () => {
  const text = Buffer.from(Array.from({length: 400_000}, (_, i) => `${i},row\n`).join(''))
  const noise = crypto.randomBytes(IN_MEMORY + 3 * (1 << 20) + 17)
  const read = `
import sys, zipfile, hashlib
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
for i in z.infolist():
    print(i.filename, i.compress_type, i.file_size, oct(i.external_attr >> 16), hashlib.sha256(z.read(i)).hexdigest() if not i.is_dir() else '-')
print(len(z.infolist()), z.comment.decode())
`
  const sha = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex')

  it('big members stream behind a data descriptor: deflated when the first chunk shrinks, else stored', async () => {
    assert.ok(text.length > IN_MEMORY)
    const zip = await collect(zipStream([{name: 'd/', kind: 'dir', exec: false, size: 0}, file('d/rows.csv', text), file('d/noise.bin', noise, true), file('small.txt', Buffer.from('small\n'))], {mtime: 1700000000, comment: 'abc'}))
    assert.deepEqual(python(zip, read).trim().split('\n'), [
      'd/ 0 0 0o40755 -',
      `d/rows.csv 8 ${text.length} 0o100644 ${sha(text)}`,
      `d/noise.bin 0 ${noise.length} 0o100755 ${sha(noise)}`,
      `small.txt 0 6 0o100644 ${sha(Buffer.from('small\n'))}`,
      '4 abc',
    ])
  })

  it('ZIP64 members and ZIP64 end records (thresholds lowered: 4 GiB files and 65536 members cost too much here)', async () => {
    const rows = text.subarray(0, 300_000)
    const zip = await collect(zipStream([file('rows.csv', rows), file('noise.bin', noise), file('tiny', Buffer.from('t'))], {mtime: 0, comment: 'z'}, {zip64Size: 0, zip64Entries: 2}))
    const out = python(zip, read + 'print(sum(1 for i in z.infolist() if len(i.extra) > 9))\n').trim().split('\n')
    assert.deepEqual(out, [`rows.csv 8 ${rows.length} 0o100644 ${sha(rows)}`, `noise.bin 0 ${noise.length} 0o100644 ${sha(noise)}`, `tiny 0 1 0o100644 ${sha(Buffer.from('t'))}`, '3 z', '3'])
    // The classic end record only points at the ZIP64 ones.
    const eocd = zip.length - 22 - 'z'.length
    assert.equal(zip.readUInt32LE(eocd), 0x06054b50)
    assert.deepEqual([zip.readUInt16LE(eocd + 10), zip.readUInt32LE(eocd + 12), zip.readUInt32LE(eocd + 16)], [0xffff, 0xffffffff, 0xffffffff])
  })
})
