/**
 * Typed access to the objects of a store: decode with verification (every object read is checked
 * against its id), and the streaming read of a file's bytes from its chunks.
 */
import {BlError} from './errors.js'
import {createHasher, EMPTY_OID, hashHex, type Oid} from './hash.js'
import {decodeBlob, type BlobRecord} from './objects/blob.js'
import {decodeCommit, type Commit} from './objects/commit.js'
import {readTreeEntries, type TreeEntry} from './objects/tree.js'
import type {ObjectKind, ObjectStore} from './store/types.js'

function missing(kind: string, id: Oid): BlError {
  return new BlError('MISSING_OBJECT', `${kind} ${id} is missing from the store`, {hint: 'Run `bl fsck`; the repository may be incomplete.', data: {id}})
}

export function loadRaw(store: ObjectStore, id: Oid, kind: ObjectKind): Buffer {
  const obj = store.getObject(id)
  if (!obj) throw missing(kind, id)
  // `damaged`: the stored copy is not what was stored (unlike an object that is intact but invalid).
  if (obj.kind !== kind) throw new BlError('CORRUPT_OBJECT', `object ${id} is a ${obj.kind}, expected a ${kind}`, {hint: 'Run `bl fsck`.', data: {id, damaged: true}})
  // Blob records are keyed by the file's hash, verified when the file is read; the rest by their own bytes.
  if (kind !== 'blob' && hashHex(obj.data) !== id)
    throw new BlError('CORRUPT_OBJECT', `${kind} ${id} does not match its id (corrupted)`, {hint: 'Run `bl fsck`.', data: {id, damaged: true}})
  return obj.data
}

export function loadCommit(store: ObjectStore, id: Oid): Commit {
  return decodeCommit(loadRaw(store, id, 'commit'))
}

export function loadTree(store: ObjectStore, id: Oid): TreeEntry[] {
  return readTreeEntries(id, (nid) => loadRaw(store, nid, 'tree'))
}

export function loadBlob(store: ObjectStore, id: Oid): BlobRecord {
  if (id === EMPTY_OID && !store.hasObject(id)) return {size: 0, chunks: []}
  return decodeBlob(loadRaw(store, id, 'blob'))
}

/**
 * Yields a file's bytes chunk by chunk and verifies the whole file against its id before the
 * last chunk is handed out, so a consumer that publishes only after the last chunk (checkout
 * writes to a temporary file, then renames) never publishes corrupted bytes. One hash pass: the
 * per-chunk ids add nothing once the file id checks out.
 */
export function* readFileChunks(store: ObjectStore, id: Oid): Generator<Buffer> {
  const rec = loadBlob(store, id)
  const n = rec.chunks.length
  // A one-chunk file: its chunk id is its file id, so one one-shot hash checks it.
  const whole = n > 1 ? createHasher() : undefined
  for (let i = 0; i < n; i++) {
    const c = rec.chunks[i]!
    const data = store.getChunk(c.id as Oid)
    if (!data) throw new BlError('MISSING_OBJECT', `chunk ${c.id} of file ${id} is missing`, {hint: 'Run `bl fsck`.', data: {id, chunk: c.id}})
    if (data.length !== c.len)
      throw new BlError('CORRUPT_OBJECT', `chunk ${c.id} of file ${id} is corrupted`, {hint: 'Run `bl fsck`.', data: {id, chunk: c.id}})
    whole?.update(data)
    if (i === n - 1 && (whole ? whole.digest().toString('hex') : hashHex(data)) !== id)
      throw new BlError('CORRUPT_OBJECT', `file ${id} does not match its id`, {hint: 'Run `bl fsck`.', data: {id}})
    yield data
  }
}

export function readFileBytes(store: ObjectStore, id: Oid): Buffer {
  return Buffer.concat([...readFileChunks(store, id)])
}
