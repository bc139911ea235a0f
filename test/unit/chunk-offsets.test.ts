import {test} from 'node:test'
import assert from 'node:assert/strict'
import {chunkAt, chunkStarts} from '../../src/core/chunk-offsets.ts'

test('chunk offsets: starts in file order; chunkAt finds the chunk holding a byte, at and around boundaries', () => {
  const starts = chunkStarts([{len: 10}, {len: 5}, {len: 1}, {len: 20}])
  assert.deepEqual(starts, [0, 10, 15, 16])
  const at = (pos: number): number => chunkAt(starts, pos)
  assert.deepEqual([0, 9, 10, 14, 15, 16, 35, 1000].map(at), [0, 0, 1, 1, 2, 3, 3, 3])
  assert.equal(chunkAt([], 5), 0)
  assert.deepEqual(chunkStarts([]), [])
})
