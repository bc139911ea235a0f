/**
 * What a thin clone fetches before a merge so that rename detection pairs files as in a full
 * clone (similarity.ts renameReads): the namesake pairs always, the rest only when findRenames
 * would score them (within RENAME_WORK).
 */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import type {Change} from '../../src/core/diff/diff.ts'
import {renameReads} from '../../src/core/diff/similarity.ts'
import type {Oid} from '../../src/core/hash.ts'

const file = (tag: string, size: number) => ({kind: 'file' as const, exec: false, size, id: `${tag}:`.padEnd(64, 'x') as Oid})
const del = (path: string, tag: string, size: number): Change => ({status: 'D', path, old: file(tag, size)})
const add = (path: string, tag: string, size: number): Change => ({status: 'A', path, new: file(tag, size)})

test('renameReads: the files similarity would compare by lines; none past the rename limit; big files never', () => {
  const small = renameReads([del('a.txt', 'a1', 1000), add('b.txt', 'b1', 1100), add('c.txt', 'c1', 10)])
  assert.deepEqual(small.sort(), ['a1', 'b1'].map((t) => `${t}:`.padEnd(64, 'x')), 'c.txt is too small to reach 50% of a.txt')
  assert.deepEqual(renameReads([del('a.bin', 'a2', 9 << 20), add('b.bin', 'b2', 9 << 20)]), [], 'over 8 MiB: compared by chunk records, nothing read')
  assert.deepEqual(renameReads([del('a.txt', 'a1', 1000), add('b.txt', 'b1', 1000)], {limit: 0}), [])
})

test('renameReads: past the work cap, a moved directory\'s namesakes are still read, as findRenames pairs them first', () => {
  const changes: Change[] = []
  for (let i = 0; i < 500; i++) {
    changes.push(del(`d/f${i}.txt`, `d${i}`, 20_000))
    changes.push(add(`e/f${i}.txt`, `e${i}`, 20_500))
  }
  const reads = new Set<string>(renameReads(changes))
  assert.equal(reads.size, 1000, 'each file of each namesake pair')
  assert.ok(reads.has('d7:'.padEnd(64, 'x')) && reads.has('e7:'.padEnd(64, 'x')))
})
