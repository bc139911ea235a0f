/**
 * bl gc --evict: a thin local store. Chunks a remote holds (per its freshly synced index) and
 * its refs reach (so `gc --remote` keeps them) are dropped locally, least recently used files
 * first, until the store's content fits --max-size (or all of them without it). Commits, trees
 * and file records always stay, so history, status, diff and log work offline; evicted content
 * comes back through ensureContent when a command needs it.
 * This is what keeps a dataset from costing twice its size on disk (work tree + store).
 */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {decodeBlob} from '../objects/blob.js'
import {readBlRepo} from '../remote/remote-repo.js'
import {listRemotes, openTransport, readRemote} from '../remote/remotes.js'
import type {Repo} from '../repo.js'
import {markPromisor} from './content.js'
import {bindRemoteId} from './sync.js'
import {checkNoLeases} from './lease.js'
import {liveSet} from './remote-maintenance.js'

export interface EvictOptions {
  /** Keep at most this many bytes of content locally (default: keep none that a remote has). */
  maxSize?: number
  /** Only count content on this remote as safe (default: every configured remote). */
  remote?: string
  dryRun?: boolean
}

export interface EvictResult {
  remotes: string[]
  evictedChunks: number
  evictedBytes: number
  /** Content bytes left in the local store. */
  contentBytes: number
  /** Of those, bytes no remote has (never evicted: push them to make room). */
  unpushedBytes: number
  sizeBefore: number
  sizeAfter: number
}

export async function evict(repo: Repo, opts: EvictOptions = {}): Promise<EvictResult> {
  const remotes = opts.remote ? [readRemote(repo, opts.remote).name] : listRemotes(repo).map((r) => r.name)
  if (remotes.length === 0)
    throw new BlError('REMOTE_NOT_FOUND', 'no remote holds this repository\'s content, so nothing can be evicted safely', {hint: 'Add a remote and push first: `bl remote add origin <url>` and `bl push`.'})
  // Only what the remote lists right now, reachable from its refs right now, counts as safe (a
  // wiped or re-created remote is noticed).
  const liveChunks = new Map<string, Set<string>>()
  for (const name of remotes) {
    const t = await openTransport(readRemote(repo, name), repo.ctx.cwd)
    try {
      // A remote nobody pushed to yet holds nothing: it simply counts for no chunk.
      const info = await readBlRepo(t)
      if (!info) {
        repo.store.transaction(() => repo.store.forgetRemote(name))
        continue
      }
      bindRemoteId(repo, name, info.id)
      // Live, not merely present: a pack no remote ref reaches any more (a deleted branch, a
      // force-push, a push that lost its race) is what `gc --remote` deletes.
      const live = await liveSet(repo, name, t, readRemote(repo, name).concurrency ?? 8, {content: 'promise'})
      liveChunks.set(name, live.chunks)
    } finally {
      t.close()
    }
  }
  const st = repo.store
  const sizeBefore = st.stats().fileBytes
  const chunks = st.chunkList()
  // A chunk's last use is the latest use of any file it belongs to; never-used ones go first, oldest stored first.
  const use = st.contentUse()
  const lastUse = new Map<string, number>()
  for (const o of st.iterateObjects()) {
    if (o.kind !== 'blob') continue
    const t = use.get(o.id) ?? 0
    for (const c of decodeBlob(o.data).chunks) if ((lastUse.get(c.id) ?? -1) < t) lastUse.set(c.id, t)
  }
  let contentBytes = 0
  let unpushedBytes = 0
  // Each candidate with the first remote that holds it (marked a promisor if the chunk goes).
  const candidates: Array<(typeof chunks)[number] & {holder: string}> = []
  for (const c of chunks) {
    contentBytes += c.length
    const holder = st.remotesWithChunk(remotes, c.id).find((r) => liveChunks.get(r)?.has(c.id))
    if (holder) candidates.push({...c, holder})
    else unpushedBytes += c.length
  }
  candidates.sort((a, b) => (lastUse.get(a.id) ?? 0) - (lastUse.get(b.id) ?? 0) || a.segment - b.segment)
  const drop = new Set<Oid>()
  const holders = new Set<string>()
  let evictedBytes = 0
  for (const c of candidates) {
    if (opts.maxSize !== undefined && contentBytes - evictedBytes <= opts.maxSize) break
    drop.add(c.id)
    evictedBytes += c.length
    holders.add(c.holder)
  }
  const result: EvictResult = {remotes, evictedChunks: drop.size, evictedBytes, contentBytes: contentBytes - evictedBytes, unpushedBytes, sizeBefore, sizeAfter: sizeBefore}
  if (opts.dryRun || drop.size === 0) return result
  st.transaction(() => {
    checkNoLeases(repo, 'gc --evict')
    st.dropChunks(drop)
    // From now on these remotes are where this repository's content lives.
    for (const name of holders) markPromisor(repo, name)
  }, {durable: true})
  st.compact()
  return {...result, sizeAfter: st.stats().fileBytes}
}

/** Parses sizes like `500M`, `20GiB`, `1.5G`, `1024` (bytes); K/M/G/T are powers of 1024. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text)
  if (!m) throw new BlError('INVALID_ARGUMENT', `invalid size '${text}'`, {hint: 'Use a number of bytes with an optional unit, e.g. 500M or 20G.'})
  const unit = {'': 0, k: 1, m: 2, g: 3, t: 4}[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't']
  return Math.floor(Number(m[1]) * 1024 ** unit)
}
