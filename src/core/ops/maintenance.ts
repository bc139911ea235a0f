/**
 * bl fsck and bl gc. Reachability starts from every ref, every reflog entry and the index, as in
 * Git, so gc never drops something a user can still name.
 */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {hashHex, isOid} from '../hash.js'
import {decodeBlob} from '../objects/blob.js'
import {decodeCommit} from '../objects/commit.js'
import {decodeTreeNode, type DecodedNode} from '../objects/tree.js'
import type {Repo} from '../repo.js'
import {createHasher} from '../hash.js'
import {listRemotes} from '../remote/remotes.js'
import {checkNoLeases} from './lease.js'
import {operationObjects, readOperation, type OperationState} from './operation-state.js'
import {sweepStaleStages} from '../worktree/staged-files.js'
import {sweepKilledWriters} from '../worktree/temp-files.js'

export interface FsckProblem {
  kind: 'corrupt' | 'missing' | 'database' | 'dangling-ref'
  id?: string
  message: string
}

export interface FsckResult {
  objects: number
  chunks: number
  /** Chunks of reachable files that are not local but listed by a remote's index (lazy clone, evicted). */
  promised: number
  reachableCommits: number
  problems: FsckProblem[]
  ok: boolean
}

export interface Reach {
  commits: Set<Oid>
  trees: Set<Oid>
  blobs: Set<Oid>
  chunks: Set<string>
  missing: FsckProblem[]
}

function roots(repo: Repo): Oid[] {
  const ids = new Set<Oid>()
  for (const r of repo.store.listRefs('')) if (r.oid) ids.add(r.oid)
  for (const id of repo.store.reflogOids()) ids.add(id)
  return [...ids]
}

/**
 * Marks everything reachable from `from` (default: every ref and reflog entry, plus the index);
 * records what is missing or undecodable instead of throwing.
 */
export function reach(repo: Repo, from?: Oid[]): Reach {
  const st = repo.store
  const r: Reach = {commits: new Set(), trees: new Set(), blobs: new Set(), chunks: new Set(), missing: []}
  const load = (id: Oid, kind: 'commit' | 'tree' | 'blob'): Buffer | undefined => {
    const o = st.getObject(id)
    if (!o) {
      r.missing.push({kind: 'missing', id, message: `missing ${kind} ${id}`})
      return undefined
    }
    return o.data
  }
  const markBlob = (id: Oid): void => {
    if (r.blobs.has(id)) return
    r.blobs.add(id)
    const data = load(id, 'blob')
    if (!data) return
    try {
      for (const c of decodeBlob(data).chunks) r.chunks.add(c.id)
    } catch (err) {
      r.missing.push({kind: 'corrupt', id, message: `blob record ${id}: ${(err as Error).message}`})
    }
  }
  const markTree = (id: Oid): void => {
    if (r.trees.has(id)) return
    r.trees.add(id)
    const data = load(id, 'tree')
    if (!data) return
    let node: DecodedNode
    try {
      node = decodeTreeNode(data)
    } catch (err) {
      r.missing.push({kind: 'corrupt', id, message: `tree ${id}: ${(err as Error).message}`})
      return
    }
    if (node.level === 0) {
      for (const e of (node as {entries: Array<{kind: string; id: Oid}>}).entries) {
        if (e.kind === 'dir') markTree(e.id)
        else markBlob(e.id)
      }
    } else for (const c of (node as {children: Array<{id: Oid}>}).children) markTree(c.id)
  }
  const stack = from ? [...from] : roots(repo)
  if (!from) {
    // A stopped merge, cherry-pick, revert or rebase: what it started from, applies and left in conflict.
    let op: OperationState | undefined
    try {
      op = readOperation(repo)
    } catch (err) {
      r.missing.push({kind: 'corrupt', message: `the stopped operation's state: ${(err as Error).message}`})
    }
    if (op) {
      const needs = operationObjects(op)
      stack.push(...needs.commits)
      for (const t of needs.trees) markTree(t)
      for (const b of needs.blobs) markBlob(b)
    }
  }
  while (stack.length) {
    const id = stack.pop()!
    if (r.commits.has(id)) continue
    r.commits.add(id)
    const data = load(id, 'commit')
    if (!data) continue
    try {
      const c = decodeCommit(data)
      markTree(c.tree)
      stack.push(...c.parents)
    } catch (err) {
      r.missing.push({kind: 'corrupt', id, message: `commit ${id}: ${(err as Error).message}`})
    }
  }
  if (!from) for (const e of repo.store.readIndex()) markBlob(e.id)
  return r
}

export function fsck(repo: Repo, opts: {onProgress?(done: number): void} = {}): FsckResult {
  const st = repo.store
  const problems: FsckProblem[] = []
  for (const msg of st.integrityCheck()) problems.push({kind: 'database', message: `SQLite integrity: ${msg}`})
  // Every chunk's bytes match its id.
  const chunkData = new Map<string, number>()
  let chunks = 0
  for (const c of st.iterateChunks()) {
    chunks++
    if (hashHex(c.data) !== c.id) problems.push({kind: 'corrupt', id: c.id, message: `chunk ${c.id} does not match its content`})
    chunkData.set(c.id, c.data.length)
    opts.onProgress?.(chunks)
  }
  // Every object decodes and matches its id (blob records: the file re-assembled from its chunks).
  let objects = 0
  // One hasher for every file (reset each time): a native one per file piles up memory V8 doesn't see.
  const h = createHasher()
  for (const o of st.iterateObjects()) {
    objects++
    try {
      if (o.kind === 'commit') {
        decodeCommit(o.data)
        if (hashHex(o.data) !== o.id) throw new Error('does not match its id')
      } else if (o.kind === 'tree') {
        decodeTreeNode(o.data)
        if (hashHex(o.data) !== o.id) throw new Error('does not match its id')
      } else if (o.kind === 'blob') {
        const rec = decodeBlob(o.data)
        if (rec.chunks.every((c) => chunkData.get(c.id) === c.len)) {
          h.reset()
          for (const c of rec.chunks) h.update(st.getChunk(c.id as Oid)!)
          if (h.digest().toString('hex') !== o.id) throw new Error('chunks do not re-assemble to the file id')
        }
      } else throw new Error('unknown object kind')
    } catch (err) {
      problems.push({kind: 'corrupt', id: o.id, message: `${o.kind ?? 'object'} ${o.id}: ${(err as Error).message}`})
    }
  }
  const r = reach(repo)
  // A damaged object is reported once (the scan above found it already), and a missing one names
  // the refs that point at it, which are what `bl` reads first.
  const reported = new Set(problems.flatMap((p) => (p.id ? [p.id] : [])))
  const refsAt = new Map<string, string[]>()
  for (const ref of st.listRefs('')) if (ref.oid) refsAt.set(ref.oid, [...(refsAt.get(ref.oid) ?? []), ref.name])
  for (const m of r.missing) {
    if (m.id && reported.has(m.id)) continue
    const refs = m.id ? refsAt.get(m.id) : undefined
    problems.push(refs ? {...m, message: `${m.message}, which ${refs.join(', ')} point${refs.length === 1 ? 's' : ''} at`} : m)
  }
  // Content kept on a remote (lazy clone, gc --evict) is promised, not missing: the remote's index lists it.
  const remotes = listRemotes(repo).map((x) => x.name)
  let promised = 0
  for (const c of r.chunks) {
    if (chunkData.has(c)) continue
    if (remotes.length && st.remotesWithChunk(remotes, c as Oid).length) promised++
    else problems.push({kind: 'missing', id: c, message: `missing chunk ${c}`})
  }
  for (const ref of st.listRefs('')) if (ref.oid && !isOid(ref.oid)) problems.push({kind: 'dangling-ref', message: `ref ${ref.name} holds an invalid id`})
  return {objects, chunks, promised, reachableCommits: r.commits.size, problems, ok: problems.length === 0}
}

export interface GcResult {
  objectsRemoved: number
  chunksRemoved: number
  bytesFreed: number
  sizeBefore: number
  sizeAfter: number
}

export function gc(repo: Repo, opts: {dryRun?: boolean} = {}): GcResult {
  const st = repo.store
  const sizeBefore = st.stats().fileBytes
  const res = st.transaction(
    () => {
      checkNoLeases(repo, 'gc')
      const r = reach(repo)
      if (r.missing.length) {
        // Never collect on a damaged graph: what looks unreachable may be reachable through the damage.
        throw new BlError('MISSING_OBJECT', `gc refused: ${r.missing[0]!.message}`, {hint: 'Run `bl fsck` and repair the repository first.'})
      }
      const live = new Set<string>([...r.commits, ...r.trees, ...r.blobs])
      const dead = st.objectIds().filter((id) => !live.has(id))
      if (opts.dryRun) return {objectsRemoved: dead.length, chunksRemoved: 0, bytesFreed: 0, sizeBefore, sizeAfter: sizeBefore}
      const objectsRemoved = st.deleteObjects(dead)
      const dropped = st.dropChunksExcept(r.chunks)
      return {objectsRemoved, chunksRemoved: dropped.chunks, bytesFreed: dropped.bytes, sizeBefore, sizeAfter: 0}
    },
    {durable: true},
  )
  if (opts.dryRun) return res
  st.compact()
  // What a killed clone staged is garbage too.
  sweepStaleStages(repo.blDir)
  sweepKilledWriters(repo.blDir)
  return {...res, sizeAfter: st.stats().fileBytes}
}
