/**
 * Previews for `bl browse` (src/core/browse): each kind through a real repository, the header
 * parsers, hex dumps, the streaming JSON re-indenter, the line diff, and the byte budgets that
 * keep the first screen of a huge file cheap (measured by the chunk bytes the store hands out).
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import {parquetWriteBuffer} from 'hyparquet-writer'
import {hexDump} from '../../src/core/browse/hex.ts'
import {imageInfo} from '../../src/core/browse/image-size.ts'
import {prettyJson} from '../../src/core/browse/json-pretty.ts'
import {binaryType} from '../../src/core/browse/sniff.ts'
import type {BrowseSource, Preview} from '../../src/core/browse/types.ts'
import type {Context} from '../../src/core/context.ts'
import {diffLines, splitLines} from '../../src/core/diff/lines.ts'
import type {Oid} from '../../src/core/hash.ts'
import {add} from '../../src/core/ops/add.ts'
import {browseSource} from '../../src/core/ops/browse.ts'
import {commit} from '../../src/core/ops/commit.ts'
import {init} from '../../src/core/ops/init.ts'
import {openRepo, type Repo} from '../../src/core/repo.ts'

// ---- hand-made image headers ------------------------------------------------------------------

const u16le = (n: number): Buffer => Buffer.from([n & 0xff, n >> 8])
const u32le = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n)
  return b
}
const u32be = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}
const pad = (b: Buffer, n = 64): Buffer => Buffer.concat([b, Buffer.alloc(Math.max(0, n - b.length))])

const PNG = pad(Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), u32be(13), Buffer.from('IHDR'), u32be(640), u32be(480), Buffer.from([8, 6, 0, 0, 0]), u32be(0)]))
const PNG_DAMAGED = pad(Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), u32be(13), Buffer.from('IHDX'), u32be(640), u32be(480)]))
/** SOI, APP0 (JFIF), DQT, then the frame header: baseline 320x240. */
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8]),
  Buffer.from([0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1'),
  Buffer.from([0xff, 0xdb, 0x00, 0x43]),
  Buffer.alloc(65, 1),
  Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0xf0, 0x01, 0x40, 0x03]),
  Buffer.alloc(9),
  Buffer.from([0xff, 0xd9]),
])
/** Progressive (SOF2) after a fill byte, 17x9. */
const JPEG_PROGRESSIVE = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xff, 0xc2, 0x00, 0x11, 0x08, 0x00, 0x09, 0x00, 0x11, 0x03]), Buffer.alloc(9)])
/** Scan data before any frame header: no size. */
const JPEG_NO_FRAME = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08]), Buffer.alloc(20)])
const GIF = pad(Buffer.concat([Buffer.from('GIF89a'), u16le(10), u16le(20), Buffer.from([0xf7, 0, 0])]))
const riff = (chunk: string, body: Buffer): Buffer => pad(Buffer.concat([Buffer.from('RIFF'), u32le(4 + 8 + body.length), Buffer.from('WEBP'), Buffer.from(chunk), u32le(body.length), body]))
const WEBP_LOSSY = riff('VP8 ', Buffer.concat([Buffer.from([0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a]), u16le(400), u16le(300), Buffer.alloc(10)]))
const WEBP_LOSSLESS = riff('VP8L', Buffer.concat([Buffer.from([0x2f]), u32le((123 - 1) | ((45 - 1) << 14)), Buffer.alloc(10)]))
const WEBP_EXTENDED = riff('VP8X', Buffer.concat([Buffer.from([0x10, 0, 0, 0]), Buffer.from([0xe7, 0x03, 0x00]), Buffer.from([0xcf, 0x07, 0x00]), Buffer.alloc(4)]))
/** BITMAPINFOHEADER, 7 wide, 9 high top-down (negative height). */
const BMP = (() => {
  const b = Buffer.alloc(64)
  b.write('BM', 0, 'latin1')
  b.writeUInt32LE(64, 2)
  b.writeUInt32LE(54, 10)
  b.writeUInt32LE(40, 14)
  b.writeInt32LE(7, 18)
  b.writeInt32LE(-9, 22)
  return b
})()
/** Little-endian TIFF: ImageWidth as SHORT, ImageLength as LONG. */
const TIFF_LE = pad(Buffer.concat([Buffer.from('II*\0', 'latin1'), u32le(8), u16le(2), u16le(256), u16le(3), u32le(1), u16le(1234), u16le(0), u16le(257), u16le(4), u32le(1), u32le(567), u32le(0)]))
/** Big-endian TIFF whose first IFD lies past the 64 KiB head (reached by a range read). */
const TIFF_BE_FAR = (() => {
  const ifd = 70_000
  const b = Buffer.alloc(ifd + 2 + 2 * 12 + 4)
  b.write('MM\0*', 0, 'latin1')
  b.writeUInt32BE(ifd, 4)
  b.writeUInt16BE(2, ifd)
  b.writeUInt16BE(256, ifd + 2)
  b.writeUInt16BE(4, ifd + 4)
  b.writeUInt32BE(1, ifd + 6)
  b.writeUInt32BE(4000, ifd + 10)
  b.writeUInt16BE(257, ifd + 14)
  b.writeUInt16BE(3, ifd + 16)
  b.writeUInt32BE(1, ifd + 18)
  b.writeUInt16BE(3000, ifd + 22)
  return b
})()

// ---- pure parts -----------------------------------------------------------------------------------

describe('hex dumps', () => {
  it('use the hexdump -C layout, a partial last line padded', () => {
    assert.deepEqual(hexDump(PNG.subarray(0, 16)), ['00000000  89 50 4e 47 0d 0a 1a 0a  00 00 00 0d 49 48 44 52  |.PNG........IHDR|'])
    assert.deepEqual(hexDump(Buffer.from('hi\n'), 0x20), ['00000020  68 69 0a' + ' '.repeat(42) + '|hi.|'])
  })
})

describe('image headers', () => {
  const info = (b: Buffer) => imageInfo(b.subarray(0, 64 * 1024), b.length, async (s, e) => b.subarray(s, e))
  it('give format and size for PNG, JPEG, GIF, WebP (3 kinds), BMP and TIFF', async () => {
    assert.deepEqual(await info(PNG), {format: 'png', width: 640, height: 480})
    assert.deepEqual(await info(JPEG), {format: 'jpeg', width: 320, height: 240})
    assert.deepEqual(await info(JPEG_PROGRESSIVE), {format: 'jpeg', width: 17, height: 9})
    assert.deepEqual(await info(GIF), {format: 'gif', width: 10, height: 20})
    assert.deepEqual(await info(WEBP_LOSSY), {format: 'webp', width: 400, height: 300})
    assert.deepEqual(await info(WEBP_LOSSLESS), {format: 'webp', width: 123, height: 45})
    assert.deepEqual(await info(WEBP_EXTENDED), {format: 'webp', width: 1000, height: 2000})
    assert.deepEqual(await info(BMP), {format: 'bmp', width: 7, height: 9})
    assert.deepEqual(await info(TIFF_LE), {format: 'tiff', width: 1234, height: 567})
    assert.deepEqual(await info(TIFF_BE_FAR), {format: 'tiff', width: 4000, height: 3000})
  })
  it('keep the format with null sizes when the header is damaged or cut', async () => {
    assert.deepEqual(await info(PNG_DAMAGED), {format: 'png', width: null, height: null})
    assert.deepEqual(await info(JPEG_NO_FRAME), {format: 'jpeg', width: null, height: null})
    assert.deepEqual(await info(JPEG.subarray(0, 30)), {format: 'jpeg', width: null, height: null})
    assert.deepEqual(await info(GIF.subarray(0, 8)), {format: 'gif', width: null, height: null})
    assert.equal(await info(Buffer.from('not an image')), null)
  })
})

describe('binary types by magic number', () => {
  it('names common dataset, archive and executable formats, else "binary"', () => {
    const st = Buffer.concat([Buffer.from([20, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a":{}}      ')])
    const tar = Buffer.alloc(512)
    tar.write('ustar', 257, 'latin1')
    const cases: Array<[Buffer, string]> = [
      [zlib.gzipSync('x'), 'gzip'],
      [Buffer.from('PK\x03\x04rest', 'latin1'), 'zip'],
      [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]), 'zstd'],
      [Buffer.from('%PDF-1.7\n'), 'pdf'],
      [Buffer.from('PAR1xxxx'), 'parquet'],
      [Buffer.from('SQLite format 3\0rest', 'latin1'), 'sqlite'],
      [Buffer.from('\x93NUMPY\x01\x00', 'latin1'), 'npy'],
      [st, 'safetensors'],
      [Buffer.from('\x7fELF\x02\x01', 'latin1'), 'elf'],
      [tar, 'tar'],
      [Buffer.from([1, 2, 3, 250, 251]), 'binary'],
    ]
    for (const [b, want] of cases) assert.equal(binaryType(b), want, want)
  })
})

describe('JSON re-indenting', () => {
  it('lays a document out as JSON.stringify(v, null, 2) does', () => {
    const doc = '{"a":1,"b":[true,null,{"c":"x,y:{}[]","d":"q\\"uote"}],"e":{},"f":[],"g":[[1,2],[]]}'
    assert.deepEqual(prettyJson(doc, 1000), {lines: JSON.stringify(JSON.parse(doc), null, 2).split('\n'), done: true, error: null})
  })
  it('keeps tokens as written (1.0, big integers, escapes)', () => {
    assert.deepEqual(prettyJson(' {"n" : 1.0, "big":12345678901234567890,\n"s":"\\u00e9"} ', 100).lines, ['{', '  "n": 1.0,', '  "big": 12345678901234567890,', '  "s": "\\u00e9"', '}'])
  })
  it('streams a cut document (the first bytes of a big file) and stops at the line budget', () => {
    const cut = '[{"id": 1, "tags": ["a", "b'
    assert.deepEqual(prettyJson(cut, 100), {lines: ['[', '  {', '    "id": 1,', '    "tags": [', '      "a",', '      "b'], done: true, error: null})
    assert.deepEqual(prettyJson(cut, 3), {lines: ['[', '  {', '    "id": 1,'], done: false, error: null})
  })
  it('reports structural errors', () => {
    assert.match(prettyJson('{"a": 1]', 100).error ?? '', /unmatched "\]" at character 8/)
    assert.match(prettyJson('{"a": x}', 100).error ?? '', /unexpected "x"/)
    assert.match(prettyJson('{} {}', 100).error ?? '', /more data after the document/)
    assert.match(prettyJson('["a\nb"]', 100).error ?? '', /control character/)
  })
})

describe('line diff', () => {
  it('splits lines without their ends', () => {
    assert.deepEqual(splitLines('a\r\nb\n\nc'), ['a\r', 'b', '', 'c'])
    assert.deepEqual(splitLines('a\n'), ['a'])
    assert.deepEqual(splitLines(''), [])
  })
  it('merges changes closer than twice the context into one hunk; an insertion names the line before', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16', '17']
    const b = ['1', '2', '3', 'x', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16', '17']
    const ins = diffLines(a, b)
    assert.deepEqual(ins.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines]), [[1, 6, 1, 7]])
    assert.deepEqual(diffLines([], ['a']).hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines]), [[0, 0, 1, 1]])
    // Changes 6 equal lines apart share a hunk (3 + 3 context); 7 apart do not.
    const c = [...a]
    c[1] = 'two'
    c[8] = 'nine'
    assert.deepEqual(diffLines(a, c).hunks.map((h) => [h.oldStart, h.oldLines]), [[1, 12]])
    const d = [...a]
    d[1] = 'two'
    d[9] = 'ten'
    assert.deepEqual(diffLines(a, d).hunks.map((h) => [h.oldStart, h.oldLines]), [[1, 5], [7, 7]])
    assert.deepEqual(diffLines(a, a).hunks, [])
    // A CRLF line differs from its LF twin; the text shown has no \r.
    assert.deepEqual(diffLines(['x\r', 'y'], ['x', 'y']).hunks[0]!.lines.map((l) => l.op + l.text), ['-x', '+x', ' y'])
  })
  it('stays correct past the edit budget (anchored on unique lines) and stops output at maxOutput', () => {
    const a = Array.from({length: 400}, (_, i) => `line ${i}`)
    const b = a.map((l, i) => (i % 5 === 0 ? `changed ${i}` : l))
    const exact = diffLines(a, b)
    const bounded = diffLines(a, b, {maxEdits: 10})
    assert.equal(exact.coarse, false)
    assert.equal(bounded.coarse, false) // the unique unchanged lines anchor it
    assert.deepEqual(bounded.hunks, exact.hunks)
    // Nothing in common: all removed, all added is the exact answer, not a coarse one.
    const disjoint = diffLines(['a', 'b', 'c', 'd'], ['w', 'x', 'y', 'z'], {maxEdits: 2})
    assert.equal(disjoint.coarse, false)
    assert.deepEqual(disjoint.hunks[0]!.lines.map((l) => l.op + l.text).join(''), '-a-b-c-d+w+x+y+z')
    // Repeated lines and no budget left to align them: the block is a guess, and says so.
    const repeated = diffLines(['a', 'b', 'a', 'b'], ['b', 'a', 'b', 'a'], {maxEdits: 1})
    assert.equal(repeated.coarse, true)
    assert.deepEqual(repeated.hunks[0]!.lines.map((l) => l.op + l.text).join(''), '-a-b-a-b+b+a+b+a')
    const cut = diffLines(a, b, {maxOutput: 50})
    assert.equal(cut.truncated, true)
    assert.equal(cut.hunks.reduce((n, h) => n + h.lines.length, 0), 50)
  })
})

// ---- through a repository ---------------------------------------------------------------------------

/** One repository for the previews: every kind of file in one commit. */
let repo: Repo
let dir: string
let head: Oid
let source: BrowseSource
/** Chunk bytes the store has handed out (the spy on reads). */
let chunkBytes = 0

const BIG_LINE = (i: number): string => `${String(i).padStart(9, '0')},name-${i % 977},${(i * 7919) % 100_000},some filler text to make a row\n`
const BIG_SIZE = 64 * 1024 * 1024

function bigCsv(): Buffer {
  const lineLen = BIG_LINE(0).length
  const buf = Buffer.alloc(BIG_SIZE)
  let at = buf.write('id,name,value,text\n')
  for (let i = 1; at + lineLen <= BIG_SIZE; i++) at += buf.write(BIG_LINE(i), at)
  return buf.subarray(0, at)
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-preview-'))
  let clock = 1_700_000_000_000
  const ctx: Context = {cwd: dir, env: {BL_AUTHOR_NAME: 'Unit', BL_AUTHOR_EMAIL: 'unit@example.com'}, userConfigDir: path.join(dir, '.cfg'), now: () => new Date((clock += 1000))}
  init(ctx, {})
  repo = openRepo(ctx)
  const parquet = Buffer.from(
    parquetWriteBuffer({
      columnData: [
        {name: 'id', data: [1, 2, 3], type: 'INT32'},
        {name: 'name', data: ['ann', null, 'cy'], type: 'STRING'},
      ],
    }),
  )
  const big = bigCsv()
  const bigJson = '[' + Array.from({length: 60_000}, (_, i) => JSON.stringify({id: i, name: `n${i}`, tags: ['a', 'b']})).join(',') + ']'
  const files: Record<string, string | Buffer> = {
    'notes.txt': 'hello\tworld\r\nsecond line\n\nlast',
    'five.txt': '1\n2\n3\n4\n5\n',
    'data/t.csv': 'id,name,score\n1,ann,\n2,"b, c",3.5\n3,dee,4\n',
    'data/t.tsv': 'k\tv\nx\t1\n',
    'data/e.jsonl': '{"a":1,"b":{"x":[1,2]}}\n{"a":null,"c":"new"}\n',
    'data/p.parquet': parquet,
    'data/bad.csv': 'a,b\n1,2\n3,4,5\n',
    'data/packed.csv': zlib.gzipSync('a,b\n1,2\n'),
    'conf.json': '{"name":"x","list":[1,2.50,{"deep":true}],"empty":{}}',
    'broken.json': '{"name": "x",}',
    'big.json': bigJson,
    'img/a.png': PNG,
    'img/b.jpg': JPEG,
    'img/c.gif': GIF,
    'img/d.webp': WEBP_LOSSY,
    'img/e.bmp': BMP,
    'img/f.tiff': TIFF_LE,
    'blob.gz': zlib.gzipSync('some text'),
    'random.bin': Buffer.from(Array.from({length: 300}, (_, i) => (i * 37 + 200) % 256)),
    'empty.txt': '',
    'big.csv': big,
    'big.txt': big, // the same bytes (one blob): as text
    'bigdata': big, // no extension: sniffed
  }
  for (const [p, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), {recursive: true})
    fs.writeFileSync(path.join(dir, p), data)
  }
  fs.symlinkSync('data/t.csv', path.join(dir, 'link'))
  await add(repo, {paths: [], all: true})
  head = (await commit(repo, {message: 'files'})).id
  source = browseSource(repo)
  // The spy: every chunk read by previews goes through getChunk.
  const getChunk = repo.store.getChunk.bind(repo.store)
  repo.store.getChunk = (id: Oid) => {
    const b = getChunk(id)
    chunkBytes += b?.length ?? 0
    return b
  }
})

after(() => {
  repo?.close()
  if (dir) fs.rmSync(dir, {recursive: true, force: true})
})

async function preview(p: string, maxLines?: number): Promise<Preview & {read: number}> {
  chunkBytes = 0
  const pv = await source.preview(head, p, maxLines === undefined ? undefined : {maxLines})
  return {...pv, read: chunkBytes}
}

function is<K extends Preview['kind']>(p: Preview, kind: K): asserts p is Extract<Preview, {kind: K}> {
  assert.equal(p.kind, kind, `${p.path}: ${JSON.stringify(p).slice(0, 300)}`)
}

describe('previews of committed files', () => {
  it('text: lines without line ends, tabs kept; maxLines truncates', async () => {
    const t = await preview('notes.txt')
    is(t, 'text')
    assert.deepEqual(t.lines, ['hello\tworld', 'second line', '', 'last'])
    assert.equal(t.truncated, false)
    assert.equal(t.size, 30)
    const five = await preview('five.txt', 2)
    is(five, 'text')
    assert.deepEqual(five.lines, ['1', '2'])
    assert.equal(five.truncated, true)
  })

  it('tables: CSV, TSV, JSONL and Parquet as columns and text cells', async () => {
    const csv = await preview('data/t.csv')
    is(csv, 'table')
    assert.equal(csv.format, 'csv')
    assert.deepEqual(csv.columns, ['id', 'name', 'score'])
    assert.deepEqual(csv.rows, [
      ['1', 'ann', ''],
      ['2', 'b, c', '3.5'],
      ['3', 'dee', '4'],
    ])
    assert.equal(csv.truncated, false)
    const two = await preview('data/t.csv', 2)
    is(two, 'table')
    assert.equal(two.rows.length, 2)
    assert.equal(two.truncated, true)
    const tsv = await preview('data/t.tsv')
    is(tsv, 'table')
    assert.equal(tsv.format, 'tsv')
    assert.deepEqual([tsv.columns, tsv.rows], [['k', 'v'], [['x', '1']]])
    const jsonl = await preview('data/e.jsonl')
    is(jsonl, 'table')
    assert.deepEqual(jsonl.columns, ['a', 'b', 'c'])
    assert.deepEqual(jsonl.rows, [
      ['1', '{"x":[1,2]}', ''],
      ['', '', 'new'],
    ])
    const pq = await preview('data/p.parquet')
    is(pq, 'table')
    assert.equal(pq.format, 'parquet')
    assert.deepEqual([pq.columns, pq.rows], [['id', 'name'], [['1', 'ann'], ['2', ''], ['3', 'cy']]])
  })

  it('a table the reader rejects falls back to text (or hex) with a note saying why', async () => {
    const bad = await preview('data/bad.csv')
    is(bad, 'text')
    assert.deepEqual(bad.lines, ['a,b', '1,2', '3,4,5'])
    assert.match(bad.note ?? '', /^not valid CSV: .*line 3.*expected 2 fields, found 3/)
    const packed = await preview('data/packed.csv')
    is(packed, 'binary')
    assert.equal(packed.type, 'gzip')
    assert.equal(packed.note, 'not CSV: binary content')
  })

  it('JSON: re-indented lines; invalid JSON is text with a note', async () => {
    const j = await preview('conf.json')
    is(j, 'json')
    assert.deepEqual(j.lines, ['{', '  "name": "x",', '  "list": [', '    1,', '    2.50,', '    {', '      "deep": true', '    }', '  ],', '  "empty": {}', '}'])
    assert.equal(j.truncated, false)
    const broken = await preview('broken.json')
    is(broken, 'text')
    assert.deepEqual(broken.lines, ['{"name": "x",}'])
    assert.match(broken.note ?? '', /^not valid JSON: /)
  })

  it('a JSON document bigger than the byte budget is re-indented from its first bytes', async () => {
    const j = await preview('big.json', 50)
    is(j, 'json')
    assert.equal(j.truncated, true)
    assert.equal(j.lines.length, 50)
    assert.deepEqual(j.lines.slice(0, 9), ['[', '  {', '    "id": 0,', '    "name": "n0",', '    "tags": [', '      "a",', '      "b"', '    ]', '  },'])
    assert.ok(j.read <= 3 * 1024 * 1024, `read ${j.read} bytes of ${j.size}`)
  })

  it('images: format, dimensions and a short hex dump', async () => {
    const want: Array<[string, string, number, number]> = [
      ['img/a.png', 'png', 640, 480],
      ['img/b.jpg', 'jpeg', 320, 240],
      ['img/c.gif', 'gif', 10, 20],
      ['img/d.webp', 'webp', 400, 300],
      ['img/e.bmp', 'bmp', 7, 9],
      ['img/f.tiff', 'tiff', 1234, 567],
    ]
    for (const [p, format, width, height] of want) {
      const pv = await preview(p)
      is(pv, 'image')
      assert.deepEqual([pv.format, pv.width, pv.height], [format, width, height], p)
      assert.ok(pv.hex.length >= 1 && pv.hex.length <= 16, p)
    }
    const png = await preview('img/a.png')
    is(png, 'image')
    assert.equal(png.hex[0], '00000000  89 50 4e 47 0d 0a 1a 0a  00 00 00 0d 49 48 44 52  |.PNG........IHDR|')
  })

  it('other binaries: the type by magic number and a hex dump of maxLines lines', async () => {
    const gz = await preview('blob.gz')
    is(gz, 'binary')
    assert.equal(gz.type, 'gzip')
    const r = await preview('random.bin', 4)
    is(r, 'binary')
    assert.equal(r.type, 'binary')
    assert.equal(r.hex.length, 4)
    assert.ok(r.hex[3]!.startsWith('00000030  '))
    assert.equal(r.truncated, true)
    const all = await preview('random.bin')
    is(all, 'binary')
    assert.equal(all.hex.length, Math.ceil(300 / 16))
    assert.equal(all.truncated, false)
  })

  it('symlinks show their target; empty files say so; directories and missing paths are errors', async () => {
    const l = await preview('link')
    is(l, 'symlink')
    assert.equal(l.target, 'data/t.csv')
    const e = await preview('empty.txt')
    is(e, 'empty')
    assert.equal(e.size, 0)
    await assert.rejects(source.preview(head, 'data'), (err: unknown) => (err as {code?: string}).code === 'INVALID_ARGUMENT')
    await assert.rejects(source.preview(head, 'nope.txt'), (err: unknown) => (err as {code?: string}).code === 'PATH_NOT_FOUND')
  })
})

describe('previews of a 64 MiB file read a bounded prefix', () => {
  it('as text: 2,000 lines, truncated, a few MiB read', async () => {
    const t = await preview('big.txt')
    is(t, 'text')
    assert.equal(t.size > 60 * 1024 * 1024, true)
    assert.equal(t.truncated, true)
    assert.equal(t.lines.length, 2000)
    assert.equal(t.lines[1], BIG_LINE(1).trimEnd())
    assert.ok(t.read <= 4 * 1024 * 1024, `read ${t.read} bytes`)
  })

  it('as a table: the first rows, truncated; asking for a million rows stops at the byte budget', async () => {
    const c = await preview('big.csv')
    is(c, 'table')
    assert.deepEqual(c.columns, ['id', 'name', 'value', 'text'])
    assert.equal(c.rows.length, 2000)
    assert.equal(c.truncated, true)
    assert.ok(c.read <= 4 * 1024 * 1024, `read ${c.read} bytes`)
    const many = await preview('big.csv', 1_000_000)
    is(many, 'table')
    assert.equal(many.truncated, true)
    assert.ok(many.rows.length > 10_000 && many.rows.length < 200_000, `${many.rows.length} rows`)
    assert.ok(many.read <= 16 * 1024 * 1024, `read ${many.read} bytes`)
  })

  it('without an extension: sniffed as text, still bounded', async () => {
    const t = await preview('bigdata', 10)
    is(t, 'text')
    assert.equal(t.lines.length, 10)
    assert.ok(t.read <= 4 * 1024 * 1024, `read ${t.read} bytes`)
  })
})
