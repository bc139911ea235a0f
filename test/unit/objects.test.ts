import {test} from 'node:test'
import assert from 'node:assert/strict'
import {hashHex, type Oid} from '../../src/core/hash.ts'
import {BlError} from '../../src/core/errors.ts'
import {buildTree, commitId, commitPayload, decodeBlob, decodeCommit, decodeTreeNode, encodeBlob, encodeCommit, readTreeEntries, type Commit, type TreeEntry} from '../../src/core/objects/index.ts'

const A = hashHex(Buffer.from('a')) as Oid
const B = hashHex(Buffer.from('b')) as Oid
const sig = {name: 'Ada Lovelace', email: 'ada@example.com', time: 1700000000, tz: 60}

function sampleCommit(): Commit {
  return {tree: A, parents: [B], author: sig, committer: {...sig, tz: -300}, message: 'Add data\n', meta: {'git.commit': 'deadbeef', 'git.dirty': 'false'}}
}

test('commit encoding is canonical and its id is pinned', () => {
  const c = sampleCommit()
  const bytes = encodeCommit(c)
  assert.equal(commitId(c), hashHex(bytes))
  // Pinned with a fixed clock: a format change cannot slip through unnoticed.
  assert.equal(commitId(c), PINNED_COMMIT_ID)
  assert.deepEqual(decodeCommit(bytes), c)
  // Metadata order does not matter for the encoding.
  assert.equal(commitId({...c, meta: {'git.dirty': 'false', 'git.commit': 'deadbeef'}}), PINNED_COMMIT_ID)
})

test('the signed payload is the commit without its signature', () => {
  const c = sampleCommit()
  const signed = {...c, signature: Buffer.from([1, 2, 3])}
  assert.deepEqual(commitPayload(signed), encodeCommit(c))
  const back = decodeCommit(encodeCommit(signed))
  assert.deepEqual(Buffer.from(back.signature!), Buffer.from([1, 2, 3]))
  assert.notEqual(commitId(signed), commitId(c))
})

test('blob records round-trip and reject inconsistent sizes', () => {
  const rec = {size: 300, chunks: [{id: A as string, len: 100}, {id: B as string, len: 200}]}
  const bytes = encodeBlob(rec)
  assert.deepEqual(decodeBlob(bytes), rec)
  assert.equal(hashHex(bytes), PINNED_BLOB_RECORD_HASH)
  const bad = encodeBlob({size: 301, chunks: rec.chunks})
  assert.throws(() => decodeBlob(bad), (e: unknown) => e instanceof BlError && e.code === 'CORRUPT_OBJECT')
})

function entries(n: number): TreeEntry[] {
  const out: TreeEntry[] = []
  for (let i = 0; i < n; i++) out.push({name: `img_${String(i).padStart(6, '0')}.jpg`, kind: 'file', exec: false, size: i, files: 1, id: A})
  return out
}

test('small trees are one node with a pinned id', () => {
  const nodes = buildTree([
    {name: 'a.csv', kind: 'file', exec: false, size: 10, files: 1, id: A},
    {name: 'run.sh', kind: 'file', exec: true, size: 5, files: 1, id: B},
    {name: 'sub', kind: 'dir', exec: false, size: 99, files: 3, id: B},
  ])
  assert.equal(nodes.length, 1)
  assert.equal(nodes[0]!.id, PINNED_TREE_ID)
  const dec = decodeTreeNode(nodes[0]!.bytes)
  assert.equal(dec.level, 0)
})

test('a 100k-entry directory is paged, and changing one entry rewrites O(1) pages', () => {
  const list = entries(100_000)
  const nodes = buildTree(list)
  assert.ok(nodes.length > 50, `${nodes.length} nodes`)
  const store = new Map(nodes.map((n) => [n.id, n.bytes]))
  const root = nodes[nodes.length - 1]!.id
  const back = readTreeEntries(root, (id) => store.get(id)!)
  assert.equal(back.length, 100_000)
  assert.deepEqual(back[54321], list[54321])
  const changed = list.slice()
  changed[50_000] = {...changed[50_000]!, size: 42, id: B}
  const nodes2 = buildTree(changed)
  const before = new Set(nodes.map((n) => n.id))
  const fresh = nodes2.filter((n) => !before.has(n.id))
  assert.ok(fresh.length <= 3, `${fresh.length} nodes rewritten`)
  // Inserting an entry also keeps most pages.
  const inserted = [...list.slice(0, 700), {name: 'img_000700a.jpg', kind: 'file' as const, exec: false, size: 1, files: 1, id: B}, ...list.slice(700)]
  const fresh2 = buildTree(inserted).filter((n) => !before.has(n.id))
  assert.ok(fresh2.length <= 4, `${fresh2.length} nodes rewritten after an insert`)
})

test('strict decoding rejects malformed trees', () => {
  const good = buildTree(entries(3))[0]!.bytes
  const reject = (bytes: Uint8Array, why: string): void =>
    assert.throws(() => decodeTreeNode(bytes), (e: unknown) => e instanceof BlError && e.code === 'CORRUPT_OBJECT', why)
  reject(good.subarray(0, good.length - 1), 'truncated')
  reject(Buffer.concat([good, Buffer.from([0])]), 'trailing byte')
  const wrongTag = Buffer.from(good)
  wrongTag[0] = 0x43
  reject(wrongTag, 'wrong tag')
  // Duplicate (so not strictly sorted) names are rejected.
  const dup = buildTree([entries(1)[0]!, entries(1)[0]!])[0]!.bytes
  reject(dup, 'duplicate names')
  for (const bad of ['..', 'a/b', 'new\nline', '']) {
    const n = buildTree([{name: bad, kind: 'file', exec: false, size: 0, files: 1, id: A}])[0]!.bytes
    reject(n, `name ${JSON.stringify(bad)}`)
  }
})

test('varints must be minimal', () => {
  const rec = Buffer.from(encodeBlob({size: 0, chunks: []}))
  // 'B' 1 size=0 n=0  ->  make size a non-minimal two-byte zero.
  const bad = Buffer.from([rec[0]!, rec[1]!, 0x80, 0x00, 0x00])
  assert.throws(() => decodeBlob(bad), /non-minimal/)
})

const PINNED_COMMIT_ID = '0adb405a3103a62cccaa65845c5ddf98ccb59394771c77af6d7696a5eec9da66'
const PINNED_BLOB_RECORD_HASH = '6fbbaeb226a61f2f34a32bc5904e17ae1a6df5cd719c0c365a973c67ec46f91d'
const PINNED_TREE_ID = '72e087f059301aba2911031cc5fbf703ce217bd5ffc91beba5d26c3ee1af85b6'
