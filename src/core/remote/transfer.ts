/**
 * Moving objects between the local store and a remote. Push negotiates through the remote's
 * cached pack indexes: only objects the remote lacks travel, walking from the new commits and
 * stopping at anything the remote has (a one-row edit of a 512 MiB CSV sends about one chunk plus
 * a few trees). Fetch walks the other way, taking metadata packs whole and chunks with coalesced
 * ranged GETs; every object is verified against its id before it is stored.
 */
import {BlError} from '../errors.js'
import {EMPTY_OID, type Oid} from '../hash.js'
import {decodeBlob} from '../objects/blob.js'
import {decodeCommit} from '../objects/commit.js'
import {readTreeEntries} from '../objects/tree.js'
import {loadBlob, loadCommit, loadRaw, loadTree} from '../odb.js'
import type {SqliteObjectStore} from '../store/sqlite-object-store.js'
import {encodeIdx, entryBytes, PackWriter, type IdxEntry, type PackKind} from './pack.js'
import type {Transport} from './transport.js'
import {runPool} from '../pool.js'
import {BlobCheck} from './blob-check.js'
import type {ContentSink} from '../content-sink.js'

/** Packs are cut at about this size (bounded memory: one being built, two uploading). */
export const PACK_TARGET = 8 * 1024 * 1024
const UPLOADS_IN_FLIGHT = 2

export interface TransferProgress {
  onObjects?(done: number, total: number): void
  onBytes?(n: number): void
}

export interface PushPlan {
  meta: Array<{kind: Exclude<PackKind, 'chunk'>; id: Oid}>
  chunks: Oid[]
  /** The bytes of `chunks` (from the blob records; planPush fills it). */
  chunkBytes?: number
}

/** Objects reachable from `tips` that the remote (per its cached indexes) does not have. */
export function planPush(store: SqliteObjectStore, remote: string, tips: Oid[]): PushPlan {
  // The remote cache's tables are made on first use, a write, which cannot happen inside the
  // snapshot: a dry run to a new remote plans before anything was ever fetched or pushed.
  store.remotePacks(remote)
  // One read transaction for the whole walk: 100,000 objects are 100,000+ lookups (store.snapshot).
  return store.snapshot(() => planPushIn(store, remote, tips))
}

function planPushIn(store: SqliteObjectStore, remote: string, tips: Oid[]): PushPlan {
  const has = (id: Oid): boolean => store.hasRemoteObject(remote, id, false)
  const hasChunk = (id: Oid): boolean => store.hasRemoteObject(remote, id, true)
  const plan: PushPlan = {meta: [], chunks: [], chunkBytes: 0}
  const seen = new Set<Oid>()
  const seenChunks = new Set<Oid>()
  const blob = (id: Oid): void => {
    if (seen.has(id) || has(id)) return
    seen.add(id)
    if (id === EMPTY_OID && !store.hasObject(id)) return
    plan.meta.push({kind: 'blob', id})
    for (const c of loadBlob(store, id).chunks) {
      const cid = c.id as Oid
      if (seenChunks.has(cid) || hasChunk(cid)) continue
      seenChunks.add(cid)
      plan.chunks.push(cid)
      plan.chunkBytes! += c.len
    }
  }
  const tree = (id: Oid): void => {
    if (seen.has(id) || has(id)) return
    seen.add(id)
    plan.meta.push({kind: 'tree', id})
    for (const e of loadTree(store, id)) {
      if (e.kind === 'dir') tree(e.id)
      else blob(e.id)
    }
  }
  const stack = tips.filter((t) => !has(t))
  while (stack.length) {
    const c = stack.pop()!
    if (seen.has(c)) continue
    seen.add(c)
    const commit = loadCommit(store, c)
    plan.meta.push({kind: 'commit', id: c})
    tree(commit.tree)
    for (const p of commit.parents) if (!seen.has(p) && !has(p)) stack.push(p)
  }
  return plan
}

/** Raw bytes of every node of a (possibly paged) tree, root last. */
function treeNodes(store: SqliteObjectStore, id: Oid): Array<{id: Oid; bytes: Buffer}> {
  const out: Array<{id: Oid; bytes: Buffer}> = []
  readTreeEntries(id, (nid) => {
    const bytes = loadRaw(store, nid as Oid, 'tree')
    out.push({id: nid as Oid, bytes})
    return bytes
  })
  return out
}

/**
 * What uploadPlan would send (`push --dry-run`): the same object count; the bytes before
 * compression (an upper bound of the packs' size), and the packs those bytes fill at PACK_TARGET
 * (data and metadata never share one).
 */
export function estimateUpload(store: SqliteObjectStore, plan: PushPlan): {packs: number; bytes: number; objects: number} {
  let metaBytes = 0
  store.snapshot(() => {
    for (const m of plan.meta) {
      if (m.kind === 'tree') for (const n of treeNodes(store, m.id)) metaBytes += n.bytes.length
      else metaBytes += store.getObject(m.id)?.data.length ?? 0
    }
  })
  const chunkBytes = plan.chunkBytes ?? 0
  const packsOf = (bytes: number, count: number): number => (count ? Math.max(1, Math.ceil(bytes / PACK_TARGET)) : 0)
  return {packs: packsOf(chunkBytes, plan.chunks.length) + packsOf(metaBytes, plan.meta.length), bytes: chunkBytes + metaBytes, objects: plan.chunks.length + plan.meta.length}
}

/**
 * Uploads the plan as packs, each pack before its index, and records each published pack in the
 * local cache, so an interrupted push resumes where it stopped. The order keeps every published
 * object's dependencies published before it (a later push trusts what the indexes say the remote
 * has): all chunk packs first (two in flight), then — once they are all done — metadata packs one
 * at a time, bottom-up: blob records, trees children first, commits parents first.
 */
export async function uploadPlan(store: SqliteObjectStore, remote: string, t: Transport, plan: PushPlan, progress: TransferProgress = {}): Promise<{packs: number; bytes: number; objects: number}> {
  let packs = 0
  let bytes = 0
  let objects = 0
  const total = plan.meta.length + plan.chunks.length
  const inflight = new Set<Promise<void>>()
  // Pack buffers are reused: one per upload in flight and one being filled (a pack outgrows its
  // target by one object).
  const spare: Buffer[] = []
  const writer = (): PackWriter => new PackWriter(spare.pop() ?? Buffer.allocUnsafe(PACK_TARGET + 2 * 1024 * 1024))
  const publish = async (w: PackWriter): Promise<void> => {
    const {bytes: body, index} = w.finish()
    await t.put(`packs/${index.pack}.pack`, body)
    await t.put(`packs/${index.pack}.idx`, encodeIdx(index))
    store.transaction(() => store.addRemotePack(remote, index))
    packs++
    bytes += body.length
    progress.onBytes?.(body.length)
    // Only after success: a failed upload's parts may still be on their way out of this buffer.
    spare.push(w.buffer)
  }
  let parallel = true
  const ship = async (w: PackWriter): Promise<void> => {
    if (w.count === 0) return
    if (!parallel) return publish(w)
    while (inflight.size >= UPLOADS_IN_FLIGHT) await Promise.race(inflight)
    const p = publish(w).finally(() => inflight.delete(p))
    // Observed here so an early failure elsewhere never leaves it an unhandled rejection.
    p.catch(() => undefined)
    inflight.add(p)
  }
  let w = writer()
  /** One object counted; the pack is shipped once it reaches its size. */
  const counted = async (): Promise<void> => {
    objects++
    progress.onObjects?.(objects, total)
    if (w.bytes < PACK_TARGET) return
    await ship(w)
    w = writer()
  }
  // The reads between uploads share read transactions (a push of 50,000 files reads ~100,000 objects).
  const reads = store.readSession()
  try {
    for (const id of plan.chunks) {
      reads.keep()
      const data = store.getChunk(id)
      if (!data) throw new BlError('MISSING_OBJECT', `chunk ${id} is missing from the local store`, {hint: 'Run `bl fsck`; the repository is incomplete.', data: {id}})
      w.add('chunk', id, data)
      await counted()
    }
    // Data and metadata never share a pack: a fetch of history then reads small packs whole.
    await ship(w)
    await Promise.all(inflight)
    parallel = false
    w = writer()
    const order = {blob: 0, tree: 1, commit: 2}
    // planPush lists trees parents first and commits children first: reversed, dependencies lead.
    const meta = [...plan.meta].reverse().sort((a, b) => order[a.kind] - order[b.kind])
    const sentTreeNodes = new Set<Oid>()
    for (const m of meta) {
      reads.keep()
      if (m.kind === 'tree') {
        for (const n of treeNodes(store, m.id).reverse()) {
          if (sentTreeNodes.has(n.id) || store.hasRemoteObject(remote, n.id, false)) continue
          sentTreeNodes.add(n.id)
          w.add('tree', n.id, n.bytes, false)
        }
      } else w.add(m.kind, m.id, loadRaw(store, m.id, m.kind), m.kind === 'blob')
      await counted()
    }
    await ship(w)
  } finally {
    reads.end()
    await Promise.allSettled(inflight)
  }
  return {packs, bytes, objects}
}

/** Where an object sits on the remote, from a pack index. */
export interface RemoteEntry {
  pack: string
  kind: string
  flags: number
  offset: number
  storedLen: number
  rawLen: number
}

interface FetchState {
  /** Metadata objects received, verified, not stored yet: id -> kind and bytes. */
  pending: Map<Oid, {kind: 'blob' | 'tree' | 'commit'; bytes: Buffer}>
  /** Whole metadata packs downloaded in this fetch. */
  packs: Map<string, Buffer>
  chunks: Set<Oid>
  bytes: number
}

/**
 * Fetches everything reachable from `tips` that the local store lacks. With `blobs: false` (a
 * lazy clone) file contents stay on the remote. Returns the number of objects and bytes received.
 */
export async function fetchClosure(
  store: SqliteObjectStore,
  remote: string,
  t: Transport,
  tips: Oid[],
  opts: {blobs: boolean; concurrency?: number; progress?: TransferProgress; fresh?: Map<string, RemoteEntry>; stage?: StageRequest},
): Promise<{objects: number; bytes: number}> {
  const st: FetchState = {pending: new Map(), packs: new Map(), chunks: new Set(), bytes: 0}
  // A store without objects (a clone) has none of them: skip 100,000 lookups on a big tree.
  const empty = !store.hasAnyObject()
  const has = (id: Oid): boolean => !empty && store.hasObject(id)
  const local = (id: Oid): boolean => st.pending.has(id) || has(id)
  // Index entries just read from the remote are looked up in memory, the rest in the local cache.
  const remoteEntry = (id: Oid): RemoteEntry | undefined => opts.fresh?.get(id) ?? store.remoteObject(remote, id, false)

  // A clone needs every metadata pack it was just told about: fetch them in parallel up front
  // instead of one by one as the walk reaches them (each is a round trip to the store).
  if (empty && opts.fresh) {
    const sizes = new Map<string, number>()
    for (const e of opts.fresh.values()) sizes.set(e.pack, Math.max(sizes.get(e.pack) ?? 0, e.offset + e.storedLen))
    const total = [...sizes.values()].reduce((a, b) => a + b, 0)
    if (total <= PREFETCH_MAX) {
      await runPool([...sizes.keys()], opts.concurrency ?? 8, async (pack) => {
        const o = await t.get(`packs/${pack}.pack`)
        if (!o) return // reported by the walk if an object in it is needed
        st.bytes += o.body.length
        opts.progress?.onBytes?.(o.body.length)
        st.packs.set(pack, o.body)
      })
    }
  }

  const meta = async (id: Oid, kind: 'blob' | 'tree' | 'commit'): Promise<Buffer> => {
    const p = st.pending.get(id)
    if (p) return p.bytes
    if (has(id)) return loadRaw(store, id, kind)
    const e = remoteEntry(id)
    if (!e) throw new BlError('CORRUPT_REMOTE', `the remote has no ${kind} ${id} (a ref points at an incomplete history)`, {hint: 'Packs were deleted on the remote. From a clone that has the data, `bl fsck --remote --repair` uploads it again (`bl fsck --remote` only lists the damage).', data: {id}})
    let pack = st.packs.get(e.pack)
    if (!pack) {
      const o = await t.get(`packs/${e.pack}.pack`)
      if (!o) throw new BlError('CORRUPT_REMOTE', `pack ${e.pack} listed by its index is missing on the remote`, {hint: 'Run `bl fetch` again; if it persists the remote was damaged.', data: {pack: e.pack}})
      pack = o.body
      st.bytes += pack.length
      opts.progress?.onBytes?.(pack.length)
      st.packs.set(e.pack, pack)
    }
    // The kind asked for, not the one the index claims: a forged "blob" label must not skip the hash check.
    if (e.kind !== kind) throw new BlError('CORRUPT_REMOTE', `the remote's index lists ${id} as a ${e.kind}, expected a ${kind}`, {hint: 'The remote was damaged or tampered with; nothing was stored.', data: {id}})
    const entry: IdxEntry = {id, kind, flags: e.flags, offset: e.offset, storedLen: e.storedLen, rawLen: e.rawLen}
    const raw = entryBytes(entry, pack.subarray(e.offset, e.offset + e.storedLen))
    st.pending.set(id, {kind, bytes: raw})
    return raw
  }

  const walkTree = async (id: Oid): Promise<void> => {
    reads.keep()
    if (local(id)) return
    const loadNode = async (nid: Oid): Promise<Buffer> => meta(nid, 'tree')
    // Paged trees: fetch every node first, then read the entries synchronously.
    const nodes = new Map<string, Buffer>()
    const pending = [id]
    while (pending.length) {
      const nid = pending.pop()!
      const bytes = await loadNode(nid)
      nodes.set(nid, bytes)
      try {
        readTreeEntries(id, (x) => {
          const b = nodes.get(x)
          if (!b) {
            pending.push(x as Oid)
            throw new NeedNode()
          }
          return b
        })
      } catch (err) {
        if (!(err instanceof NeedNode)) throw err
      }
    }
    for (const e of readTreeEntries(id, (x) => nodes.get(x)!)) {
      if (e.kind === 'dir') await walkTree(e.id)
      else await walkBlob(e.id)
    }
  }

  const walkBlob = async (id: Oid): Promise<void> => {
    reads.keep()
    if (local(id)) return
    if (id === EMPTY_OID && !remoteEntry(id)) return
    const rec = decodeBlob(await meta(id, 'blob'))
    if (!opts.blobs) return
    for (const c of rec.chunks) if (!store.hasChunk(c.id as Oid)) st.chunks.add(c.id as Oid)
  }

  // The walk's lookups share read transactions (store.readSession), renewed across its awaits.
  const reads = store.readSession()
  try {
    const stack = tips.filter((c) => !local(c))
    const seen = new Set<Oid>()
    while (stack.length) {
      const c = stack.pop()!
      if (seen.has(c) || local(c)) continue
      seen.add(c)
      const commit = decodeCommit(await meta(c, 'commit'))
      await walkTree(commit.tree)
      for (const p of commit.parents) if (!local(p)) stack.push(p)
    }
  } finally {
    reads.end()
  }

  // Records are checked against their content as it arrives; those whose chunks stay remote (a
  // lazy clone) are checked when their content is read (readFileChunks).
  const sink = opts.blobs && opts.stage ? {to: opts.stage.sink, ids: treeFiles(store, st, opts.stage.commit)} : undefined
  const check = opts.blobs ? new BlobCheck(store, st.chunks, sink) : undefined
  if (check) for (const [id, o] of st.pending) if (o.kind === 'blob') check.add(id, decodeBlob(o.bytes))
  try {
    st.bytes += await fetchChunks(store, remote, t, [...st.chunks], opts.concurrency ?? 8, opts.progress, check)
    check?.finish()
  } finally {
    check?.dispose()
  }
  store.transaction(() => {
    // Parents before children is not needed inside one transaction; everything lands at once, in
    // id order (sorted B-tree inserts are much cheaper than random ones on a big history).
    for (const id of [...st.pending.keys()].sort()) {
      const o = st.pending.get(id)!
      store.putObject(id, o.kind, o.bytes)
    }
  })
  return {objects: st.pending.size + st.chunks.size, bytes: st.bytes}
}

class NeedNode extends Error {}

/** Files whose bytes a fetch hands to `sink` as they arrive: those of `commit`'s tree (the checkout to come). */
export interface StageRequest {
  sink: ContentSink
  commit: Oid
}

/** Ids of the regular files in `commit`'s tree, read from what the fetch received or the store. */
function treeFiles(store: SqliteObjectStore, st: FetchState, commit: Oid): Set<Oid> {
  const out = new Set<Oid>()
  const bytes = (id: Oid, kind: 'tree' | 'commit'): Uint8Array => st.pending.get(id)?.bytes ?? loadRaw(store, id, kind)
  const walk = (id: Oid): void => {
    for (const e of readTreeEntries(id, (n) => bytes(n as Oid, 'tree'))) {
      if (e.kind === 'dir') walk(e.id)
      else if (e.kind === 'file') out.add(e.id)
    }
  }
  walk(decodeCommit(bytes(commit, 'commit')).tree)
  return out
}

/** Metadata packs of a clone are prefetched in parallel when they total at most this much. */
const PREFETCH_MAX = 256 * 1024 * 1024

/**
 * Coalesced ranged GETs stop at this size: 8 in flight stay within ~64 MiB. 8 MiB (a whole pack,
 * about) rather than 4 halves the requests: a D1 clone used ~0.35 s less CPU of ~4.3 s (each
 * request costs the SDK's middleware, signing and a round trip), at the same peak RSS.
 */
const RANGE_MAX = 8 * 1024 * 1024

/**
 * Fetches chunks into the store: grouped by pack, adjacent ones read with one ranged GET (up to
 * RANGE_MAX), in parallel; each verified against its id (entryBytes) before it is stored. Returns
 * the bytes downloaded. Also how evicted or never-fetched content comes back (ops/content.ts).
 */
export async function fetchChunks(store: SqliteObjectStore, remote: string, t: Transport, ids: Oid[], concurrency: number, progress?: TransferProgress, check?: BlobCheck): Promise<number> {
  if (ids.length === 0) return 0
  const byPack = new Map<string, Array<IdxEntry>>()
  for (const id of ids) {
    const e = store.remoteObject(remote, id, true)
    if (!e) throw new BlError('CORRUPT_REMOTE', `the remote has no chunk ${id}`, {hint: 'Packs were deleted on the remote. From a clone that has the data, `bl fsck --remote --repair` uploads it again (`bl fsck --remote` only lists the damage).', data: {id}})
    const list = byPack.get(e.pack) ?? byPack.set(e.pack, []).get(e.pack)!
    list.push({id, kind: 'chunk', flags: e.flags, offset: e.offset, storedLen: e.storedLen, rawLen: e.rawLen})
  }
  const ranges: Array<{pack: string; start: number; end: number; entries: IdxEntry[]}> = []
  for (const [pack, list] of byPack) {
    list.sort((a, b) => a.offset - b.offset)
    let cur: (typeof ranges)[number] | undefined
    for (const e of list) {
      const end = e.offset + e.storedLen
      if (cur && e.offset - cur.end <= 256 * 1024 && end - cur.start <= RANGE_MAX) {
        cur.end = Math.max(cur.end, end)
        cur.entries.push(e)
      } else {
        cur = {pack, start: e.offset, end, entries: [e]}
        ranges.push(cur)
      }
    }
  }
  let written = 0
  let bytes = 0
  // Range buffers are reused: one per request in flight (fresh memory costs ~1 s per GiB in page
  // faults). Each is free again once its chunks are stored, which happens before the next await.
  const spare: Buffer[] = []
  // What arrived is committed at least every second, also while a request hangs: a fetch or clone
  // killed then (Ctrl-C, SIGKILL, a lost network) keeps it, and running it again resumes there.
  const flush = setInterval(() => store.endBulk(), 1000)
  try {
    await runPool(ranges, concurrency, async (r) => {
      const size = r.end - r.start
      const into = size <= RANGE_MAX ? (spare.pop() ?? Buffer.allocUnsafe(RANGE_MAX)) : undefined
      try {
        const buf = await t.getRange(`packs/${r.pack}.pack`, r.start, r.end, into)
        bytes += buf.length
        progress?.onBytes?.(buf.length)
        const chunks = r.entries.map((e) => ({id: e.id, data: entryBytes(e, buf.subarray(e.offset - r.start, e.offset - r.start + e.storedLen))}))
        const stored = chunks.reduce((s, c) => s + c.data.length, 0)
        store.bulkWrite(stored, () => store.putChunks(chunks))
        if (check) for (const c of chunks) check.stored(c.id, c.data)
        written += chunks.length
        progress?.onObjects?.(written, ids.length)
      } finally {
        if (into) spare.push(into)
      }
    })
  } finally {
    clearInterval(flush)
    store.endBulk()
  }
  return bytes
}

