/**
 * Pack writing (src/core/remote/pack.ts): which chunks are stored compressed, and a pack laid out
 * in a reused buffer reads back the same as one in a fresh buffer, and holds no view of its inputs.
 */
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import {FLAG_ZSTD, PackWriter, entryBytes} from '../../src/core/remote/pack.ts'
import {hashHex} from '../../src/core/hash.ts'

const csv = Buffer.from(Array.from({length: 20_000}, (_, i) => `${i},sensor-${i % 17},${(i * 0.37).toFixed(3)}\n`).join(''))
const noise = crypto.randomBytes(256 * 1024)
// Compressible as a whole, but its first 16 KiB are noise: the sample says "skip".
const noisyHead = Buffer.concat([crypto.randomBytes(16 * 1024), Buffer.alloc(240 * 1024, 'a')])

function pack(into?: Buffer) {
  const w = new PackWriter(into)
  for (const c of [csv, noise, noisyHead]) w.add('chunk', hashHex(c), c)
  return {...w.finish(), buffer: w.buffer}
}

describe('pack writer', () => {
  it('compresses a chunk when zstd saves 10%; stores random data raw without trying it whole', () => {
    const {bytes, index} = pack()
    const flags = new Map(index.entries.map((e) => [e.id, e.flags]))
    assert.equal(flags.get(hashHex(csv))! & FLAG_ZSTD, FLAG_ZSTD)
    assert.equal(flags.get(hashHex(noise))! & FLAG_ZSTD, 0)
    assert.equal(flags.get(hashHex(noisyHead))! & FLAG_ZSTD, 0, 'judged by its first 16 KiB')
    for (const e of index.entries) assert.equal(hashHex(entryBytes(e, bytes.subarray(e.offset, e.offset + e.storedLen))), e.id)
  })

  it('lays the pack out in the buffer it was given when it fits, and in a bigger one when not', () => {
    const fresh = pack()
    const big = Buffer.alloc(fresh.bytes.length + 100, 0xee)
    const reused = pack(big)
    assert.equal(reused.bytes.buffer, big.buffer, 'a view of the buffer given')
    assert.equal(reused.buffer, big)
    assert.deepEqual(reused.bytes, fresh.bytes)
    assert.equal(reused.index.pack, fresh.index.pack)
    const small = Buffer.alloc(10)
    const other = pack(small)
    assert.notEqual(other.bytes.buffer, small.buffer)
    assert.ok(other.buffer.length >= other.bytes.length, 'the writer grew its buffer')
    assert.deepEqual(other.bytes, fresh.bytes)
  })

  it('copies what it is given: changing an input after add() does not change the pack', () => {
    const input = Buffer.from(noise)
    const w = new PackWriter()
    w.add('chunk', hashHex(input), input)
    input.fill(0)
    const {bytes, index} = w.finish()
    const e = index.entries[0]!
    assert.equal(hashHex(entryBytes(e, bytes.subarray(e.offset, e.offset + e.storedLen))), hashHex(noise))
  })
})
