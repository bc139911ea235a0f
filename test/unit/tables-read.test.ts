import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {CsvSplitter, uniqueNames} from '../../src/core/tables/csv.ts'
import {inferType, widen} from '../../src/core/tables/infer.ts'
import {openTable} from '../../src/core/tables/open.ts'
import {computeStats} from '../../src/core/tables/stats.ts'
import type {ByteSource, Cell} from '../../src/core/tables/types.ts'
import {rejectsTyped as fails} from '../support/typed-errors.ts'

/** An in-memory file, streamed in pieces of `piece` bytes (1: every byte its own chunk). */
function mem(data: string | Buffer, piece = 1 << 20, name = 'mem'): ByteSource & {reads: number} {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data)
  const src = {
    name,
    size: buf.length,
    reads: 0,
    async *stream() {
      for (let i = 0; i < buf.length; i += piece) yield buf.subarray(i, i + piece)
    },
    async read(s: number, e: number) {
      src.reads++
      return buf.subarray(s, e)
    },
  }
  return src
}

async function rows(data: string | Buffer, path: string, piece?: number, opts = {}): Promise<{columns: string[]; cells: Cell[][]; lines: number[]; format: string; delimiter?: string; header?: boolean}> {
  const r = await openTable(mem(data, piece, path), path, opts)
  const cells: Cell[][] = []
  const lines: number[] = []
  for await (const row of r.rows()) {
    cells.push(row.cells)
    lines.push(row.line)
  }
  return {columns: r.columns, cells, lines, format: r.format, delimiter: r.delimiter, header: r.header}
}

describe('CSV', () => {
  const tricky = 'id,name,note\r\n1,"Smith, J.","said ""hi""\nthen left"\r\n\r\n2,Ann,plain\r\n3,"",\r\n'

  it('quoted delimiters, doubled quotes, line breaks in fields, CRLF, blank lines; line numbers count the breaks', async () => {
    const t = await rows(tricky, 'a.csv')
    assert.deepEqual(t.columns, ['id', 'name', 'note'])
    assert.deepEqual(t.cells, [
      ['1', 'Smith, J.', 'said "hi"\nthen left'],
      ['2', 'Ann', 'plain'],
      ['3', '', ''],
    ])
    assert.deepEqual(t.lines, [2, 5, 6])
  })

  it('makes header names unique as before, also where a suffixed name is taken literally', () => {
    // The rule as first written (try a_2, a_3, ... from 2 for every duplicate), as the oracle.
    const oracle = (names: string[]): string[] => {
      const seen = new Set<string>()
      return names.map((raw, i) => {
        let n = raw.trim() === '' ? `column${i + 1}` : raw
        for (let k = 2; seen.has(n); k++) n = `${raw}_${k}`
        seen.add(n)
        return n
      })
    }
    const cases = [
      ['a', 'a', 'a'],
      ['a', 'a_2', 'a', 'a', 'a_3', 'a'],
      ['a_3', 'a', 'a', 'a', 'a'],
      ['', ' ', 'column1', '', 'column2', 'b', 'b', ''],
      ['x', 'x_2', 'x_2', 'x', 'x_2_2', 'x_2', 'x'],
    ]
    for (const c of cases) assert.deepEqual(uniqueNames(c), oracle(c), c.join(','))
    assert.deepEqual(uniqueNames(['a', 'a_2', 'a', 'a']), ['a', 'a_2', 'a_3', 'a_4'])
  })

  it('gives the same rows whatever the chunk boundaries (one byte at a time)', async () => {
    assert.deepEqual(await rows(tricky, 'a.csv', 1), await rows(tricky, 'a.csv'))
    assert.deepEqual(await rows(tricky, 'a.csv', 7), await rows(tricky, 'a.csv'))
  })

  it('skips a UTF-8 BOM and keeps multi-byte characters split across chunks', async () => {
    const t = await rows('\uFEFFcity,n\nZürich,1\n東京,2\n', 'c.csv', 1)
    assert.deepEqual(t.columns, ['city', 'n'])
    assert.deepEqual(t.cells, [['Zürich', '1'], ['東京', '2']])
  })

  it('sniffs ; | and tab delimiters, and a .tsv is tab-separated', async () => {
    assert.equal((await rows('a;b;c\n1;2,5;3\n4;5;6\n', 'x.csv')).delimiter, ';')
    assert.deepEqual((await rows('a;b;c\n1;2,5;3\n4;5;6\n', 'x.csv')).cells[0], ['1', '2,5', '3'])
    assert.equal((await rows('a|b\n1|2\n', 'x.csv')).delimiter, '|')
    const tsv = await rows('a\tb\n1,5\t2\n', 'x.tsv')
    assert.equal(tsv.format, 'tsv')
    assert.deepEqual(tsv.cells, [['1,5', '2']])
    assert.deepEqual((await rows('a;b\n1;2\n', 'x.csv', undefined, {delimiter: ','})).cells, [['1;2']])
  })

  it('--format tsv reads tabs and --format csv does not, whatever the content; the named format is reported', async () => {
    const asTsv = await rows('k,v\nA,1\n', 'x.csv', undefined, {format: 'tsv'})
    assert.deepEqual([asTsv.format, asTsv.delimiter, asTsv.columns, asTsv.cells], ['tsv', '\t', ['k,v'], [['A,1']]])
    const asCsv = await rows('k\tv\nA\t1\n', 'y.tsv', undefined, {format: 'csv'})
    assert.deepEqual([asCsv.format, asCsv.delimiter, asCsv.columns], ['csv', ',', ['k\tv']])
    // A named csv still sniffs the other delimiters.
    assert.equal((await rows('a;b\n1;2\n', 'z.txt', undefined, {format: 'csv'})).delimiter, ';')
  })

  it('sniffs the header: names are a header, numbers or dates in the first line are data', async () => {
    assert.equal((await rows('id,price\n1,2.5\n', 'h.csv')).header, true)
    const noHeader = await rows('1,2.5\n2,3.5\n', 'h.csv')
    assert.equal(noHeader.header, false)
    assert.deepEqual(noHeader.columns, ['column1', 'column2'])
    assert.equal(noHeader.cells.length, 2)
    assert.equal((await rows('2024-01-01,x\n2024-01-02,y\n', 'h.csv')).header, false)
    // Text over text: a header when its names do not recur below.
    assert.equal((await rows('name,city\nann,paris\nbob,rome\n', 'h.csv')).header, true)
    assert.equal((await rows('ann,paris\nbob,rome\nann,paris\n', 'h.csv')).header, false)
    assert.equal((await rows('1,2\n3,4\n', 'h.csv', undefined, {header: true})).header, true)
    assert.deepEqual((await rows('a,a,\n1,2,3\n', 'h.csv')).columns, ['a', 'a_2', 'column3'])
  })

  it('a ragged row fails with its line number (counting line breaks inside quotes)', async () => {
    await fails(rows('a,b\n1,"x\ny"\n2,3,4\n', 'r.csv'), 'BAD_TABLE', /^r\.csv: line 4: expected 2 fields, found 3$/)
  })

  it('invalid UTF-8 and an unclosed quote fail with the line', async () => {
    await fails(rows(Buffer.concat([Buffer.from('a,b\n1,2\n3,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]), 'u.csv'), 'BAD_TABLE', /u\.csv: line 3: not valid UTF-8/)
    await fails(rows('a,b\n1,2\n3,"never closed\n4,5\n', 'q.csv'), 'BAD_TABLE', /q\.csv: line 3: a quoted field is never closed/)
  })

  it('streams: reading the first row does not read the whole file', async () => {
    const big = 'id,v\n' + Array.from({length: 200_000}, (_, i) => `${i},${i * 2}`).join('\n') + '\n'
    let chunks = 0
    const src = mem(big, 64 * 1024, 'big.csv')
    const stream = src.stream.bind(src)
    src.stream = async function* () {
      for await (const c of stream()) {
        chunks++
        yield c
      }
    }
    const r = await openTable(src, 'big.csv')
    for await (const row of r.rows()) {
      assert.deepEqual(row.cells, ['0', '0'])
      break
    }
    assert.ok(chunks <= 2, `read ${chunks} chunks of ${Math.ceil(big.length / 65536)}`)
  })
})

describe('records longer than a chunk', () => {
  const MB4 = 4 * 1024 * 1024
  const PIECE = 16 * 1024

  it('CSV: a 4 MiB record pushed in 16 KiB pieces is parsed once, not once per piece', () => {
    const plain = 'x'.repeat(MB4)
    const quoted = 'a""b\r\n,'.repeat(MB4 / 8)
    const data = Buffer.from(`h1,h2\n1,${plain}\n2,"${quoted}"\n3,end\n`)
    const sp = new CsvSplitter(0x2c, 'long.csv')
    const recs = []
    for (let at = 0; at < data.length; at += PIECE) recs.push(...sp.push(data.subarray(at, at + PIECE)))
    recs.push(...sp.end())
    assert.deepEqual(
      recs.map((r) => [r.line, r.fields[0], r.fields[1]!.length]),
      [
        [1, 'h1', 2],
        [2, '1', MB4],
        [3, '2', quoted.length - MB4 / 8],
        [4 + MB4 / 8, '3', 3],
      ],
    )
    assert.equal(recs[2]!.fields[1], quoted.replaceAll('""', '"'))
    // Re-parsing the record from its start at every piece handed it ~n²/(2 * piece) bytes: 1 GiB.
    assert.ok(sp.parsedBytes <= 2 * data.length, `parsed ${sp.parsedBytes} bytes of ${data.length}`)
  })

  it('CSV: a first line longer than the 64 KiB sniffed is read whole (the header, or the first row)', async () => {
    const name = 'h'.repeat(200_000)
    const t = await rows(`${name},b\n1,2\n`, 'wide.csv', PIECE)
    assert.deepEqual([t.columns, t.cells], [[name, 'b'], [['1', '2']]])
    const cell = 'x'.repeat(200_000)
    assert.deepEqual((await rows(`1,${cell}\n2,y\n`, 'nohead.csv', PIECE)).cells, [['1', cell], ['2', 'y']])
  })

  it('JSONL: a 4 MiB line read in 16 KiB chunks is copied about once', async () => {
    const line = JSON.stringify({a: 'x'.repeat(MB4)})
    const data = `{"a":"s"}\n${line}\n{"a":"t"}\n`
    const concat = Buffer.concat
    let copied = 0
    Buffer.concat = ((list: readonly Uint8Array[], len?: number) => {
      const b = concat(list, len)
      copied += b.length
      return b
    }) as typeof Buffer.concat
    try {
      const got = await rows(data, 'long.jsonl', PIECE)
      assert.deepEqual(got.cells.map((c) => (c[0] as string).length), [1, MB4, 1])
    } finally {
      Buffer.concat = concat
    }
    // Joining the line to every chunk copied it ~n²/(2 * chunk) bytes: 512 MiB.
    assert.ok(copied <= 2 * data.length, `copied ${copied} bytes of ${data.length}`)
  })
})

describe('JSON and JSONL', () => {
  it('JSONL: keys in order of first appearance, later keys added, missing keys null', async () => {
    const t = await rows('{"id":1,"a":"x"}\n\n{"a":"y","id":2,"b":true}\n{"id":3}\n', 'e.jsonl')
    assert.deepEqual(t.columns, ['id', 'a', 'b'])
    assert.deepEqual(t.cells, [[1, 'x', null], [2, 'y', true], [3, null, null]])
    assert.deepEqual(t.lines, [1, 3, 4])
  })

  it('JSONL: a line that is not JSON, or not an object, fails with its line', async () => {
    await fails(rows('{"id":1}\n{"id":2,\n', 'bad.jsonl'), 'BAD_TABLE', /bad\.jsonl: line 2: not JSON/)
    await fails(rows('{"id":1}\n42\n', 'bad.jsonl'), 'BAD_TABLE', /line 2: a JSON number, not an object/)
  })

  it('JSONL: a UTF-8 BOM before the first line is skipped', async () => {
    const got = await rows(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"a":2}\n')]), 'bom.jsonl', 2)
    assert.deepEqual([got.columns, got.cells], [['a'], [[1], [2]]])
  })

  it('JSONL: an array line is not an object either (no positional columns mixed with named ones)', async () => {
    await fails(rows('{"a":1}\n[1,2]\n', 'm.jsonl'), 'BAD_TABLE', /m\.jsonl: line 2: a JSON array, not an object/)
    await fails(rows('[1,2]\n[3,4]\n', 'a.jsonl'), 'BAD_TABLE', /line 1: a JSON array/)
  })

  it('JSON: an array of records, or an object holding one; any other document is not a table', async () => {
    assert.deepEqual((await rows('[{"a":1},{"a":2,"b":"x"}]', 't.json')).cells, [[1, null], [2, 'x']])
    assert.deepEqual((await rows('{"meta":{"v":1},"data":[{"a":1}]}', 't.json')).cells, [[1]])
    await fails(rows('{"a":1,"b":2}', 'doc.json'), 'NOT_A_TABLE', /doc\.json is a JSON document, not a table/)
    await fails(rows('[{"a":1},', 'cut.json'), 'BAD_TABLE', /cut\.json: .*not JSON/)
  })

  it('detects the format by content when the name says nothing', async () => {
    assert.equal((await rows('{"a":1}\n{"a":2}\n', 'noext')).format, 'jsonl')
    assert.equal((await rows('[{"a":1}]', 'noext')).format, 'json')
    await fails(rows('just some words', 'noext'), 'NOT_A_TABLE', /not a table/)
  })
})

describe('types and stats', () => {
  it('infers cell types; nulls in their usual spellings', () => {
    const cases: Array<[string, string]> = [
      ['42', 'integer'], ['-7', 'integer'], ['3.14', 'number'], ['1e5', 'number'], ['.5', 'number'],
      ['99999999999999999999', 'integer'], ['true', 'boolean'], ['FALSE', 'boolean'],
      ['2024-02-29', 'date'], ['2024-13-01', 'string'], ['2024-02-29T10:00:00Z', 'timestamp'], ['2024-02-29 10:00', 'timestamp'],
      ['', 'null'], ['NA', 'null'], ['NULL', 'null'], ['abc', 'string'], ['12abc', 'string'], ['-', 'string'],
    ]
    for (const [s, t] of cases) assert.equal(inferType(s), t, s)
    assert.equal(widen('integer', 'number'), 'number')
    assert.equal(widen('date', 'timestamp'), 'timestamp')
    assert.equal(widen('integer', 'string'), 'string')
    assert.equal(widen('null', 'boolean'), 'boolean')
  })

  it('computes rows, types, nulls, min/max/mean, distinct and top values', async () => {
    const csv = 'id,price,kind,day\n1,10,a,2024-01-01\n2,2.5,b,2024-01-03\n3,,a,2024-01-02\n4,7.5,a,\n'
    const s = await computeStats(await openTable(mem(csv, 5), 's.csv'))
    assert.equal(s.rows, 4)
    const [id, price, kind, day] = s.columns
    assert.deepEqual([id!.type, id!.min, id!.max, id!.mean, id!.distinct, id!.nulls], ['integer', 1, 4, 2.5, 4, 0])
    assert.deepEqual([price!.type, price!.nulls, price!.min, price!.max, price!.mean], ['number', 1, 2.5, 10, 20 / 3])
    assert.deepEqual(kind!.top, [{value: 'a', count: 3}, {value: 'b', count: 1}])
    assert.deepEqual([day!.type, day!.min, day!.max, day!.nulls], ['date', '2024-01-01', '2024-01-03', 1])
  })

  it('integers beyond 2^53 are integers with exact min, max and top values (decimal strings, as Parquet INT64)', async () => {
    assert.equal(inferType('9007199254740993'), 'integer')
    const s = await computeStats(await openTable(mem('n\n9007199254740993\n9007199254740995\n-99999999999999999999\n7\n'), 'n.csv'))
    const n = s.columns[0]!
    assert.deepEqual([n.type, n.min, n.max], ['integer', '-99999999999999999999', '9007199254740995'])
    assert.deepEqual(new Set(n.top!.map((t) => t.value)), new Set(['9007199254740993', '9007199254740995', '-99999999999999999999', 7]))
    // Mixed with safe ones only: a safe end stays a number.
    const m = (await computeStats(await openTable(mem('n\n9007199254740993\n-3\n'), 'm.csv'))).columns[0]!
    assert.deepEqual([m.type, m.min, m.max], ['integer', -3, '9007199254740993'])
  })

  it('distinct and top values count typed values, not spellings', async () => {
    const s = await computeStats(await openTable(mem('b,n\ntrue,1\nTRUE,1.0\nfalse,1e0\nTrue,2\n'), 'b.csv'))
    const [b, n] = s.columns
    assert.deepEqual([b!.type, b!.distinct, b!.top], ['boolean', 2, [{value: true, count: 3}, {value: false, count: 1}]])
    assert.deepEqual([n!.type, n!.distinct, n!.top], ['number', 2, [{value: 1, count: 3}, {value: 2, count: 1}]])
  })

  it('timestamp min and max compare instants (UTC offsets count), shown as written', async () => {
    const csv = 'ts\n2024-01-01T10:00:00+05:00\n2024-01-01T06:00:00Z\n2024-01-01\n2024-01-01T05:30:00.000000001+0530\n'
    const ts = (await computeStats(await openTable(mem(csv), 'tz.csv'))).columns[0]!
    assert.deepEqual([ts.type, ts.min, ts.max], ['timestamp', '2024-01-01', '2024-01-01T06:00:00Z'])
    const two = (await computeStats(await openTable(mem('ts\n2024-01-01T10:00:00+05:00\n2024-01-01T06:00:00Z\n'), 'tz.csv'))).columns[0]!
    assert.deepEqual([two.min, two.max], ['2024-01-01T10:00:00+05:00', '2024-01-01T06:00:00Z'])
  })

  it('estimates distinct counts of high-cardinality columns within a few percent', async () => {
    const n = 60_000
    const csv = 'v\n' + Array.from({length: n}, (_, i) => `key-${i}`).join('\n') + '\n'
    const [col] = (await computeStats(await openTable(mem(csv), 'h.csv'))).columns
    assert.equal(col!.top, null, 'no top values for a high-cardinality column')
    assert.ok(Math.abs(col!.distinct - n) / n < 0.05, `estimate ${col!.distinct} for ${n}`)
  })
})

describe('parallel statistics of big CSVs', () => {
  // ~5 MB of 9 columns with quoted text and nulls, cut into ~20 blocks of 256 KiB for 3 workers:
  // the cuts, the hand-over of records and the merge of accumulators are what big files exercise,
  // at a seventh of the size of a file over the 32 MiB threshold (which the last test checks).
  function bigCsv(rows: number, opts: {multiline?: boolean; raggedAt?: number} = {}): Buffer {
    const parts: string[] = ['id,ts,sensor,temp,hum,amount,cat,flag,comment\n']
    for (let i = 1; i <= rows; i++) {
      const note = opts.multiline && i % 997 === 0 ? '"two\nlines, ""quoted"""' : `"note ${i % 4093}, ok"`
      const extra = opts.raggedAt === i ? ',extra' : ''
      parts.push(`${i},2024-01-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z,${i % 5000},${((i * 37) % 6500) / 100 - 20},${i % 7 === 0 ? '' : (i % 1000) / 10},${(i * 7919) % 1000003}.25,${'abcdef'[i % 6]},${i % 2 === 0},${note}${extra}\n`)
    }
    return Buffer.from(parts.join(''))
  }
  const ROWS = 60_000
  const SMALL = {threads: 3, minBytes: 0, blockBytes: 256 * 1024}

  it('gives exactly the serial result, in parallel', async () => {
    const {parallelCsvScan} = await import('../../src/core/tables/parallel-stats.ts')
    const data = bigCsv(ROWS)
    assert.ok(data.length > 16 * SMALL.blockBytes, `${data.length} bytes`)
    const src = mem(data, 1 << 16, 'big.csv')
    const reader = await openTable(src, 'big.csv')
    assert.notEqual(await parallelCsvScan(src, SMALL)(reader), null, 'the parallel scan ran')
    const par = await computeStats(reader, parallelCsvScan(src, SMALL))
    const ser = await computeStats(await openTable(src, 'big.csv'))
    const norm = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(10)) : v))
    assert.equal(norm(par), norm(ser))
    assert.equal(par.rows, ROWS)
  })

  it('line breaks inside quoted fields: correct either way; a ragged row: the serial pass reports its line', async () => {
    const {parallelCsvScan} = await import('../../src/core/tables/parallel-stats.ts')
    const multi = mem(bigCsv(ROWS, {multiline: true}), 1 << 16, 'multi.csv')
    const par = await computeStats(await openTable(multi, 'multi.csv'), parallelCsvScan(multi, SMALL))
    const ser = await computeStats(await openTable(multi, 'multi.csv'))
    assert.equal(JSON.stringify(par.columns.map((c) => [c.count, c.nulls, c.distinct])), JSON.stringify(ser.columns.map((c) => [c.count, c.nulls, c.distinct])))
    assert.equal(par.rows, ROWS)
    const ragged = mem(bigCsv(ROWS, {raggedAt: 40_000}), 1 << 16, 'ragged.csv')
    const reader = await openTable(ragged, 'ragged.csv')
    assert.equal(await parallelCsvScan(ragged, SMALL)(reader), null, 'the parallel scan gives up')
    await fails(computeStats(reader, parallelCsvScan(ragged, SMALL)), 'BAD_TABLE', /ragged\.csv: line 40001: expected 9 fields, found 10/)
  })

  it('runs only on files of 32 MiB or more, and on two cores or more', async () => {
    const {parallelCsvScan, PARALLEL_STATS_MIN_BYTES} = await import('../../src/core/tables/parallel-stats.ts')
    assert.equal(PARALLEL_STATS_MIN_BYTES, 32 * 1024 * 1024)
    const src = mem(bigCsv(ROWS), 1 << 16, 'under.csv')
    assert.equal(await parallelCsvScan(src)(await openTable(src, 'under.csv')), null, 'under the threshold: serial')
    assert.equal(await parallelCsvScan(src, {...SMALL, threads: 1})(await openTable(src, 'under.csv')), null, 'one thread: serial')
  })
})
