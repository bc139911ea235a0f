import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {parquetWriteBuffer} from 'hyparquet-writer'
import {BlError} from '../../src/core/errors.ts'
import {openTable} from '../../src/core/tables/open.ts'
import {computeStats} from '../../src/core/tables/stats.ts'
import type {ByteSource, Cell} from '../../src/core/tables/types.ts'

function mem(buf: Buffer, name = 't.parquet'): ByteSource & {bytesRead: number} {
  const src = {
    name,
    size: buf.length,
    bytesRead: 0,
    async *stream() {
      yield buf
    },
    async read(s: number, e: number) {
      const b = buf.subarray(s, e)
      src.bytesRead += b.length
      return b
    },
  }
  return src
}

function fixture(n: number, rowGroupSize: number): Buffer {
  return Buffer.from(
    parquetWriteBuffer({
      columnData: [
        {name: 'id', data: Array.from({length: n}, (_, i) => i + 1), type: 'INT32'},
        {name: 'big', data: Array.from({length: n}, (_, i) => BigInt(i % 100) * 10n ** 16n + 7n), type: 'INT64'},
        {name: 'name', data: Array.from({length: n}, (_, i) => (i % 3 === 2 ? null : `name ${i} ${'x'.repeat(40)}`)), type: 'STRING'},
        {name: 'score', data: Array.from({length: n}, (_, i) => i / 4), type: 'DOUBLE'},
        {name: 'ok', data: Array.from({length: n}, (_, i) => i % 2 === 0), type: 'BOOLEAN'},
        {name: 'at', data: Array.from({length: n}, (_, i) => new Date(Date.UTC(2024, 0, 1, 0, 0, i))), type: 'TIMESTAMP'},
      ],
      rowGroupSize,
    }),
  )
}

async function all(src: ByteSource): Promise<Cell[][]> {
  const r = await openTable(src, src.name)
  const out: Cell[][] = []
  for await (const row of r.rows()) out.push(row.cells)
  return out
}

async function badTable(p: Promise<unknown>, re: RegExp): Promise<void> {
  const err = await p.then(
    () => assert.fail('expected BAD_TABLE'),
    (e: unknown) => e,
  )
  assert.ok(err instanceof BlError && err.code === 'BAD_TABLE', `BAD_TABLE, got ${String(err)}`)
  assert.match(err.message, re)
  assert.doesNotMatch(err.message, /\n/)
}

describe('Parquet', () => {
  it('columns, declared types, row count and typed values; 64-bit integers beyond 2^53 as strings', async () => {
    const src = mem(fixture(5, 1000))
    const r = await openTable(src, 't.parquet')
    assert.equal(r.format, 'parquet')
    assert.deepEqual(r.columns, ['id', 'big', 'name', 'score', 'ok', 'at'])
    assert.deepEqual(r.declaredTypes, ['integer', 'integer', 'string', 'number', 'boolean', 'timestamp'])
    assert.equal(r.rowCount, 5)
    const rows = await all(src)
    assert.deepEqual(rows[0], [1, 7, `name 0 ${'x'.repeat(40)}`, 0, true, '2024-01-01T00:00:00.000Z'])
    assert.deepEqual(rows[2], [3, '20000000000000007', null, 0.5, true, '2024-01-01T00:00:02.000Z'])
    const st = await computeStats(await openTable(src, 't.parquet'))
    assert.deepEqual(st.columns.map((c) => [c.name, c.type, c.nulls]), [['id', 'integer', 0], ['big', 'integer', 0], ['name', 'string', 1], ['score', 'number', 0], ['ok', 'boolean', 0], ['at', 'timestamp', 0]])
  })

  it('streams one row group at a time: the first row costs the footer and the first group only', async () => {
    const n = 3000
    const buf = fixture(n, 1000)
    const rows = await all(mem(buf))
    assert.equal(rows.length, n)
    assert.deepEqual(rows.map((r) => r[0]), Array.from({length: n}, (_, i) => i + 1))
    const src = mem(buf)
    const r = await openTable(src, 't.parquet')
    for await (const row of r.rows()) {
      assert.equal(row.row, 1)
      break
    }
    assert.ok(src.bytesRead < buf.length * 0.6, `read ${src.bytesRead} of ${buf.length} bytes for one row`)
  })

  it('truncated, garbage and hostile footers fail as BAD_TABLE naming the file', async () => {
    const buf = fixture(50, 20)
    for (const cut of [0, 3, 11, 100, buf.length - 9, buf.length - 1]) await badTable(all(mem(buf.subarray(0, cut), 'cut.parquet')), /^cut\.parquet: /)
    await badTable(all(mem(Buffer.from('PAR1 this is not parquet at all PAR1'), 'g.parquet')), /g\.parquet: /)
    // The magic at both ends, but a footer length pointing far outside the file.
    const hostile = Buffer.from(buf)
    hostile.writeUInt32LE(0x7fffffff, hostile.length - 8)
    await badTable(all(mem(hostile, 'h.parquet')), /h\.parquet: truncated: the footer claims 2147483647 bytes/)
  })

  it('damaged bytes anywhere: BAD_TABLE or the values, never another error', async () => {
    const buf = fixture(300, 100)
    for (let at = 4; at < buf.length - 8; at += 37) {
      const d = Buffer.from(buf)
      d[at] = d[at]! ^ 0x5a
      try {
        await all(mem(d))
      } catch (err) {
        assert.ok(err instanceof BlError && err.code === 'BAD_TABLE', `byte ${at}: ${String(err)}`)
      }
    }
  })
})
