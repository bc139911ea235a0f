/**
 * bl preview / stats / schema through the real binary (docs/tables.md): committed files and the
 * work tree, every text format, the stats cache, malformed input and hostile cell content.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import {failsWith as fails, lines, withJson, type Sandbox} from './helpers.ts'
import {repoWithIP as repoWith, setup} from './inproc.ts'
import {ops} from './inproc-history.ts'

const SALES = 'id,region,price,day,paid\n1,north,10,2024-01-01,true\n2,south,2.5,2024-01-02,false\n3,north,,2024-01-03,true\n4,"west, far",7.5,2024-01-04,\n'
const EVENTS = '{"id":1,"kind":"click"}\n{"id":2,"kind":"view","extra":{"x":1}}\n'

describe('tables: preview, stats, schema', () => {
  let s: Sandbox
  before(async () => {
    s = await repoWith({
      'data/sales.csv': SALES,
      'data/events.jsonl': EVENTS,
      'data/doc.json': '{"name": "config", "version": 3}',
      'data/semi.csv': 'a;b\n1;x\n2;y\n',
      'data/plain.tsv': 'k\tv\n1\tone\n',
      'img/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]),
    })
  })
  after(() => s.cleanup())

  it('preview: the first rows as an aligned grid with a footer; --json has columns, types and rows', () => {
    const out = s.ok(['preview', 'HEAD:data/sales.csv', '-n', '2']).stdout
    assert.deepEqual(lines(out), [
      'id  region  price  day         paid',
      '--  ------  -----  ----------  -----',
      ' 1  north      10  2024-01-01  true',
      ' 2  south     2.5  2024-01-02  false',
      '(more rows follow; csv)',
    ])
    const j = s.j(['preview', 'HEAD:data/sales.csv'])
    assert.deepEqual(j, {
      kind: 'table',
      path: 'data/sales.csv',
      rev: 'HEAD',
      format: 'csv',
      delimiter: ',',
      header: true,
      columns: [
        {name: 'id', type: 'integer'},
        {name: 'region', type: 'string'},
        {name: 'price', type: 'number'},
        {name: 'day', type: 'date'},
        {name: 'paid', type: 'boolean'},
      ],
      rows: [
        ['1', 'north', '10', '2024-01-01', 'true'],
        ['2', 'south', '2.5', '2024-01-02', 'false'],
        ['3', 'north', '', '2024-01-03', 'true'],
        ['4', 'west, far', '7.5', '2024-01-04', ''],
      ],
      totalRows: null,
      truncated: false,
    })
  })

  it('preview: --columns picks and orders; an unknown column fails listing the real ones', () => {
    assert.deepEqual(s.j(['preview', 'HEAD:data/sales.csv', '--columns', 'price,id', '-n', '1']).rows, [['10', '1']])
    const e = fails(s, ['preview', 'HEAD:data/sales.csv', '--columns', 'nope'], 2, 'INVALID_ARGUMENT')
    assert.match(e.hint, /id, region, price, day, paid/)
  })

  it('preview: JSONL, TSV, a sniffed delimiter, a JSON document, the work tree', () => {
    const ev = s.j(['preview', 'HEAD:data/events.jsonl'])
    assert.deepEqual(ev.columns.map((c: any) => [c.name, c.type]), [['id', 'integer'], ['kind', 'string'], ['extra', 'json']])
    assert.deepEqual(ev.rows, [[1, 'click', null], [2, 'view', {x: 1}]])
    assert.equal(s.j(['preview', 'HEAD:data/plain.tsv']).format, 'tsv')
    const semi = s.j(['preview', 'HEAD:data/semi.csv'])
    assert.equal(semi.delimiter, ';')
    assert.match(s.ok(['preview', 'HEAD:data/semi.csv']).stdout, /\(2 rows; csv, delimiter ";"\)/)
    const doc = s.j(['preview', 'HEAD:data/doc.json'])
    assert.equal(doc.kind, 'document')
    assert.match(doc.text, /"version": 3/)
    // A plain path is the work-tree file, edited and not committed.
    s.write('data/sales.csv', 'id,region\n9,east\n')
    try {
      assert.deepEqual(s.j(['preview', 'data/sales.csv']).rows, [['9', 'east']])
      assert.equal(s.j(['preview', 'HEAD:data/sales.csv']).rows.length, 4)
    } finally {
      s.write('data/sales.csv', SALES)
    }
  })

  it('a file that is no table, or missing, fails clearly', () => {
    fails(s, ['preview', 'HEAD:img/logo.png'], 2, 'NOT_A_TABLE')
    fails(s, ['preview', 'HEAD:img'], 2, 'NOT_A_TABLE')
    fails(s, ['preview', 'HEAD:data/nope.csv'], 4, 'PATH_NOT_FOUND')
    fails(s, ['stats', 'HEAD:data/doc.json'], 2, 'NOT_A_TABLE')
  })

  it('stats: per column figures, computed once and then served from the cache', () => {
    const first = s.j(['stats', 'HEAD:data/sales.csv'])
    assert.equal(first.cached, false)
    assert.equal(first.rows, 4)
    const price = first.columns.find((c: any) => c.name === 'price')
    assert.deepEqual(price, {name: 'price', type: 'number', count: 3, nulls: 1, distinct: 3, min: 2.5, max: 10, mean: 20 / 3, top: [{value: 10, count: 1}, {value: 2.5, count: 1}, {value: 7.5, count: 1}]})
    const region = first.columns.find((c: any) => c.name === 'region')
    assert.deepEqual(region.top, [{value: 'north', count: 2}, {value: 'south', count: 1}, {value: 'west, far', count: 1}])
    const again = s.j(['stats', 'HEAD:data/sales.csv'])
    assert.equal(again.cached, true)
    assert.deepEqual({...again, cached: false}, first)
    const text = s.ok(['stats', 'HEAD:data/sales.csv']).stdout
    assert.match(text, /^HEAD:data\/sales\.csv \(csv\): 4 rows, 5 columns\n/)
    assert.match(text, /\nprice\s+number\s+1\s+3\s+2\.5\s+10\s+6\.66667/)
  })

  it('the stats cache keeps formats apart: the same bytes as .jsonl and as .json are read as each', async () => {
    const t = await repoWith({'x.jsonl': EVENTS, 'good.json': '[{"id":1,"kind":"a"}]'})
    try {
      assert.equal(t.j(['stats', 'HEAD:x.jsonl']).format, 'jsonl')
      await ops(t).schemaPin('*.json', {from: 'good.json'})
      await ops(t).commitMsg('pin')
      // y.json holds the same JSONL bytes: not one JSON document, so no table, whatever the cache
      // holds for its id; and the pin on *.json refuses it (it passed from the cache before).
      t.write('y.json', EVENTS)
      await setup(t).add('y.json')
      fails(t, ['stats', ':y.json'], 12, 'BAD_TABLE')
      const r = t.bl(withJson(['commit', '-m', 'add y.json']))
      assert.equal(r.code, 13, r.stdout + r.stderr)
      assert.equal(r.json().error.code, 'SCHEMA_VIOLATION')
    } finally {
      t.cleanup()
    }
  })

  it(':<path> reads the index version, as bl show does; a conflict stage is refused', async () => {
    const t = await repoWith({'t.csv': 'id\n1\n'})
    try {
      t.write('t.csv', 'id\n1\n2\n')
      await setup(t).add('t.csv')
      const st = t.j(['stats', ':t.csv'])
      assert.deepEqual([st.rev, st.rows], ['index', 2])
      assert.equal(t.j(['preview', ':0:t.csv']).rows.length, 2)
      assert.equal(t.j(['stats', 'HEAD:t.csv']).rows, 1)
      fails(t, ['preview', ':2:t.csv'], 2, 'INVALID_ARGUMENT')
    } finally {
      t.cleanup()
    }
  })

  it('stats of a commit or directory: files and bytes by format', () => {
    const all = s.j(['stats', 'HEAD'])
    assert.equal(all.kind, 'tree')
    assert.equal(all.files, 6)
    const csv = all.formats.find((f: any) => f.format === 'csv')
    assert.deepEqual(csv, {format: 'csv', table: true, files: 2, bytes: Buffer.byteLength(SALES) + 'a;b\n1;x\n2;y\n'.length})
    assert.deepEqual(all.formats.find((f: any) => f.format === 'png'), {format: 'png', table: false, files: 1, bytes: 8})
    const img = s.j(['stats', 'HEAD:img'])
    assert.deepEqual([img.files, img.formats.length], [1, 1])
    // `./` after the colon is the current directory (as `bl show` reads it); a plain path the root.
    for (const spec of ['HEAD:./', 'HEAD:.', 'HEAD:img']) assert.equal(s.j(['stats', spec], {cwd: `${s.dir}/img`}).path, 'img', spec)
    assert.equal(s.j(['stats', 'HEAD:../'], {cwd: `${s.dir}/img`}).files, 6)
    assert.equal(s.j(['stats', 'HEAD:/'], {cwd: `${s.dir}/img`}).files, 6)
    // Text: every column of the grid has a header; one file is "1 file".
    const text = s.ok(['stats', 'HEAD:img']).stdout.split('\n')
    assert.match(text[0]!, /^HEAD:img \([0-9a-f]{12}\): 1 file, 8 B$/)
    assert.deepEqual([text[1]!.split(/ {2,}/), text[2]!.split(/ {2}/).length], [['format', 'files', 'bytes', 'kind'], 4])
    assert.match(s.ok(['stats', 'HEAD']).stdout, /^\S+ +\d+ +\S+ B +table$/m)
  })

  it('--json with a cell of 16 MiB: the whole value, no stack overflow in the JSON output', () => {
    const cell = 'x'.repeat(16 * 1024 * 1024)
    s.write('huge.csv', `a,b\n1,${cell}\n`)
    try {
      const r = s.bl(['preview', 'huge.csv', '--json'])
      assert.equal(r.code, 0, r.stderr.slice(0, 500))
      assert.equal(JSON.parse(r.stdout).result.rows[0][1].length, cell.length)
    } finally {
      fs.rmSync(`${s.dir}/huge.csv`)
    }
  })

  it('schema: names, types, nullability', () => {
    const j = s.j(['schema', 'HEAD:data/sales.csv'])
    assert.deepEqual(j.columns, [
      {name: 'id', type: 'integer', nullable: false},
      {name: 'region', type: 'string', nullable: false},
      {name: 'price', type: 'number', nullable: true},
      {name: 'day', type: 'date', nullable: false},
      {name: 'paid', type: 'boolean', nullable: true},
    ])
    assert.match(s.ok(['schema', 'HEAD:data/sales.csv']).stdout, /\nprice\s+number\s+yes\n/)
  })
})

describe('tables: Parquet', () => {
  it('preview, stats and schema of a Parquet file with several row groups; a truncated one fails', async () => {
    const {parquetWriteBuffer} = await import('hyparquet-writer')
    const n = 2500
    const pq = Buffer.from(
      parquetWriteBuffer({
        columnData: [
          {name: 'id', data: Array.from({length: n}, (_, i) => i + 1), type: 'INT32'},
          {name: 'city', data: Array.from({length: n}, (_, i) => ['Oslo', 'Lima', null][i % 3]!), type: 'STRING'},
          {name: 'temp', data: Array.from({length: n}, (_, i) => (i % 40) - 10.5), type: 'DOUBLE'},
        ],
        rowGroupSize: 1000,
      }),
    )
    const s = await repoWith({'w.parquet': pq, 'cut.parquet': pq.subarray(0, pq.length - 100)})
    try {
      const p = s.j(['preview', 'HEAD:w.parquet', '-n', '2'])
      assert.deepEqual([p.format, p.totalRows, p.truncated], ['parquet', n, true])
      assert.deepEqual(p.columns, [{name: 'id', type: 'integer'}, {name: 'city', type: 'string'}, {name: 'temp', type: 'number'}])
      assert.deepEqual(p.rows, [[1, 'Oslo', -10.5], [2, 'Lima', -9.5]])
      assert.match(s.ok(['preview', 'HEAD:w.parquet', '-n', '1']).stdout, /\(1 of 2,500 rows; parquet\)/)
      const st = s.j(['stats', 'HEAD:w.parquet'])
      assert.equal(st.rows, n)
      assert.deepEqual(st.columns.find((c: any) => c.name === 'city'), {name: 'city', type: 'string', count: 1667, nulls: 833, distinct: 2, min: 'Lima', max: 'Oslo', mean: null, top: [{value: 'Lima', count: 833}, {value: 'Oslo', count: 834}].sort((a, b) => b.count - a.count)})
      assert.deepEqual(s.j(['schema', 'HEAD:w.parquet']).columns.map((c: any) => c.nullable), [false, true, false])
      const e = fails(s, ['stats', 'HEAD:cut.parquet'], 12, 'BAD_TABLE')
      assert.match(e.message, /HEAD:cut\.parquet: /)
    } finally {
      s.cleanup()
    }
  })
})

describe('tables: malformed and hostile content', () => {
  let s: Sandbox
  before(async () => {
    s = await repoWith({
      'ragged.csv': 'a,b\n1,2\n3,"multi\nline"\n4,5,6\n',
      'bad.jsonl': '{"a":1}\n{"a":2}\nnot json\n',
      'bin.csv': Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]),
      'evil.csv': 'name,note\n"\u001b]0;pwned\u0007\u001b[31mred",x\n',
    })
  })
  after(() => s.cleanup())

  it('malformed rows fail with the file and line (exit 12), and nothing is cached', () => {
    const e = fails(s, ['stats', 'HEAD:ragged.csv'], 12, 'BAD_TABLE')
    assert.match(e.message, /HEAD:ragged\.csv: line 5: expected 2 fields, found 3/)
    assert.deepEqual(e.data, {path: 'HEAD:ragged.csv', line: 5})
    assert.match(fails(s, ['stats', 'HEAD:bad.jsonl'], 12, 'BAD_TABLE').message, /line 3: not JSON/)
    assert.match(fails(s, ['preview', 'HEAD:bin.csv'], 12, 'BAD_TABLE').message, /line 2: not valid UTF-8/)
    // The rows before the bad one still preview.
    assert.deepEqual(s.j(['preview', 'HEAD:ragged.csv', '-n', '2']).rows, [['1', '2'], ['3', 'multi\nline']])
  })

  it('terminal escapes in cells are shown escaped, never sent to the terminal', () => {
    const out = s.ok(['preview', 'HEAD:evil.csv']).stdout
    assert.doesNotMatch(out, /\u001b|\u0007/)
    assert.match(out, /\\u001b\]0;pwned/)
    assert.equal(s.j(['preview', 'HEAD:evil.csv']).rows[0][0], '\u001b]0;pwned\u0007\u001b[31mred')
  })
})
