/**
 * bl diff --rows and the schema notes of bl diff --stat, through the real binary (docs/tables.md):
 * keyed and content matching, every text format, duplicate keys, the work tree, errors, Parquet.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import {fileURLToPath} from 'node:url'
import {failsWith as fails, lines, withJson, type Sandbox} from './helpers.ts'
import {repoWithIP} from './inproc.ts'
import {ops} from './inproc-history.ts'

const T1 = 'id,name,price,fax\n1,ann,10,5\n2,bob,20,6\n3,"c, d",30,7\n4,"multi\nline",40,8\n'
const T2 = 'id,name,price,email\n1,ann,10,a@x\n2,bob,25.5,b@x\n4,"multi\nline!",40,m@x\n5,eve,50,e@x\n'

describe('diff --rows between commits', () => {
  let s: Sandbox
  // The two commits are made in-process.
  before(async () => {
    s = await repoWithIP({
      'data/t.csv': T1,
      'data/t.tsv': 'id\tnote\n1\ta, b\n2\tx\n',
      'data/e.jsonl': '{"id":1,"v":1,"tags":["a"]}\n{"id":2,"v":2}\n',
      'data/bag.csv': 'a,b\nx,1\nx,1\ny,2\n',
      'data/keys.csv': 'id,v\n1,a\n2,b\n',
      'data/bad.csv': 'a,b\n1,2\n',
      'notes.txt': 'hello\n',
    })
    s.write('data/t.csv', T2)
    s.write('data/t.tsv', 'id\tnote\n1\ta, c\n2\tx\n')
    s.write('data/e.jsonl', '{"id":1,"v":"1","tags":["a","b"]}\n{"id":2,"v":2}\n{"id":3,"v":3}\n')
    s.write('data/bag.csv', 'a,b\nx,1\ny,2\ny,2\n')
    s.write('data/keys.csv', 'id,v\n1,a\n2,b\n2,c\n')
    s.write('data/bad.csv', 'a,b\n1,2,3\n')
    s.write('data/new.csv', 'id,v\n1,a\n2,b\n')
    s.write('notes.txt', 'hello again\n')
    await ops(s).commitAll('second')
  })
  after(() => s.cleanup())

  it('--json: the whole result (options may follow the path after --)', () => {
    const r = s.j(['diff', '--rows', 'HEAD~1', 'HEAD', '--', 'data/t.csv', '--key', 'id'])
    assert.deepEqual(r, {
      path: 'data/t.csv',
      from: {rev: 'HEAD~1', exists: true, format: 'csv', rows: 4, columns: ['id', 'name', 'price', 'fax']},
      to: {rev: 'HEAD', exists: true, format: 'csv', rows: 4, columns: ['id', 'name', 'price', 'email']},
      key: ['id'],
      columns: {added: ['email'], removed: ['fax'], retyped: [{name: 'price', from: 'integer', to: 'number'}]},
      counts: {added: 1, removed: 1, changed: 2},
      added: [{line: 6, cells: {id: '5', name: 'eve', price: '50', email: 'e@x'}}],
      removed: [{line: 4, cells: {id: '3', name: 'c, d', price: '30', fax: '7'}}],
      changed: [
        {key: {id: '2'}, oldLine: 3, newLine: 3, cells: [{column: 'price', old: '20', new: '25.5'}]},
        {key: {id: '4'}, oldLine: 5, newLine: 4, cells: [{column: 'name', old: 'multi\nline', new: 'multi\nline!'}]},
      ],
      truncated: false,
    })
  })

  it('text: a summary line; -v adds the rows; --limit cuts them and says how many are left', () => {
    const summary = 'data/t.csv: 1 added, 1 removed, 2 changed rows (4 -> 4 rows; key id); columns: +email, -fax, price integer -> number'
    assert.deepEqual(lines(s.ok(['diff', '--rows', '--key', 'id', 'HEAD~1', 'HEAD', '--', 'data/t.csv']).stdout), [summary])
    assert.deepEqual(lines(s.ok(['diff', '--rows', '--key=id', '-v', 'HEAD~1..HEAD', '--', 'data/t.csv']).stdout), [
      summary,
      '+ line 6: id=5, name=eve, price=50, email=e@x',
      '- line 4: id=3, name="c, d", price=30, fax=7',
      '~ id=2: price 20 -> 25.5',
      '~ id=4: name "multi\\nline" -> "multi\\nline!"',
    ])
    assert.deepEqual(lines(s.ok(['diff', '--rows', 'HEAD~1', 'HEAD', '--', 'data/t.csv', '--key', 'id', '-v', '--limit', '1']).stdout).slice(-2), ['~ id=2: price 20 -> 25.5', '  ... 1 more changed row (--limit shows more)'])
    const j = s.j(['diff', '--rows', 'HEAD~1', 'HEAD', '--key', 'id', '--limit', '1', '--', 'data/t.csv'])
    assert.equal(j.changed.length, 1)
    assert.equal(j.counts.changed, 2)
    assert.equal(j.truncated, true)
  })

  it('without --key rows match by content: duplicate identical rows are counted', () => {
    const r = s.j(['diff', '--rows', 'HEAD~1', 'HEAD', '--', 'data/bag.csv'])
    assert.equal(r.key, null)
    assert.deepEqual(r.counts, {added: 1, removed: 1, changed: 0})
    assert.deepEqual(r.removed, [{line: 2, cells: {a: 'x', b: '1'}}])
    assert.deepEqual(r.added, [{line: 4, cells: {a: 'y', b: '2'}}])
    assert.deepEqual(lines(s.ok(['diff', '--rows', 'HEAD~1', 'HEAD', '-v', '--', 'data/bag.csv']).stdout), [
      'data/bag.csv: 1 added, 1 removed rows (3 -> 3 rows; matched by content)',
      '+ line 4: a=y, b=2',
      '- line 2: a=x, b=1',
    ])
  })

  it('TSV and JSONL', () => {
    const tsv = s.j(['diff', '--rows', 'HEAD~1', 'HEAD', '--key', 'id', '--', 'data/t.tsv'])
    assert.equal(tsv.from.format, 'tsv')
    assert.deepEqual(tsv.changed, [{key: {id: '1'}, oldLine: 2, newLine: 2, cells: [{column: 'note', old: 'a, b', new: 'a, c'}]}])
    const jl = s.j(['diff', '--rows', 'HEAD~1', 'HEAD', '--key', 'id', '--', 'data/e.jsonl'])
    assert.deepEqual(jl.counts, {added: 1, removed: 0, changed: 1})
    assert.deepEqual(jl.changed[0], {
      key: {id: 1},
      oldLine: 1,
      newLine: 1,
      cells: [
        {column: 'v', old: 1, new: '1'},
        {column: 'tags', old: ['a'], new: ['a', 'b']},
      ],
    })
    assert.deepEqual(jl.columns.retyped, [{name: 'v', from: 'integer', to: 'string'}])
    assert.deepEqual(jl.added, [{line: 3, cells: {id: 3, v: 3, tags: null}}])
  })

  it('a key value twice in one version: DUPLICATE_KEY, exit 12, with the lines', () => {
    const e = fails(s, ['diff', '--rows', 'HEAD~1', 'HEAD', '--key', 'id', '--', 'data/keys.csv'], 12, 'DUPLICATE_KEY')
    assert.equal(e.message, 'data/keys.csv: key (id) = id="2" appears on lines 3 and 4 of HEAD')
    assert.equal(e.hint, 'Use a key that is unique per row, e.g. --key id,date')
    assert.deepEqual(e.data, {path: 'data/keys.csv', rev: 'HEAD', key: ['id'], value: {id: '2'}, lines: [3, 4]})
  })

  it('DUPLICATE_KEY in the work tree: data.rev is null (the work tree, as rev in the result), the message says so', () => {
    s.write('data/new.csv', 'id,v\n1,a\n1,b\n')
    try {
      const e = fails(s, ['diff', '--rows', '--', 'data/new.csv', '--key', 'id'], 12, 'DUPLICATE_KEY')
      assert.match(e.message, /of the work tree$/)
      assert.equal(e.data.rev, null)
    } finally {
      s.write('data/new.csv', 'id,v\n1,a\n2,b\n')
    }
  })

  it('a key column one version lacks, a file that is no table, and bad arguments fail clearly', () => {
    const e = fails(s, ['diff', '--rows', 'HEAD~1', 'HEAD', '--key', 'email', '--', 'data/t.csv'], 2, 'INVALID_ARGUMENT')
    assert.match(e.message, /no key column "email" in HEAD~1 \(columns: id, name, price, fax\)/)
    fails(s, ['diff', '--rows', 'HEAD~1', 'HEAD', '--', 'notes.txt'], 2, 'NOT_A_TABLE')
    fails(s, ['diff', '--rows', 'HEAD~1', 'HEAD'], 2, 'INVALID_ARGUMENT')
    fails(s, ['diff', '--rows', 'HEAD~1', 'HEAD', '--', 'data/t.csv', 'data/t.tsv'], 2, 'INVALID_ARGUMENT')
    fails(s, ['diff', '--rows', 'HEAD~1', 'HEAD', '--', 'data/nowhere.csv'], 4, 'PATH_NOT_FOUND')
    fails(s, ['diff', '--rows', '--stat', 'HEAD~1', 'HEAD', '--', 'data/t.csv'], 2, 'INVALID_ARGUMENT')
    assert.match(fails(s, ['diff', '--key', 'id', 'HEAD~1', 'HEAD'], 2, 'INVALID_ARGUMENT').message, /--key only applies to a row diff/)
    const bad = fails(s, ['diff', '--rows', 'HEAD~1', 'HEAD', '--', 'data/bad.csv'], 12, 'BAD_TABLE')
    assert.match(bad.message, /^HEAD:data\/bad\.csv: line 2: expected 2 fields, found 3/)
  })

  it('a file only one version has: all its rows added', () => {
    const r = s.j(['diff', '--rows', 'HEAD~1', 'HEAD', '--key', 'id', '--', 'data/new.csv'])
    assert.deepEqual(r.from, {rev: 'HEAD~1', exists: false, format: null, rows: 0, columns: []})
    assert.deepEqual(r.counts, {added: 2, removed: 0, changed: 0})
    assert.match(s.ok(['diff', '--rows', 'HEAD', 'HEAD~1', '--', 'data/new.csv']).stdout, /^data\/new\.csv: 0 added, 2 removed rows \(2 -> 0 rows; matched by content; not in HEAD~1\); columns: -id, -v$/m)
  })

  it('diff --stat notes schema changes of modified tables; --json has them as `schema`', () => {
    const out = lines(s.ok(['diff', '--stat', 'HEAD~1', 'HEAD']).stdout)
    const line = (p: string): string => out.find((l) => l.startsWith(` ${p} `)) ?? assert.fail(`no line for ${p} in\n${out.join('\n')}`)
    assert.match(line('data/t.csv'), / \| schema: \+email, -fax, price integer->number$/)
    assert.match(line('data/e.jsonl'), / \| schema: v integer->string$/)
    // Same columns, a table that no longer parses, a file that is no table: sizes only.
    for (const p of ['data/t.tsv', 'data/bad.csv', 'notes.txt', 'data/bag.csv']) assert.match(line(p), /^ \S+ \| \d+ B -> \d+ B$/)
    const d = s.j(['diff', 'HEAD~1', 'HEAD'])
    const change = (p: string): any => d.changes.find((c: any) => c.path === p)
    assert.deepEqual(change('data/t.csv').schema, {added: ['email'], removed: ['fax'], retyped: [{name: 'price', from: 'integer', to: 'number'}]})
    for (const p of ['data/t.tsv', 'data/bad.csv', 'data/new.csv', 'notes.txt']) assert.equal('schema' in change(p), false, p)
  })

  it('the work tree: HEAD vs work tree without revisions, one revision vs the work tree, --stat of the work tree', async () => {
    s.write('data/t.csv', T2 + '6,fay,60,f@x\n')
    s.write('data/keys.csv', 'id,v,w\n1,a,x\n')
    try {
      const r = s.j(['diff', '--rows', '--key', 'id', '--', 'data/t.csv'])
      assert.equal(r.from.rev, 'HEAD')
      assert.equal(r.to.rev, null)
      assert.deepEqual(r.counts, {added: 1, removed: 0, changed: 0})
      assert.deepEqual(r.added, [{line: 7, cells: {id: '6', name: 'fay', price: '60', email: 'f@x'}}])
      // A work-tree path also works without `--`.
      assert.deepEqual(s.j(['diff', '--rows', 'HEAD~1', 'data/t.csv', '--key', 'id']).counts, {added: 2, removed: 1, changed: 2})
      assert.match(s.ok(['diff', '--stat']).stdout, /^ data\/keys\.csv \| \d+ B -> \d+ B \| schema: \+w$/m)
    } finally {
      await ops(s).restore('data/t.csv', 'data/keys.csv')
    }
  })
})

describe('blame', () => {
  it('each row\'s last adding or changing commit, by --key or by content; through a merge; -L; errors', async () => {
    // import (1 cat, 2 dog, 3 cat) -> main "fix 2, add 4" (2 bird, 4 fox); side "relabel 1" (1 lion);
    // the merge resolves by hand and adds row 5 itself.
    // The history is built in-process, but for the merge that stops (its exit is asserted).
    const s = await repoWithIP({'l.csv': 'id,label\n1,cat\n2,dog\n3,cat\n'}, 'import')
    try {
      const b = ops(s)
      // Every later commit in one second, older than the import: the walk must go by the graph, not by time.
      s.defaultEnv.BL_AUTHOR_DATE = '1700000000 +0000'
      s.write('l.csv', 'id,label\n1,cat\n2,bird\n3,cat\n4,fox\n')
      await b.commitA('fix 2, add 4')
      await b.switchNew('side', 'HEAD~1')
      s.write('l.csv', 'id,label\n1,lion\n2,dog\n3,cat\n')
      await b.commitA('relabel 1')
      await b.switch('main')
      assert.equal(s.bl(['merge', '-q', 'side', '-m', 'merge side']).code, 3)
      s.write('l.csv', 'id,label\n1,lion\n2,bird\n3,cat\n4,fox\n5,new\n')
      await b.add('l.csv')
      await b.mergeContinue()
      const subject = new Map<string, string>((await b.log({all: true})).map((e) => [e.id, e.message.split('\n')[0]!]))
      const blamed = (...args: string[]): string[] => s.j(['blame', ...args]).rows.map((r: any) => `${r.line}:${subject.get(r.commit)}`)
      const expected = ['2:relabel 1', '3:fix 2, add 4', '4:import', '5:fix 2, add 4', '6:merge side']
      assert.deepEqual(blamed('l.csv', '--key', 'id'), expected)
      assert.deepEqual(blamed('l.csv'), expected, 'by content the same here')
      assert.deepEqual(blamed('HEAD~1', '--', 'l.csv', '--key', 'id', '-L', '3,5'), ['3:fix 2, add 4', '4:import', '5:fix 2, add 4'])
      // A changed cell blames its commit by key; by content the row is simply new there.
      s.write('l.csv', 'id,label\n1,lion\n2,bird\n3,CAT\n4,fox\n5,new\n')
      await b.commitA('upper 3')
      const text = lines(s.ok(['blame', 'l.csv', '--key', 'id', '-L', '4,4']).stdout)
      assert.equal(text.length, 1)
      assert.match(text[0]!, /^[0-9a-f]{12} \(Test \d{4}-\d\d-\d\d 4\) id=3, label=CAT$/)
      fails(s, ['blame', 'l.csv', '--key', 'nope'], 2, 'INVALID_ARGUMENT')
      fails(s, ['blame', 'nope.csv'], 4, 'PATH_NOT_FOUND')
      fails(s, ['blame', 'l.csv', '-L', '9,2'], 2, 'INVALID_ARGUMENT')
    } finally {
      s.cleanup()
    }
  })
})

describe('log --follow and blame across renames', () => {
  it('a move by id, a move that also edited (by lines; by chunks for a big file) are followed; a rewrite is not', async () => {
    // History (in-process): import t.csv -> add 4 -> move to data/t.csv -> move to data/u.csv and add 5
    // (other.csv, less like it, is deleted in the same commit) -> big.bin moved with an append, and
    // rewrite.txt replaced by an unrelated new.txt.
    const rows = (n: number): string => Array.from({length: n}, (_, i) => `${i + 1},row ${i + 1}\n`).join('')
    const s = await repoWithIP({'t.csv': `id,label\n${rows(3)}`, 'other.csv': `id,label\n${rows(1)}9,x\n`}, 'import')
    try {
      const b = ops(s)
      s.write('t.csv', `id,label\n${rows(4)}`)
      await b.commitA('add 4')
      fs.mkdirSync(`${s.dir}/data`)
      await b.mv('t.csv', 'data/t.csv')
      await b.commitMsg('move')
      s.write('data/u.csv', `id,label\n${rows(5)}`)
      await b.rm(['data/t.csv', 'other.csv'])
      await b.add('data/u.csv')
      await b.commitMsg('rename and add 5')
      // Pseudo-random bytes past the line-comparison limit: compared by their content-defined
      // chunks, of which the append disturbs the last one only.
      const big = Buffer.alloc((9 << 20) + 1)
      for (let i = 0, x = 2463534242; i < big.length; i++) {
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        big[i] = x & 0xff
      }
      s.write('big.bin', big)
      s.write('rewrite.txt', 'one thing\n')
      await b.commitAll('big')
      s.write('big2.bin', Buffer.concat([big, Buffer.alloc(300_000, 7)]))
      s.write('new.txt', 'something else entirely\n')
      await b.rm(['big.bin', 'rewrite.txt'])
      await b.commitAll('move big, rewrite')

      const followed = s.j(['log', '--follow', '--', 'data/u.csv'])
      assert.deepEqual(followed.map((e: any) => [e.message.trim(), e.path]), [
        ['rename and add 5', 'data/u.csv'],
        ['move', 'data/t.csv'],
        ['add 4', 't.csv'],
        ['import', 't.csv'],
      ])
      assert.deepEqual(s.j(['log', '--', 'data/u.csv']).map((e: any) => e.message.trim()), ['rename and add 5'], 'without --follow the history starts at the new name')
      const status = lines(s.ok(['log', '--follow', '--name-status', '--format=%s', '--', 'data/u.csv']).stdout).filter((l) => l.includes('\t'))
      assert.deepEqual(status, ['R083\tdata/t.csv\tdata/u.csv', 'R100\tt.csv\tdata/t.csv', 'M\tt.csv', 'A\tt.csv'])
      assert.deepEqual(s.j(['log', '--follow', '--', 'big2.bin']).map((e: any) => [e.message.trim(), e.path]), [['move big, rewrite', 'big2.bin'], ['big', 'big.bin']])
      assert.deepEqual(s.j(['log', '--follow', '--', 'new.txt']).map((e: any) => e.message.trim()), ['move big, rewrite'], 'under half the content kept: not a rename')
      fails(s, ['log', '--follow', '--', 'data/u.csv', 'big2.bin'], 2, 'INVALID_ARGUMENT')

      // blame reads each commit under the table's name there, so rows keep the commits that wrote them.
      const res = s.j(['blame', 'data/u.csv', '--key', 'id'])
      const subject = new Map<string, string>(res.commits.map((c: any) => [c.id, `${c.summary}@${c.path}`]))
      assert.deepEqual(res.rows.map((r: any) => subject.get(r.commit)), ['import@t.csv', 'import@t.csv', 'import@t.csv', 'add 4@t.csv', 'rename and add 5@data/u.csv'])
      const text = lines(s.ok(['blame', 'data/u.csv', '-L', '5,6']).stdout)
      assert.match(text[0]!, /^[0-9a-f]{12} t\.csv {6}\(Test \d{4}-\d\d-\d\d 5\) id=4, label="row 4"$/)
      assert.match(text[1]!, /^[0-9a-f]{12} data\/u\.csv \(Test /)
    } finally {
      s.cleanup()
    }
  })
})

describe('diff --rows of Parquet', () => {
  it('changed, added and removed rows with typed cells', async () => {
    const {parquetWriteBuffer} = await import('hyparquet-writer')
    const pq = (ids: number[], names: string[]): Buffer =>
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            {name: 'id', data: ids, type: 'INT32'},
            {name: 'name', data: names, type: 'STRING'},
          ],
        }),
      )
    const s = await repoWithIP({'p.parquet': pq([1, 2, 3], ['a', 'b', 'c'])})
    try {
      s.write('p.parquet', pq([1, 2, 4], ['a', 'B', 'd']))
      const r = s.j(['diff', '--rows', 'HEAD', '--key', 'id', '--', 'p.parquet'])
      assert.equal(r.from.format, 'parquet')
      assert.deepEqual(r.counts, {added: 1, removed: 1, changed: 1})
      assert.deepEqual(r.changed, [{key: {id: 2}, oldLine: 2, newLine: 2, cells: [{column: 'name', old: 'b', new: 'B'}]}])
      assert.deepEqual(r.added, [{line: 3, cells: {id: 4, name: 'd'}}])
      assert.deepEqual(r.removed, [{line: 3, cells: {id: 3, name: 'c'}}])
    } finally {
      s.cleanup()
    }
  })
})
