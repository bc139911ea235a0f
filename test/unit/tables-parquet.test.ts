import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {parquetWriteBuffer} from 'hyparquet-writer'
import {BlError} from '../../src/core/errors.ts'
import {openParquet} from '../../src/core/tables/parquet.ts'
import type {ByteSource, Cell, TableRow} from '../../src/core/tables/types.ts'

type WriteOptions = Parameters<typeof parquetWriteBuffer>[0]

/** An in-memory file that records every range read from it. */
function mem(buf: Buffer, name = 't.parquet'): ByteSource & {reads: Array<[number, number]>} {
  const reads: Array<[number, number]> = []
  return {
    name,
    size: buf.length,
    reads,
    async *stream() {
      yield buf
    },
    async read(s: number, e: number) {
      reads.push([s, e])
      return buf.subarray(s, e)
    },
  }
}

const write = (opts: WriteOptions): Buffer => Buffer.from(parquetWriteBuffer(opts))

async function rowsOf(src: ByteSource): Promise<TableRow[]> {
  const out: TableRow[] = []
  for await (const r of (await openParquet(src)).rows()) out.push(r)
  return out
}

const cellsOf = async (src: ByteSource): Promise<Cell[][]> => (await rowsOf(src)).map((r) => r.cells)

/** `p` fails with BAD_TABLE naming the file, on one line; never another error. */
async function badTable(p: Promise<unknown>, name: string, re?: RegExp): Promise<BlError> {
  const err = await p.then(
    () => assert.fail(`expected BAD_TABLE for ${name}`),
    (e: unknown) => e,
  )
  assert.ok(err instanceof BlError, `a BlError, got ${String((err as Error)?.stack ?? err)}`)
  assert.equal(err.code, 'BAD_TABLE', err.message)
  assert.ok(err.message.startsWith(`${name}: `), err.message)
  assert.doesNotMatch(err.message, /\n/)
  assert.deepEqual(err.data, {path: name})
  if (re) assert.match(err.message, re)
  return err
}

/** Deterministic bytes (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const BIG = 2n ** 53n + 1n

/** One column of each kind, nulls in most. */
function typedFixture(): Buffer {
  return write({
    columnData: [
      {name: 'id', data: [1, 2, 3]},
      {name: 'big', data: [7n, BIG, -BIG]},
      {name: 'score', data: [0.5, null, -2.25]},
      {name: 'name', data: ['Ada', null, 'Zoë']},
      {name: 'ok', data: [true, false, null]},
      {name: 'day', data: [new Date(Date.UTC(2024, 1, 29)), null, new Date(0)]},
      {name: 'at', data: [new Date(Date.UTC(2024, 0, 1, 1, 2, 3, 456)), new Date(-1), null]},
      {name: 'us', data: [1_704_067_200_123_456n, null, -1n]},
      {name: 'bin', data: [new Uint8Array([1, 2, 255]), null, new Uint8Array([])]},
      {name: 'tags', data: [['a', 'b'], [], null]},
      {name: 'pt', data: [{x: 1, y: 'q'}, null, {x: 3, y: null}]},
    ],
    schema: [
      {name: 'root', num_children: 11},
      {name: 'id', type: 'INT32', repetition_type: 'REQUIRED'},
      {name: 'big', type: 'INT64', repetition_type: 'REQUIRED'},
      {name: 'score', type: 'DOUBLE', repetition_type: 'OPTIONAL'},
      {name: 'name', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL'},
      {name: 'ok', type: 'BOOLEAN', repetition_type: 'OPTIONAL'},
      {name: 'day', type: 'INT32', converted_type: 'DATE', repetition_type: 'OPTIONAL'},
      {name: 'at', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'OPTIONAL'},
      {name: 'us', type: 'INT64', logical_type: {type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS'}, repetition_type: 'OPTIONAL'},
      {name: 'bin', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL'},
      {name: 'tags', converted_type: 'LIST', repetition_type: 'OPTIONAL', num_children: 1},
      {name: 'list', repetition_type: 'REPEATED', num_children: 1},
      {name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL'},
      {name: 'pt', repetition_type: 'OPTIONAL', num_children: 2},
      {name: 'x', type: 'INT32', repetition_type: 'OPTIONAL'},
      {name: 'y', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL'},
    ],
  })
}

/** `n` rows: a unique uncompressed string first (so a row's bytes can be found in the file), then an id. */
function groupsFixture(n: number, rowGroupSize: number): Buffer {
  return write({
    columnData: [
      {name: 'key', data: Array.from({length: n}, (_, i) => `row-${String(i + 1).padStart(7, '0')}`), type: 'STRING'},
      {name: 'id', data: Array.from({length: n}, (_, i) => i + 1), type: 'INT32'},
    ],
    rowGroupSize,
    codec: 'UNCOMPRESSED',
  })
}

describe('Parquet reader', () => {
  it('declares columns and types from the schema, and the row count from the footer', async () => {
    const r = await openParquet(mem(typedFixture()))
    assert.equal(r.format, 'parquet')
    assert.deepEqual(r.columns, ['id', 'big', 'score', 'name', 'ok', 'day', 'at', 'us', 'bin', 'tags', 'pt'])
    assert.deepEqual(r.declaredTypes, ['integer', 'integer', 'number', 'string', 'boolean', 'date', 'timestamp', 'timestamp', 'string', 'json', 'json'])
    assert.equal(r.rowCount, 3)
  })

  it('round-trips values: nulls, 64-bit integers beyond 2^53 as strings, dates, timestamps at their precision, binary as base64, nested as JSON', async () => {
    const rows = await rowsOf(mem(typedFixture()))
    assert.deepEqual(
      rows.map((r) => [r.row, r.line]),
      [
        [1, 1],
        [2, 2],
        [3, 3],
      ],
    )
    assert.deepEqual(rows[0]!.cells, [1, 7, 0.5, 'Ada', true, '2024-02-29', '2024-01-01T01:02:03.456Z', '2024-01-01T00:00:00.123456Z', 'AQL/', ['a', 'b'], {x: 1, y: 'q'}])
    assert.deepEqual(rows[1]!.cells, [2, '9007199254740993', null, null, false, null, '1969-12-31T23:59:59.999Z', null, null, [], null])
    assert.deepEqual(rows[2]!.cells, [3, '-9007199254740993', -2.25, 'Zoë', null, '1970-01-01', null, '1969-12-31T23:59:59.999999Z', '', null, {x: 3, y: null}])
  })

  it('streams several row groups in order, with file-wide row numbers, and starts again on each call', async () => {
    const n = 2500
    const src = mem(groupsFixture(n, 1000))
    const r = await openParquet(src)
    assert.equal(r.rowCount, n)
    const sizes: number[] = []
    const seen: number[] = []
    for await (const batch of r.batches!()) {
      sizes.push(batch.length)
      for (const row of batch) {
        assert.equal(row.line, row.row)
        assert.deepEqual(row.cells, [`row-${String(row.row).padStart(7, '0')}`, row.row])
        seen.push(row.row)
      }
    }
    assert.deepEqual(sizes, [1000, 1000, 500])
    assert.deepEqual(seen, Array.from({length: n}, (_, i) => i + 1))
    const again: number[] = []
    for await (const row of r.rows()) again.push(row.cells[1] as number)
    assert.deepEqual(again, seen)
  })

  it('hands a big row group out in batches', async () => {
    const r = await openParquet(mem(groupsFixture(10_000, 10_000)))
    const sizes: number[] = []
    let last = 0
    for await (const batch of r.batches!()) {
      sizes.push(batch.length)
      last = batch.at(-1)!.row
    }
    assert.deepEqual(sizes, [4096, 4096, 1808])
    assert.equal(last, 10_000)
  })

  it('reads only the footer and the first row group for the first row of a 3-group file', async () => {
    const buf = groupsFixture(3000, 1000)
    const footerStart = buf.length - 8 - buf.readUInt32LE(buf.length - 8)
    const at = (row: number): number => {
      const i = buf.indexOf(`row-${String(row).padStart(7, '0')}`)
      assert.ok(i > 0, `row ${row} is in the file`)
      return i
    }
    const group2 = at(1001)
    const src = mem(buf)
    const r = await openParquet(src)
    for await (const row of r.rows()) {
      assert.equal(row.row, 1)
      break
    }
    // Every byte read is the footer's or the first group's: nothing from group 2 on.
    for (const [s, e] of src.reads) assert.ok(s >= footerStart || e <= group2, `read ${s}-${e}: group 2 starts near ${group2}, the footer at ${footerStart}`)
    assert.ok(
      src.reads.some(([s, e]) => s <= at(1000) && e > at(1000)),
      'the first group was read',
    )
    const total = src.reads.reduce((n, [s, e]) => n + e - s, 0)
    assert.ok(total < (buf.length * 2) / 5, `read ${total} of ${buf.length} bytes`)
  })

  it('truncated files fail as BAD_TABLE naming the file, wherever they are cut', async () => {
    const buf = groupsFixture(60, 20)
    const cuts = new Set([0, 1, 3, 4, 7, 8, 11, 12, 13, buf.length - 12, buf.length - 9, buf.length - 8, buf.length - 5, buf.length - 1])
    for (let c = 17; c < buf.length; c += 41) cuts.add(c)
    for (const cut of cuts) await badTable(cellsOf(mem(buf.subarray(0, cut), 'cut.parquet')), 'cut.parquet')
    // Cut, with the last 8 bytes (footer length and magic) put back: the footer no longer fits.
    const tail = buf.subarray(buf.length - 8)
    const footer = buf.readUInt32LE(buf.length - 8)
    for (const cut of [4, 20, footer + 3]) {
      await badTable(cellsOf(mem(Buffer.concat([buf.subarray(0, cut), tail]), 'cut.parquet')), 'cut.parquet', /truncated: the footer claims \d+ bytes/)
    }
    // Bytes lost from the middle, footer intact: its offsets point at the wrong bytes.
    const dataEnd = buf.length - 8 - footer
    for (const at of [0.1, 0.5, 0.9].map((k) => Math.floor(dataEnd * k))) {
      const gap = Buffer.concat([buf.subarray(0, at), buf.subarray(at + 40)])
      await badTable(cellsOf(mem(gap, 'gap.parquet')), 'gap.parquet', /row group \d/)
    }
  })

  it('garbage, and a footer length pointing outside the file, fail as BAD_TABLE', async () => {
    const next = random(7)
    for (let i = 0; i < 60; i++) {
      const b = Buffer.from(Array.from({length: Math.floor(next() * 3000)}, () => Math.floor(next() * 256)))
      // Half of them look like Parquet at both ends.
      if (i % 2 && b.length >= 12) {
        b.write('PAR1', 0, 'latin1')
        b.write('PAR1', b.length - 4, 'latin1')
        if (i % 4 === 1) b.writeUInt32LE(Math.floor(next() * (b.length - 12)), b.length - 8)
      }
      await badTable(cellsOf(mem(b, 'junk.bin')), 'junk.bin')
    }
    const buf = groupsFixture(10, 5)
    for (const length of [0x7fffffff, 0xffffffff, buf.length - 11, buf.length]) {
      const hostile = Buffer.from(buf)
      hostile.writeUInt32LE(length, hostile.length - 8)
      const src = mem(hostile, 'h.parquet')
      await badTable(openParquet(src), 'h.parquet', new RegExp(`^h\\.parquet: truncated: the footer claims ${length} bytes of a ${buf.length}-byte file$`))
      // Nothing but the magic and the length was read.
      assert.deepEqual(src.reads.map(([s, e]) => e - s).sort(), [4, 8])
    }
    await badTable(openParquet(mem(Buffer.from('PAR1'), 'tiny.parquet')), 'tiny.parquet', /too short/)
    await badTable(openParquet(mem(Buffer.from('PAR1\0\0\0\0\0\0\0\0PAR1'), 'empty.parquet')), 'empty.parquet', /unreadable footer/)
  })

  describe('damaged page headers, checked before hyparquet decodes them', () => {
    // hyparquet-writer's first page header sits right after the magic: byte 4 opens field 1 (type),
    // 6 field 2 (uncompressed size), 8 field 3 (compressed size), 10 the v2 header (field 8), whose
    // num_values is byte 12.
    const fixture = (): Buffer => {
      const buf = write({columnData: [{name: 'id', data: Array.from({length: 30}, (_, i) => i + 1), type: 'INT32'}], rowGroupSize: 10})
      assert.deepEqual([4, 5, 6, 8, 10, 11, 12].map((i) => buf[i]), [0x15, 0x06, 0x15, 0x15, 0x5c, 0x15, 0x14], 'the page header layout this test edits')
      return buf
    }

    it('a page header without its compressed size (hyparquet alone reads on from a NaN position)', async () => {
      const buf = fixture()
      buf[8] = 0x25 // field 3 becomes field 4 (crc)...
      buf[10] = 0x4c // ...and the v2 header stays field 8
      await badTable(cellsOf(mem(buf, 'p.parquet')), 'p.parquet', /^p\.parquet: row group 1, column id: a page header without its type or sizes$/)
    })

    it('a page size that is not a number', async () => {
      const buf = fixture()
      buf[8] = 0x18 // field 3 becomes binary (of 88 bytes, past the chunk)
      await badTable(cellsOf(mem(buf, 'p.parquet')), 'p.parquet', /^p\.parquet: row group 1, column id: a page header runs past the end of the column data$/)
    })

    it('value counts that do not add up to the row group', async () => {
      const buf = fixture()
      buf[12] = 0x16 // num_values 10 -> 11
      await badTable(cellsOf(mem(buf, 'p.parquet')), 'p.parquet', /^p\.parquet: row group 1, column id: its pages hold 11 values for 10 rows$/)
    })

    it('an uncompressed size no codec can reach', async () => {
      const n = 20_000
      const buf = write({columnData: [{name: 's', data: Array.from({length: n}, (_, i) => `value ${i}`), type: 'STRING', nullable: false}], codec: 'UNCOMPRESSED', rowGroupSize: n})
      // Field 2 as a 3-byte varint: rewritten in place to the largest 3-byte value (about 1 MiB).
      assert.deepEqual([buf[6], buf[7]! >= 0x80, buf[8]! >= 0x80, buf[9]! < 0x80], [0x15, true, true, true], 'a 3-byte uncompressed size')
      buf[7] = 0xfe
      buf[8] = 0xff
      buf[9] = 0x7f
      await badTable(cellsOf(mem(buf, 'p.parquet')), 'p.parquet', /row group 1, column s: a page claims 1048575 bytes uncompressed from \d+, more than bl reads$/)
    })

    it('damaged bytes anywhere: the values or BAD_TABLE, never another error and never a hang', {timeout: 120_000}, async () => {
      const buf = write({
        columnData: [
          {name: 'id', data: Array.from({length: 60}, (_, i) => i)},
          {name: 's', data: Array.from({length: 60}, (_, i) => (i % 4 ? `v${i % 7}` : null))},
          {name: 'big', data: Array.from({length: 60}, (_, i) => BigInt(i) << 40n)},
          {name: 'tags', data: Array.from({length: 60}, (_, i) => (i % 5 ? ['a', 'b'].slice(i % 3) : null))},
        ],
        schema: [
          {name: 'root', num_children: 4},
          {name: 'id', type: 'INT32', repetition_type: 'REQUIRED'},
          {name: 's', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL'},
          {name: 'big', type: 'INT64', repetition_type: 'OPTIONAL'},
          {name: 'tags', converted_type: 'LIST', repetition_type: 'OPTIONAL', num_children: 1},
          {name: 'list', repetition_type: 'REPEATED', num_children: 1},
          {name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL'},
        ],
        rowGroupSize: 25,
      })
      const next = random(11)
      let failed = 0
      for (let at = 0; at < buf.length; at++) {
        const d = Buffer.from(buf)
        d[at] = at % 2 ? d[at]! ^ (1 << Math.floor(next() * 8)) : Math.floor(next() * 256)
        try {
          const rows = await cellsOf(mem(d, 'f.parquet'))
          for (const cells of rows) assert.equal(cells.length, 4)
        } catch (err) {
          failed++
          assert.ok(err instanceof BlError && err.code === 'BAD_TABLE' && err.message.startsWith('f.parquet: ') && !err.message.includes('\n'), `byte ${at}: ${String((err as Error)?.stack ?? err)}`)
        }
      }
      assert.ok(failed > buf.length / 10, `${failed} of ${buf.length} damaged files were refused`)
    })
  })
})
