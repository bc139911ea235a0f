import {test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import {createHasher, hashBackendName, hashHex, useWasmHashForTesting} from '../../src/core/hash.ts'
import {hashFile} from '../../src/core/worktree/ingest.ts'

// Official BLAKE3 test vectors (test_vectors.json): input byte i is i % 251; first 32 bytes of output.
const VECTORS: Array<[number, string]> = [
  [0, 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262'],
  [1, '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213'],
  [1023, '10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11'],
  [1024, '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7'],
  [1025, 'd00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444'],
  [2048, 'e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a'],
  [2049, '5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b6879522563030'],
  [3072, 'b98cb0ff3623be03326b373de6b9095218513e64f1ee2edd2525c7ad1e5cffd2'],
]

function input(n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = i % 251
  return b
}

function checkVectors(): void {
  for (const [n, hex] of VECTORS) {
    assert.equal(hashHex(input(n)), hex, `one-shot, length ${n}`)
    const h = createHasher()
    const data = input(n)
    for (let i = 0; i < n; i += 100) h.update(data.subarray(i, i + 100))
    assert.equal(h.digest().toString('hex'), hex, `incremental, length ${n}`)
  }
}

test('native BLAKE3 matches the official test vectors', () => {
  assert.equal(hashBackendName(), 'native')
  checkVectors()
})

test("a file's id equals b3sum's output", (t) => {
  let hasB3sum = true
  try {
    execFileSync('b3sum', ['--version'])
  } catch {
    hasB3sum = false
  }
  assert.ok(hasB3sum, 'b3sum must be installed (.ci/run installs it)')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-b3-'))
  t.after(() => fs.rmSync(dir, {recursive: true, force: true}))
  const file = path.join(dir, 'f.bin')
  const data = crypto.randomBytes(3 * 1024 * 1024 + 17)
  fs.writeFileSync(file, data)
  const expected = execFileSync('b3sum', ['--no-names', file], {encoding: 'utf8'}).trim()
  assert.equal(hashHex(data), expected)
})

test('hashFile gives each file its own id when it hashes many in turn (one hasher, reset per file)', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-hashfile-'))
  t.after(() => fs.rmSync(dir, {recursive: true, force: true}))
  const files = [crypto.randomBytes(3 * 1024 * 1024 + 17), Buffer.from('small'), Buffer.alloc(0), crypto.randomBytes(4096)]
  files.forEach((data, i) => fs.writeFileSync(path.join(dir, `f${i}`), data))
  // A file that fails half-way (a directory: open works, read does not) must not leak into the next id.
  assert.throws(() => hashFile(dir, 'dir'))
  for (const i of [0, 1, 2, 3, 0, 2]) {
    const got = hashFile(path.join(dir, `f${i}`), `f${i}`)
    assert.deepEqual(got, {id: hashHex(files[i]!), size: files[i]!.length}, `file ${i}`)
  }
})

test('the WebAssembly fallback gives the same ids', async () => {
  await useWasmHashForTesting()
  assert.equal(hashBackendName(), 'wasm')
  checkVectors()
})
