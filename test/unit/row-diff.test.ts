/**
 * The row-diff algorithm (src/core/tables/row-diff.ts) over in-memory tables: keyed and content
 * matching, column changes, duplicate keys, CSV quoting, JSONL, limits and the passes it makes.
 */
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {openTable} from '../../src/core/tables/open.ts'
import {diffRows, rowHash, sameCell, type RowDiffResult} from '../../src/core/tables/row-diff.ts'
import type {ByteSource, TableReader} from '../../src/core/tables/types.ts'
import {rejectsTyped as fails} from '../support/typed-errors.ts'

/** An in-memory file streamed in pieces of `piece` bytes; counts full streams. */
function mem(data: string, name: string, piece = 1 << 20): ByteSource & {streams: number} {
  const buf = Buffer.from(data)
  const src = {
    name,
    size: buf.length,
    streams: 0,
    async *stream() {
      src.streams++
      for (let i = 0; i < buf.length; i += piece) yield buf.subarray(i, i + piece)
    },
    async read(s: number, e: number) {
      return buf.subarray(s, e)
    },
  }
  return src
}

async function table(data: string, path: string, piece?: number): Promise<TableReader> {
  return openTable(mem(data, `v:${path}`, piece), path)
}

async function diff(oldData: string | null, newData: string | null, path: string, opts: {key?: string[]; limit?: number; piece?: number} = {}): Promise<RowDiffResult> {
  const o = oldData === null ? null : await table(oldData, path, opts.piece)
  const n = newData === null ? null : await table(newData, path, opts.piece)
  return diffRows({reader: o, label: 'v1'}, {reader: n, label: 'v2'}, {key: opts.key, limit: opts.limit, path})
}

const plain = (o: Record<string, unknown>): Record<string, unknown> => ({...o})

const OLD = 'id,name,price,fax\n1,ann,10,5\n2,bob,20,6\n3,"c, d",30,7\n4,"multi\nline",40,8\n'
const NEW = 'id,name,price,email\n1,ann,10,a@x\n2,bob,25.5,b@x\n4,"multi\nline!",40,m@x\n5,eve,50,e@x\n'

describe('row diff with a key', () => {
  it('added, removed and changed rows with the changed cells; columns added, removed and retyped', async () => {
    const r = await diff(OLD, NEW, 't.csv', {key: ['id']})
    assert.deepEqual(r.key, ['id'])
    assert.deepEqual(r.counts, {added: 1, removed: 1, changed: 2})
    assert.deepEqual(r.from, {rows: 4, columns: ['id', 'name', 'price', 'fax'], types: ['integer', 'string', 'integer', 'integer']})
    assert.deepEqual(r.to, {rows: 4, columns: ['id', 'name', 'price', 'email'], types: ['integer', 'string', 'number', 'string']})
    assert.deepEqual(r.columns, {added: ['email'], removed: ['fax'], retyped: [{name: 'price', from: 'integer', to: 'number'}]})
    assert.deepEqual(r.added.map((a) => [a.line, plain(a.cells)]), [[6, {id: '5', name: 'eve', price: '50', email: 'e@x'}]])
    // The quoted delimiter survives; the removed row's line counts the multi-line record before it.
    assert.deepEqual(r.removed.map((a) => [a.line, plain(a.cells)]), [[4, {id: '3', name: 'c, d', price: '30', fax: '7'}]])
    assert.deepEqual(
      r.changed.map((c) => ({...c, key: plain(c.key)})),
      [
        {key: {id: '2'}, oldLine: 3, newLine: 3, cells: [{column: 'price', old: '20', new: '25.5'}]},
        {key: {id: '4'}, oldLine: 5, newLine: 4, cells: [{column: 'name', old: 'multi\nline', new: 'multi\nline!'}]},
      ],
    )
    assert.equal(r.truncated, false)
  })

  it('gives the same answer when the bytes arrive one at a time (records cut anywhere)', async () => {
    const whole = await diff(OLD, NEW, 't.csv', {key: ['id']})
    const bytewise = await diff(OLD, NEW, 't.csv', {key: ['id'], piece: 1})
    assert.deepEqual(JSON.parse(JSON.stringify(bytewise)), JSON.parse(JSON.stringify(whole)))
  })

  it('compares cells as written: "1.0" and "1" differ, and "01" is another key than "1"', async () => {
    const r = await diff('id,v\n1,1\n2,x\n', 'id,v\n1,1.0\n02,x\n', 't.csv', {key: ['id']})
    assert.deepEqual(r.counts, {added: 1, removed: 1, changed: 1})
    assert.deepEqual(r.changed[0]!.cells, [{column: 'v', old: '1', new: '1.0'}])
    assert.equal(r.added[0]!.cells.id, '02')
    assert.equal(r.removed[0]!.cells.id, '2')
  })

  it('a change only in a column one version lacks is not a changed row', async () => {
    const r = await diff('id,a\n1,x\n', 'id,a,b\n1,x,new\n', 't.csv', {key: ['id']})
    assert.deepEqual(r.counts, {added: 0, removed: 0, changed: 0})
    assert.deepEqual(r.columns.added, ['b'])
  })

  it('a key of several columns; changed cells in the old column order even when the new file reorders columns', async () => {
    const r = await diff('id,day,v,w\n1,2024-01-01,a,p\n1,2024-01-02,b,q\n', 'w,v,day,id\nQ,B,2024-01-02,1\np,a,2024-01-01,1\n', 't.csv', {key: ['id', 'day']})
    assert.deepEqual(r.counts, {added: 0, removed: 0, changed: 1})
    assert.deepEqual(plain(r.changed[0]!.key), {id: '1', day: '2024-01-02'})
    assert.deepEqual(r.changed[0]!.cells, [
      {column: 'v', old: 'b', new: 'B'},
      {column: 'w', old: 'q', new: 'Q'},
    ])
  })

  it('DUPLICATE_KEY names the key, the value, both lines and the version', async () => {
    let e = await fails(diff('id,v\n1,a\n2,b\n1,c\n', 'id,v\n1,a\n', 't.csv', {key: ['id']}), 'DUPLICATE_KEY', /^t\.csv: key \(id\) = id="1" appears on lines 2 and 4 of v1$/)
    assert.equal(e.hint, 'Use a key that is unique per row, e.g. --key id,date')
    assert.deepEqual(e.data, {path: 't.csv', rev: 'v1', key: ['id'], value: {id: '1'}, lines: [2, 4]})
    // In the new version: a key the old one has, and a key it lacks.
    await fails(diff('id,v\n1,a\n', 'id,v\n1,a\n1,b\n', 't.csv', {key: ['id']}), 'DUPLICATE_KEY', /lines 2 and 3 of v2$/)
    e = await fails(diff('id,v\n1,a\n', 'id,v\n7,a\n8,b\n7,c\n', 't.csv', {key: ['id']}), 'DUPLICATE_KEY', /key \(id\) = id="7" appears on lines 2 and 4 of v2$/)
    await fails(diff('a,b,v\nx,1,p\nx,1,q\n', 'a,b,v\n', 't.csv', {key: ['a', 'b']}), 'DUPLICATE_KEY', /key \(a, b\) = a="x", b="1" appears on lines 2 and 3 of v1/)
  })

  it('a key column missing from either version is INVALID_ARGUMENT listing the columns', async () => {
    let e = await fails(diff('id,v\n1,a\n', 'key,v\n1,a\n', 't.csv', {key: ['id']}), 'INVALID_ARGUMENT', /no key column "id" in v2 \(columns: key, v\)/)
    assert.deepEqual(e.data.columns, ['key', 'v'])
    e = await fails(diff('id,v\n1,a\n', 'id,v\n1,a\n', 't.csv', {key: ['id', 'nope']}), 'INVALID_ARGUMENT', /no key column "nope" in v1 \(columns: id, v\)/)
    assert.deepEqual(e.data.missing, ['nope'])
  })

  it('--limit: counts stay exact, at most N rows per kind come back, truncated tells', async () => {
    const old = 'id,v\n' + Array.from({length: 10}, (_, i) => `${i},a\n`).join('')
    const nu = 'id,v\n' + Array.from({length: 10}, (_, i) => (i < 3 ? '' : `${i},${i < 6 ? 'b' : 'a'}\n`)).join('') + '20,x\n21,y\n'
    const r = await diff(old, nu, 't.csv', {key: ['id'], limit: 1})
    assert.deepEqual(r.counts, {added: 2, removed: 3, changed: 3})
    assert.deepEqual([r.added.length, r.removed.length, r.changed.length], [1, 1, 1])
    assert.equal(r.removed[0]!.line, 2)
    assert.equal(r.changed[0]!.newLine, 2)
    assert.equal(r.truncated, true)
    const all = await diff(old, nu, 't.csv', {key: ['id']})
    assert.equal(all.truncated, false)
    assert.deepEqual(
      all.removed.map((x) => x.cells.id),
      ['0', '1', '2'],
    )
  })

  it('limit 0 reads each version once; rows asked for cost one more pass over the old version only', async () => {
    const o = mem(OLD, 'v1:t.csv')
    const n = mem(NEW, 'v2:t.csv')
    const run = async (limit: number) => diffRows({reader: await openTable(o, 't.csv'), label: 'v1'}, {reader: await openTable(n, 't.csv'), label: 'v2'}, {key: ['id'], limit, path: 't.csv'})
    const counted = await run(0)
    assert.deepEqual([o.streams, n.streams], [1, 1])
    assert.deepEqual([counted.added, counted.removed, counted.changed], [[], [], []])
    assert.equal(counted.truncated, true)
    await run(Infinity)
    assert.deepEqual([o.streams, n.streams], [3, 2])
  })

  it('a version without the file: every row added (or removed)', async () => {
    const r = await diff(null, NEW, 't.csv', {key: ['id']})
    assert.deepEqual(r.counts, {added: 4, removed: 0, changed: 0})
    assert.deepEqual(r.from, {rows: 0, columns: [], types: []})
    assert.deepEqual(r.columns.added, ['id', 'name', 'price', 'email'])
    const g = await diff(OLD, null, 't.csv')
    assert.deepEqual(g.counts, {added: 0, removed: 4, changed: 0})
    assert.deepEqual(
      g.removed.map((x) => x.line),
      [2, 3, 4, 5],
    )
  })
})

describe('row diff by content (no key)', () => {
  it('matches rows as a multiset: duplicate identical rows are counted, not collapsed', async () => {
    const r = await diff('a,b\nx,1\nx,1\ny,2\nx,1\nz,3\n', 'a,b\nx,1\nz,3\nz,3\nw,4\n', 't.csv')
    assert.equal(r.key, null)
    // x,1: 3 -> 1 (2 removed, the first ones); y,2 removed; z,3: 1 -> 2 (1 added); w,4 added.
    assert.deepEqual(r.counts, {added: 2, removed: 3, changed: 0})
    assert.deepEqual(
      r.removed.map((x) => [x.line, x.cells.a]),
      [
        [2, 'x'],
        [3, 'x'],
        [4, 'y'],
      ],
    )
    assert.deepEqual(
      r.added.map((x) => [x.line, x.cells.a]),
      [
        [4, 'z'],
        [5, 'w'],
      ],
    )
    assert.deepEqual(r.changed, [])
  })

  it('compares on the common columns, whatever their order; a reordered file is no change', async () => {
    const r = await diff('a,b,c\n1,2,3\n4,5,6\n', 'c,a,b\n6,4,5\n3,1,2\n', 't.csv')
    assert.deepEqual(r.counts, {added: 0, removed: 0, changed: 0})
    const dropped = await diff('a,b,c\n1,2,3\n', 'a,b\n1,2\n', 't.csv')
    assert.deepEqual(dropped.counts, {added: 0, removed: 0, changed: 0})
    assert.deepEqual(dropped.columns.removed, ['c'])
  })

  it('no column in common: every row is removed and every row added', async () => {
    const r = await diff('a\n1\n2\n', 'b\n1\n', 't.csv')
    assert.deepEqual(r.counts, {added: 1, removed: 2, changed: 0})
  })
})

describe('row diff of other formats', () => {
  it('TSV: tabs delimit, commas are text', async () => {
    const r = await diff('id\tnote\n1\ta, b\n2\tx\n', 'id\tnote\n1\ta, c\n2\tx\n', 't.tsv', {key: ['id']})
    assert.deepEqual(r.changed[0]!.cells, [{column: 'note', old: 'a, b', new: 'a, c'}])
  })

  it('JSONL: typed values (1 and "1" differ), nested values, retyped columns, missing fields as null', async () => {
    const o = '{"id":1,"v":1,"tags":["a"]}\n{"id":2,"v":2,"tags":[]}\n{"id":3,"v":3}\n'
    const n = '{"id":1,"v":"1","tags":["a"]}\n{"id":2,"v":2,"tags":["b"]}\n{"id":3,"v":3,"tags":null}\n'
    const r = await diff(o, n, 'e.jsonl', {key: ['id']})
    assert.deepEqual(r.counts, {added: 0, removed: 0, changed: 2})
    assert.deepEqual(r.changed[0]!.cells, [{column: 'v', old: 1, new: '1'}])
    assert.deepEqual(r.changed[1]!.cells, [{column: 'tags', old: [], new: ['b']}])
    assert.deepEqual(plain(r.changed[0]!.key), {id: 1})
    assert.deepEqual(r.columns.retyped, [{name: 'v', from: 'integer', to: 'string'}])
  })

  it('JSONL: a column first met after the sampled records still takes part in the comparison', async () => {
    const body = (late: string): string => Array.from({length: 1100}, (_, i) => JSON.stringify(i === 1050 ? {id: i, late} : {id: i}) + '\n').join('')
    const r = await diff(body('x'), body('y'), 'e.jsonl', {key: ['id']})
    assert.deepEqual(r.counts, {added: 0, removed: 0, changed: 1})
    assert.deepEqual(r.changed[0]!.cells, [{column: 'late', old: 'x', new: 'y'}])
    assert.deepEqual(r.to.columns, ['id', 'late'])
  })

  it('a JSON document (array of records)', async () => {
    const r = await diff('[{"k":"a","n":1},{"k":"b","n":2}]', '[{"k":"b","n":3},{"k":"c","n":4}]', 'd.json', {key: ['k']})
    assert.deepEqual(r.counts, {added: 1, removed: 1, changed: 1})
    assert.deepEqual(r.changed[0], {key: r.changed[0]!.key, oldLine: 2, newLine: 1, cells: [{column: 'n', old: 2, new: 3}]})
  })
})

describe('row diff of readers with declared types (as Parquet has)', () => {
  const reader = (columns: string[], declaredTypes: any[], rows: any[][]): TableReader => ({
    format: 'parquet',
    columns,
    declaredTypes,
    rowCount: rows.length,
    async *rows() {
      for (let i = 0; i < rows.length; i++) yield {row: i + 1, line: i + 1, cells: rows[i]!}
    },
  })

  it('types come from the declarations (an all-null column keeps its type); lines are row numbers', async () => {
    const o = reader(['id', 'score', 'note'], ['integer', 'integer', 'string'], [[1, 10, null], [2, 20, null]])
    const n = reader(['id', 'score', 'note'], ['integer', 'number', 'string'], [[2, 20.5, null], [3, 30, 'x']])
    const r = await diffRows({reader: o, label: 'v1'}, {reader: n, label: 'v2'}, {key: ['id'], path: 'p.parquet'})
    assert.deepEqual(r.columns.retyped, [{name: 'score', from: 'integer', to: 'number'}])
    assert.deepEqual(r.counts, {added: 1, removed: 1, changed: 1})
    assert.deepEqual(r.changed, [{key: r.changed[0]!.key, oldLine: 2, newLine: 1, cells: [{column: 'score', old: 20, new: 20.5}]}])
    assert.deepEqual(plain(r.changed[0]!.key), {id: 2})
    assert.deepEqual([r.added[0]!.line, r.removed[0]!.line], [2, 1])
  })
})

describe('row hashes and cell equality', () => {
  it('tell apart cell boundaries, types and nulls', () => {
    const all = [0, 1]
    const h = (cells: any[]) => rowHash(cells, all)
    assert.notEqual(h(['ab', 'c']), h(['a', 'bc']))
    assert.notEqual(h(['1', 'x']), h([1, 'x']))
    assert.notEqual(h([null, 'x']), h(['', 'x']))
    assert.notEqual(h([true, 'x']), h(['t', 'x']))
    assert.notEqual(h([[1], 'x']), h(['[1]', 'x']))
    assert.equal(h(['a', 'b']), h(['a', 'b']))
    assert.ok(Number.isSafeInteger(h(['a', 'b'])))
    // Only the columns asked for count.
    assert.equal(rowHash(['a', 'b', 'c'], [0, 2]), rowHash(['a', 'x', 'c'], [0, 2]))
  })

  it('do not collide on 200,000 similar rows', () => {
    const seen = new Set<number>()
    for (let i = 0; i < 200_000; i++) seen.add(rowHash([String(i), `row ${i % 1000}`, String(i * 7)], [0, 1, 2]))
    assert.equal(seen.size, 200_000)
  })

  it('sameCell compares as written', () => {
    assert.equal(sameCell('1', '1'), true)
    assert.equal(sameCell('1', '1.0'), false)
    assert.equal(sameCell(1, '1'), false)
    assert.equal(sameCell({a: [1]}, {a: [1]}), true)
    assert.equal(sameCell(null, undefined), true)
    assert.equal(sameCell(null, ''), false)
  })
})
