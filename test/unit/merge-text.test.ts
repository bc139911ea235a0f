/**
 * The line merge against Git's own: `git merge-file` (real Git) on the same three texts must give
 * byte-identical output in every style and with -X ours/theirs, plus the rules that decide what
 * conflicts (adjacent edits, the same edit on both sides, conflicts joined 3 lines apart).
 */
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {changedRegions, mergeLines, type ConflictStyle} from '../../src/core/merge/merge-text.ts'
import {mergeRows, rowDelimiter, rowMerger, type RowPiece} from '../../src/core/merge/merge-rows.ts'
import type {Favor} from '../../src/core/merge/three-way.ts'

const labels = {ours: 'OURS', base: 'BASE', theirs: 'THEIRS'}

function bl(base: string, ours: string, theirs: string, style: ConflictStyle = 'merge', favor?: Favor): {text: string; conflicts: number} {
  const m = mergeLines(Buffer.from(base), Buffer.from(ours), Buffer.from(theirs), {labels, style, favor})
  assert.ok(m, 'merged')
  return {text: m.bytes.toString(), conflicts: m.conflicts}
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-merge-text-'))
function git(base: string, ours: string, theirs: string, flag: string[]): string {
  for (const [n, v] of Object.entries({b: base, o: ours, t: theirs})) fs.writeFileSync(path.join(tmp, n), v)
  try {
    return execFileSync('git', ['merge-file', '-p', ...flag, '-L', labels.ours, '-L', labels.base, '-L', labels.theirs, 'o', 'b', 't'], {cwd: tmp, maxBuffer: 1 << 28}).toString()
  } catch (err) {
    // Exit status = number of conflicts; the merged text is still on stdout.
    return (err as {stdout: Buffer}).stdout.toString()
  }
}

describe('line merge', () => {
  it('gives what git merge-file gives, in every conflict style and with -X ours|theirs', () => {
    let seed = 12345
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    // Rows as in a table: each line unique (equally short edit scripts of repeated lines may be aligned either way).
    let next = 0
    const row = (): string => `row ${next++},${rnd(1000)}\n`
    const edit = (a: string[]): string[] => {
      const b = [...a]
      for (let k = 1 + rnd(3); k > 0; k--) {
        const at = rnd(b.length + 1)
        const op = rnd(3)
        if (op === 0) b.splice(at, 1)
        else if (op === 1) b.splice(at, 0, row())
        else b[Math.min(at, b.length - 1)] = row()
      }
      return b
    }
    let conflicted = 0
    for (let i = 0; i < 60; i++) {
      const base = Array.from({length: 4 + rnd(14)}, row)
      const [b, o, t] = [base.join(''), edit(base).join(''), edit(base).join('')]
      for (const [style, flag] of [['merge', []], ['diff3', ['--diff3']], ['zdiff3', ['--zdiff3']]] as Array<[ConflictStyle, string[]]>) {
        const mine = bl(b, o, t, style)
        assert.equal(mine.text, git(b, o, t, flag), `${style}: ${JSON.stringify({b, o, t})}`)
        if (mine.conflicts) conflicted++
      }
      for (const favor of ['ours', 'theirs'] as const) assert.equal(bl(b, o, t, 'merge', favor).text, git(b, o, t, [`--${favor}`]), `-X ${favor}: ${JSON.stringify({b, o, t})}`)
    }
    assert.ok(conflicted > 20, `the cases must include conflicts (${conflicted})`)
  })

  it('conflicts on the same or adjacent lines, takes an identical change once, merges edits one line apart', () => {
    const base = 'a\nb\nc\nd\n'
    assert.deepEqual(bl(base, 'A\nb\nc\nd\n', 'a\nb\nC\nd\n'), {text: 'A\nb\nC\nd\n', conflicts: 0})
    assert.equal(bl(base, 'A\nb\nc\nd\n', 'a\nB\nc\nd\n').conflicts, 1, 'adjacent lines conflict, as in Git')
    assert.deepEqual(bl(base, 'a\nX\nc\nd\n', 'a\nX\nc\nd\n'), {text: 'a\nX\nc\nd\n', conflicts: 0})
    assert.equal(bl(base, 'a\nb\nc\nd\nours\n', 'a\nb\nc\nd\ntheirs\n').text, 'a\nb\nc\nd\n<<<<<<< OURS\nours\n=======\ntheirs\n>>>>>>> THEIRS\n')
  })

  it('ends a side without a final newline before its marker, and marks CRLF files with CRLF', () => {
    assert.equal(bl('x\n', 'o', 't').text, '<<<<<<< OURS\no\n=======\nt\n>>>>>>> THEIRS\n')
    assert.equal(bl('k\r\nx\r\n', 'k\r\no\r\n', 'k\r\nt\r\n').text, 'k\r\n<<<<<<< OURS\r\no\r\n=======\r\nt\r\n>>>>>>> THEIRS\r\n')
  })

  it('joins conflicts at most 3 unchanged lines apart, not 4, and not across a change from one side', () => {
    const lines = (n: number, tag = ''): string => Array.from({length: n}, (_, k) => `${tag}${k}\n`).join('')
    const three = bl(`x\n${lines(3)}y\n`, `X\n${lines(3)}Y\n`, `Z\n${lines(3)}W\n`)
    assert.equal(three.conflicts, 1)
    assert.equal(three.text, `<<<<<<< OURS\nX\n${lines(3)}Y\n=======\nZ\n${lines(3)}W\n>>>>>>> THEIRS\n`)
    assert.equal(bl(`x\n${lines(4)}y\n`, `X\n${lines(4)}Y\n`, `Z\n${lines(4)}W\n`).conflicts, 2)
    // b changed by ours only, between the two conflicts: they stay apart.
    assert.equal(bl('x\na\nb\nc\ny\n', 'X\na\nB\nc\nY\n', 'Z\na\nb\nc\nW\n').conflicts, 2)
  })

  it('groups changes that overlap or touch into one region per stretch of the base', () => {
    const r = (aStart: number, aEnd: number, bStart: number, bEnd: number) => ({aStart, aEnd, bStart, bEnd})
    // ours replaced 1..3 with 1 item, theirs inserted 2 items at 3 (touching) and changed 6..7.
    const regions = changedRegions([r(1, 3, 1, 2)], [r(3, 3, 3, 5), r(6, 7, 8, 9)])
    assert.deepEqual(regions, [
      {baseStart: 1, baseEnd: 3, oursStart: 1, oursEnd: 2, theirsStart: 1, theirsEnd: 5, ours: true, theirs: true},
      {baseStart: 6, baseEnd: 7, oursStart: 5, oursEnd: 6, theirsStart: 8, theirsEnd: 9, ours: false, theirs: true},
    ])
  })

  it('merges rows cell by cell only for in-place edits of whole rows with matching cells', () => {
    assert.equal(rowDelimiter('a/B.CSV'), ',')
    assert.equal(rowDelimiter('x.tsv'), '\t')
    assert.equal(rowDelimiter('x.jsonl'), undefined)
    const csv = rowMerger('t.csv')!
    assert.deepEqual(mergeRows(['1,a,"x,y"\r\n'], ['1,A,"x,y"\r\n'], ['1,a,"x,z"\r\n'], csv), [{row: '1,A,"x,z"\r\n'}])
    assert.equal(mergeRows(['1,a,b\n'], ['1,A,b\n'], ['1,B,b\n'], csv), undefined, 'the same cell changed differently: the line merge marks it')
    assert.equal(mergeRows(['1,a,b\n'], ['1,A,b,c\n'], ['1,a,B\n'], csv), undefined, 'a cell added')
    assert.equal(mergeRows(['1,a\n', '2,b\n'], ['1,A\n'], ['1,a\n', '2,B\n'], csv), undefined, 'a row deleted')
    assert.equal(mergeRows(['1,"a,b\n'], ['1,"a,B\n'], ['2,"a,b\n'], csv), undefined, 'a quoted cell going on past the line')
    // Row by row: one from each side, one by cells, one still in conflict.
    assert.deepEqual(mergeRows(['1,a\n', '2,b,c\n', '3,x\n', '4,y\n'], ['1,A\n', '2,B,c\n', '3,x\n', '4,O\n'], ['1,a\n', '2,b,C\n', '3,X\n', '4,T\n'], csv), [
      {row: '1,A\n'},
      {row: '2,B,C\n'},
      {row: '3,X\n'},
      {base: '4,y\n', ours: '4,O\n', theirs: '4,T\n'},
    ])
  })

  it('merges CSV rows by column name when a side added or removed columns (the headers say which)', () => {
    const lines = (x: string): string[] => x.split(/(?<=\n)/)
    const merge = (b: string, o: string, t: string) => {
      const [B, O, T] = [lines(b), lines(o), lines(t)]
      return mergeRows(B, O, T, rowMerger('t.csv', () => ({base: B[0]!, ours: O[0]!, theirs: T[0]!}))!)
    }
    const rows = (p: RowPiece[] | undefined): string => (p ?? []).map((r) => ('row' in r ? r.row : `<${r.ours}|${r.theirs}>`)).join('')
    const base = 'id,label\n1,cat\n2,dog\n'
    // Ours added a column (every row changed), theirs fixed a label: both kept.
    assert.equal(rows(merge(base, 'id,label,score\n1,cat,0.5\n2,dog,0.7\n', 'id,label\n1,cat\n2,wolf\n')), 'id,label,score\n1,cat,0.5\n2,wolf,0.7\n')
    // Theirs added one in the middle, ours fixed a label: theirs' column order.
    assert.equal(rows(merge(base, 'id,label\n1,lion\n2,dog\n', 'id,src,label\n1,a,cat\n2,b,dog\n')), 'id,src,label\n1,a,lion\n2,b,dog\n')
    // Both added columns: ours' order, then theirs' new one.
    assert.equal(rows(merge(base, 'id,label,score\n1,cat,0.5\n2,dog,0.7\n', 'id,label,src\n1,cat,a\n2,fox,b\n')), 'id,label,score,src\n1,cat,0.5,a\n2,fox,0.7,b\n')
    // Theirs removed a column ours left alone: gone; where ours changed a cell of it, that row conflicts.
    assert.equal(rows(merge('id,label,tmp\n1,cat,x\n2,dog,y\n', 'id,label,tmp\n1,CAT,x\n2,dog,Y\n', 'id,label\n1,cat\n2,dog\n')), 'id,label\n1,CAT\n<2,dog,Y\n|2,dog\n>')
    // The same column added by both with different values conflicts in that row only.
    assert.equal(rows(merge(base, 'id,label,n\n1,cat,1\n2,dog,2\n', 'id,label,n\n1,CAT,1\n2,fox,3\n')), 'id,label,n\n1,CAT,1\n<2,dog,2\n|2,fox,3\n>')
    assert.equal(merge(base, 'id,label,n\n1,cat,1\n2,dog,2\n', 'id,label,n\n1,cat,1\n2,dog,3\n'), undefined, 'no row merged by name: the line merge marks it, as Git')
    // No headers known, or a name twice: no merge by name (the line merge decides).
    assert.equal(mergeRows(lines(base), lines('id,label,s\n1,cat,0\n2,dog,0\n'), lines('id,label\n1,cat\n2,eel\n'), rowMerger('t.csv')!), undefined)
    assert.equal(merge('a,a\n1,2\n', 'a,a,b\n1,2,3\n', 'a,a\n1,5\n'), undefined)
  })

  it('pairs rows by position only when they are edits in place: a moved, sorted or rewritten row, or a renamed column, leaves the stretch to the line merge', () => {
    const lines = (x: string): string[] => x.split(/(?<=\n)/)
    const merge = (b: string, o: string, t: string, name = 't.csv') => {
      const [B, O, T] = [lines(b), lines(o), lines(t)]
      return mergeRows(B, O, T, rowMerger(name, () => ({base: B[0]!, ours: O[0]!, theirs: T[0]!}))!)
    }
    assert.equal(merge('id,label\n1,cat\n2,cat\n', 'id,label\n2,cat\n1,cat\n', 'id,label\n1,dog\n2,bird\n'), undefined, 'ours sorted the rows')
    assert.equal(merge('id,v,w\n1,x,p\n2,x,q\n', 'id,v,w\n2,x,q\n3,x,r\n', 'id,v,w\n1,X,p\n2,Z,q\n'), undefined, 'a row deleted, another inserted')
    assert.equal(merge('k,v\n1,a\n', 'k,v\n2,a\n', 'k,v\n1,b\n'), undefined, 'no cell left by both sides: not an edit of that row')
    // Rows that share cells: ours swapped them, theirs edited row 1. Positions would put theirs' edit on row 2.
    assert.equal(merge('id,a,b,c,d\n1,a,k,m,x\n2,b,k,m,y\n', 'id,a,b,c,d\n2,b,k,m,y\n1,a,k,m,x\n', 'id,a,b,c,d\n1,a,K,m,x\n2,b,k,m,y\n'), undefined, 'rows swapped')
    assert.equal(merge('{"id":1,"v":"a"}\n{"id":2,"v":"b"}\n', '{"id":2,"v":"b"}\n{"id":3,"v":"c"}\n', '{"id":1,"v":"A"}\n{"id":2,"v":"B"}\n', 'x.jsonl'), undefined, 'JSONL records moved')
    // Theirs renamed a column while ours added one: no merge by name (rows theirs left alone keep the old layout).
    assert.equal(merge('id,name\n1,alice\n2,bob\n', 'id,name,score\n1,alice,10\n2,bob,20\n', 'id,label\n1,Alice\n2,bob\n'), undefined)
    // Theirs converted the file to CRLF, ours fixed a cell: theirs' line endings are kept.
    const rows = (p: RowPiece[] | undefined): string => (p ?? []).map((r) => ('row' in r ? r.row : '<conflict>')).join('')
    assert.equal(rows(merge('id,a,b\n1,x,y\n', 'id,a,b\n1,X,y\n', 'id,a,b\r\n1,x,Y\r\n')), 'id,a,b\r\n1,X,Y\r\n')
    assert.equal(rows(merge('{"id":1,"a":1,"b":2}\n', '{"id":1,"a":5,"b":2}\n', '{"id":1,"a":1,"b":7}\r\n', 'x.jsonl')), '{"id":1,"a":5,"b":7}\r\n')
  })

  it('merges JSONL records field by field: in-place edits of different fields, keys in the same order, ours\' layout and bytes', () => {
    const jl = rowMerger('data/a.JSONL')!
    assert.equal(rowMerger('x.ndjson'), jl)
    assert.equal(rowMerger('x.json'), undefined)
    // Different fields: each side's value text kept as written (spacing, number spelling, escapes).
    assert.deepEqual(mergeRows(['{"id": 1, "label": "cat", "score": 0.5}\n'], ['{"id": 1, "label": "dog", "score": 0.5}\n'], ['{"id":1,"label":"cat","score":5e-1}\n'], jl), [{row: '{"id": 1, "label": "dog", "score": 5e-1}\n'}])
    // Nested values and strings holding brackets, commas and escaped quotes are one value each.
    const b = '{"a": {"x": [1, {"y": "}"}]}, "s": "q\\"}", "n": null}\r\n'
    const o = '{"a": {"x": [1, {"y": "]"}]}, "s": "q\\"}", "n": null}\r\n'
    const t = '{"a": {"x": [1, {"y": "}"}]}, "s": "q\\"}", "n": true}\r\n'
    assert.deepEqual(mergeRows([b], [o], [t], jl), [{row: '{"a": {"x": [1, {"y": "]"}]}, "s": "q\\"}", "n": true}\r\n'}])
    assert.equal(mergeRows(['{"a":1,"b":2}\n'], ['{"a":3,"b":2}\n'], ['{"a":4,"b":2}\n'], jl), undefined, 'the same field changed differently')
    assert.equal(mergeRows(['{"a":1,"b":2}\n'], ['{"b":2,"a":3}\n'], ['{"a":1,"b":4}\n'], jl), undefined, 'keys reordered')
    assert.equal(mergeRows(['{"a":1,"b":2}\n'], ['{"a":3,"b":2,"c":0}\n'], ['{"a":1,"b":4}\n'], jl), undefined, 'a key added')
    assert.equal(mergeRows(['{"a":1,"a":2}\n'], ['{"a":3,"a":2}\n'], ['{"a":1,"a":4}\n'], jl), undefined, 'a repeated key')
    for (const bad of ['[1,2]\n', '{"a":1} x\n', '{"a":1\n', '{"a":"x}\n', '{a:1}\n'])
      assert.equal(mergeRows([bad], [bad.replace('1', '3')], [bad.replace('1', '4').replace('2', '5')], jl), undefined, `not one JSON object: ${bad}`)
  })

  it('merges stretches of 200,000 lines and thousands of near conflicts as Git does (no stack overflow, no quadratic joins)', () => {
    const base = Array.from({length: 100}, (_, k) => `row ${k}\n`).join('')
    const appended = Array.from({length: 200_000}, (_, k) => `new ${k}\n`).join('')
    const ours = base.replace('row 99\n', 'row 99 fixed\n')
    assert.equal(bl(base, ours, base + appended).text, git(base, ours, base + appended, []))
    // Every line changed by ours, every other one the same way by theirs: ~1,500 conflicts joined into one.
    const lines = Array.from({length: 3000}, (_, k) => `line ${k}\n`)
    const o = lines.map((l) => `o ${l}`)
    const t = lines.map((l, k) => (k % 2 ? `o ${l}` : `t ${l}`))
    assert.equal(bl(lines.join(''), o.join(''), t.join('')).text, git(lines.join(''), o.join(''), t.join(''), []))
  })

  it('leaves a file whose diff is past the budget unmerged, instead of reading it as rewritten by both sides', () => {
    // 20,000 rows of 20 values, 1,500 rows edited on each side: too many edits to align exactly.
    let seed = 7
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const base = Array.from({length: 20_000}, () => `v${rnd(20)}\n`)
    const edit = (tag: string, at: number): string => base.map((l, k) => (k % 12 === at && k < 18_000 ? `${tag}${k}\n` : l)).join('')
    assert.equal(mergeLines(Buffer.from(base.join('')), Buffer.from(edit('o', 2)), Buffer.from(edit('t', 8)), {labels}), undefined)
  })

  it('writes UTF-8 labels as UTF-8', () => {
    const m = mergeLines(Buffer.from('x\n'), Buffer.from('o\n'), Buffer.from('t\n'), {labels: {ours: 'HEAD', base: 'b', theirs: 'abc (修正 naïve 🎉)'}})
    assert.equal(m!.bytes.toString('utf8'), '<<<<<<< HEAD\no\n=======\nt\n>>>>>>> abc (修正 naïve 🎉)\n')
  })
})
