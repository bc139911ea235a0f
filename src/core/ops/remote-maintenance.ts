/**
 * `bl gc --remote` and `bl fsck --remote`: garbage collection and verification of a remote with no
 * server. Liveness is computed from the remote's refs (history is fetched first, contents never);
 * a pack is collected only when none of its objects is live AND it is older than the grace period,
 * because a push in flight elsewhere uploads its packs before it moves its ref: for that whole time
 * they are unreferenced but young. A push also re-lists the packs right before its refs move and
 * re-sends whatever a collection took (sync.ts), so an old dead pack it counted on is replaced.
 */
import crypto from 'node:crypto'
import {BlError} from '../errors.js'
import {EMPTY_OID, hashHex, type Oid} from '../hash.js'
import {decodeBlob} from '../objects/blob.js'
import {decodeIdx, entryBytes, type PackIndex} from '../remote/pack.js'
import {listRemoteRefs, requireBlRepo, syncRemoteIndex} from '../remote/remote-repo.js'
import {fetchClosure, uploadPlan, type PushPlan, type TransferProgress} from '../remote/transfer.js'
import type {Transport} from '../remote/transport.js'
import type {Repo} from '../repo.js'
import {ensureChunks, isThin, markPromisor} from './content.js'
import {reach, type Reach} from './maintenance.js'
import {bindRemoteId, defaultRemote, withRemote} from './sync.js'

export const DEFAULT_GRACE_MS = 24 * 3600 * 1000

/** Parses `0`, `90s`, `15m`, `24h`, `7d` into milliseconds. */
export function parseDuration(text: string, what = '--grace'): number {
  const m = /^(\d+)(s|m|h|d)?$/u.exec(text.trim())
  if (!m) throw new BlError('INVALID_ARGUMENT', `${what} "${text}" is not a duration`, {hint: 'Use a number with s, m, h or d, e.g. 24h or 7d (0 only when nobody else pushes).'})
  return Number(m[1]) * {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd']
}

/** The grace period in force: the option, else `gc.remoteGrace`, else 24 hours. */
export function remoteGrace(repo: Repo, option?: string): number {
  const raw = option ?? repo.config('gc.remoteGrace')
  return raw === undefined ? DEFAULT_GRACE_MS : parseDuration(raw, option === undefined ? 'gc.remoteGrace' : '--grace')
}

interface PackFiles {
  pack?: {size: number; modified: number}
  idx?: {size: number; modified: number}
}

async function packFiles(t: Transport): Promise<Map<string, PackFiles>> {
  const out = new Map<string, PackFiles>()
  for (const o of await t.listWithInfo('packs/')) {
    const m = /^packs\/([0-9a-f]{64})\.(pack|idx)$/u.exec(o.key)
    if (!m) continue
    const f = out.get(m[1]!) ?? {}
    f[m[2] as 'pack' | 'idx'] = {size: o.size, modified: o.modified}
    out.set(m[1]!, f)
  }
  return out
}

/**
 * Brings the history of every remote ref into the local store (verified) and returns the live set:
 * what `gc --remote` keeps (gc --evict counts only that as safe on the remote).
 */
export async function liveSet(repo: Repo, remote: string, t: Transport, concurrency: number, opts: {content: 'fetch' | 'promise'}): Promise<{tips: Oid[]; objects: Set<string>; chunks: Set<string>; missing: string[]; reach: Reach}> {
  const refs = await listRemoteRefs(t)
  const {fresh} = await syncRemoteIndex(repo.store, remote, t)
  const tips = [...new Set(refs.map((r) => r.commit))]
  const full = !isThin(repo)
  const got = await fetchClosure(repo.store, remote, t, tips, {blobs: false, concurrency, fresh})
  const r = reach(repo, tips)
  if (full && got.objects > 0) await keepComplete(repo, remote, r.chunks, opts.content)
  return {tips, objects: new Set<string>([...r.commits, ...r.trees, ...r.blobs]), chunks: r.chunks, missing: r.missing.map((p) => p.message), reach: r}
}

/**
 * A full repository (no promisor remote) has every file's content, and its fetches rely on that:
 * they stop at commits already here. History the walk above brought without its content would
 * stay without it (a later pull failed with MISSING_OBJECT). So the remote is marked a promisor
 * at once (checkouts then fetch what they write), and with `fetch` the content is downloaded, as
 * the next `bl fetch` would have done, which makes the repository full again.
 */
async function keepComplete(repo: Repo, remote: string, chunks: Set<string>, content: 'fetch' | 'promise'): Promise<void> {
  const lacking = [...chunks].filter((c) => !repo.store.hasChunk(c as Oid)) as Oid[]
  if (lacking.length === 0) return
  repo.store.transaction(() => markPromisor(repo, remote), {durable: true})
  if (content === 'promise') return
  try {
    const got = await ensureChunks(repo, lacking, {allowMissing: true})
    if (got.missing?.length) return
  } catch (err) {
    // A damaged or unreachable remote: the check reports it; the content stays promised.
    if (err instanceof BlError) return
    throw err
  }
  repo.store.transaction(() => repo.store.unsetConfig(`remote.${remote}.promisor`), {durable: true})
}

export interface RemoteGcResult {
  remote: string
  graceSeconds: number
  dryRun: boolean
  packs: number
  live: number
  /** Dead packs collected (or, with --dry-run, that would be). */
  deleted: Array<{pack: string; bytes: number; ageSeconds: number}>
  /** Dead packs younger than the grace period: kept (a push in flight may be about to reference them). */
  young: Array<{pack: string; bytes: number; ageSeconds: number}>
  bytesFreed: number
}

export async function gcRemote(repo: Repo, opts: {remote?: string; graceMs: number; dryRun?: boolean}): Promise<RemoteGcResult> {
  const name = defaultRemote(repo, opts.remote)
  repo.holdLease('gc --remote')
  return withRemote(repo, name, async (r, t) => {
    bindRemoteId(repo, name, (await requireBlRepo(t)).id)
    const live = await liveSet(repo, name, t, r.concurrency ?? 8, {content: 'fetch'})
    // Never collect on a damaged graph: what looks dead may be reachable through the damage.
    if (live.missing.length) throw new BlError('CORRUPT_REMOTE', `gc --remote refused: ${live.missing[0]}`, {hint: 'Run `bl fsck --remote` and repair the remote first.'})
    const livePacks = new Set<string>()
    for (const o of repo.store.iterateRemoteObjects(name)) if (o.chunk ? live.chunks.has(o.id) : live.objects.has(o.id)) livePacks.add(o.pack)
    const files = await packFiles(t)
    const now = repo.now().getTime()
    const res: RemoteGcResult = {remote: name, graceSeconds: Math.round(opts.graceMs / 1000), dryRun: opts.dryRun ?? false, packs: files.size, live: 0, deleted: [], young: [], bytesFreed: 0}
    for (const [pack, f] of files) {
      if (livePacks.has(pack) && f.idx) {
        res.live++
        continue
      }
      const bytes = (f.pack?.size ?? 0) + (f.idx?.size ?? 0)
      // The newer of the two files: an index written late still belongs to a young push.
      const age = now - Math.max(f.pack?.modified ?? 0, f.idx?.modified ?? 0)
      const entry = {pack, bytes, ageSeconds: Math.max(0, Math.round(age / 1000))}
      if (age < opts.graceMs) {
        res.young.push(entry)
        continue
      }
      res.deleted.push(entry)
      res.bytesFreed += bytes
      // The index first: from then on no reader sees the pack, so its deletion can't break a fetch.
      if (!opts.dryRun) {
        if (f.idx) await t.delete([`packs/${pack}.idx`])
        if (f.pack) await t.delete([`packs/${pack}.pack`])
      }
    }
    // Leftover conditional-write probes (probe/<rand>) past the grace period go too.
    if (!opts.dryRun) {
      const probes = (await t.listWithInfo('probe/')).filter((o) => now - o.modified >= opts.graceMs).map((o) => o.key)
      if (probes.length) await t.delete(probes)
    }
    if (res.deleted.length && !opts.dryRun) repo.store.transaction(() => repo.store.forgetRemote(name), {durable: true})
    return res
  })
}

export interface RemoteFsckProblem {
  kind: 'index' | 'pack' | 'ref' | 'missing' | 'data'
  key?: string
  id?: string
  /** The damaged pack (missing, of the wrong size, unreadable index, bad bytes): what --repair replaces. */
  pack?: string
  message: string
}

export interface RemoteFsckResult {
  remote: string
  packs: number
  indexes: number
  refs: number
  reachableCommits: number
  /** Packs without an index: interrupted uploads, invisible to readers (gc --remote removes them). */
  unindexedPacks: number
  /** --read-data: packs downloaded and re-hashed, their bytes, and the share asked for. */
  packsRead: number
  bytesRead: number
  readDataPercent: number
  problems: RemoteFsckProblem[]
  ok: boolean
}

/** Parses `--read-data` values: `100%`, `10%`, `2.5%`, `10`. */
export function parsePercent(text: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/u.exec(text.trim())
  const n = m ? Number(m[1]) : NaN
  if (!(n > 0 && n <= 100)) throw new BlError('INVALID_ARGUMENT', `--read-data "${text}" is not a share of the packs`, {hint: 'Use a percentage between 0 and 100, e.g. --read-data=10%.'})
  return n
}

/** Downloads one pack and checks it whole: its id, its header, and every entry its index lists. */
async function readPack(t: Transport, idx: PackIndex): Promise<{bytes: number; problems: RemoteFsckProblem[]}> {
  const key = `packs/${idx.pack}.pack`
  const pack = idx.pack
  const o = await t.get(key)
  if (!o) return {bytes: 0, problems: [{kind: 'pack', key, pack, message: `${key} is missing`}]}
  const problems: RemoteFsckProblem[] = []
  const body = o.body
  if (hashHex(body) !== idx.pack) problems.push({kind: 'data', key, pack, message: `${key} does not hash to its name`})
  if (body.length < 5 || body.toString('latin1', 0, 4) !== 'BLPK' || body[4] !== 1) problems.push({kind: 'data', key, pack, message: `${key} has no valid pack header`})
  for (const e of idx.entries) {
    try {
      if (e.offset + e.storedLen > body.length) throw new Error('entry runs past the end of the pack')
      const raw = entryBytes(e, body.subarray(e.offset, e.offset + e.storedLen))
      if (e.kind === 'blob') decodeBlob(raw)
    } catch (err) {
      problems.push({kind: 'data', key, pack, id: e.id, message: `${e.kind} ${e.id} in ${key}: ${(err as Error).message}`})
    }
  }
  return {bytes: body.length, problems}
}

/** What a check learnt besides its result: the indexes that decoded, the listing, the remote's tips and what they reach here. */
interface RemoteCheck {
  result: RemoteFsckResult
  indexes: PackIndex[]
  files: Map<string, PackFiles>
  tips: Oid[]
  /** Absent when the remote's history could not be walked (the result says why). */
  reach?: Reach
}

export async function fsckRemote(repo: Repo, opts: {remote?: string; readDataPercent?: number; onProgress?(done: number, total: number): void}): Promise<RemoteFsckResult> {
  const name = defaultRemote(repo, opts.remote)
  repo.holdLease('fsck --remote')
  return withRemote(repo, name, async (r, t) => (await checkRemote(repo, name, t, r.concurrency ?? 8, opts)).result)
}

async function checkRemote(repo: Repo, name: string, t: Transport, concurrency: number, opts: {readDataPercent?: number; onProgress?(done: number, total: number): void}): Promise<RemoteCheck> {
  bindRemoteId(repo, name, (await requireBlRepo(t)).id)
  const problems: RemoteFsckProblem[] = []
  const files = await packFiles(t)
  // Every index, read afresh (not from the local cache): it decodes, names its own pack, and that pack exists at the stated size.
  const indexes: PackIndex[] = []
  for (const [pack, f] of files) {
    if (!f.idx) continue
    const key = `packs/${pack}.idx`
    const o = await t.get(key)
    // Gone since the listing: a `gc --remote` elsewhere collected it, which damages nothing.
    if (!o) {
      problems.push({kind: 'index', key, message: `${key}: vanished while checking`})
      continue
    }
    try {
      const idx = decodeIdx(o.body, key)
      if (idx.pack !== pack) throw new Error('it indexes another pack')
      indexes.push(idx)
      if (!f.pack) problems.push({kind: 'pack', key, pack, message: `packs/${pack}.pack is missing (its index is published)`})
      else if (f.pack.size !== idx.packSize) problems.push({kind: 'pack', key, pack, message: `packs/${pack}.pack is ${f.pack.size} bytes; its index says ${idx.packSize}`})
    } catch (err) {
      problems.push({kind: 'index', key, pack, message: `${key}: ${(err as Error).message}`})
    }
  }
  // Every ref: its whole history present and verified, and every chunk of its files listed.
  let refs = 0
  let reachableCommits = 0
  let tips: Oid[] = []
  let walked: Reach | undefined
  try {
    const listed = await listRemoteRefs(t)
    refs = listed.length
    tips = [...new Set(listed.map((x) => x.commit))]
    const live = await liveSet(repo, name, t, concurrency, {content: 'fetch'})
    walked = live.reach
    reachableCommits = live.reach.commits.size
    for (const m of live.missing) problems.push({kind: 'missing', message: m})
    for (const c of live.chunks) if (!repo.store.hasRemoteObject(name, c as Oid, true)) problems.push({kind: 'missing', id: c, message: `chunk ${c} is referenced but in no pack`})
  } catch (err) {
    if (!(err instanceof BlError)) throw err
    problems.push({kind: err.code === 'CORRUPT_REMOTE' ? 'data' : 'ref', message: err.message})
  }
  // --read-data: a random share of the packs downloaded and every entry re-hashed.
  let packsRead = 0
  let bytesRead = 0
  const percent = opts.readDataPercent ?? 0
  if (percent > 0) {
    const picked = [...indexes]
    for (let i = picked.length - 1; i > 0; i--) {
      const j = crypto.randomInt(i + 1)
      ;[picked[i], picked[j]] = [picked[j]!, picked[i]!]
    }
    const n = percent >= 100 ? picked.length : Math.ceil((picked.length * percent) / 100)
    for (const idx of picked.slice(0, n)) {
      const got = await readPack(t, idx)
      problems.push(...got.problems)
      packsRead++
      bytesRead += got.bytes
      opts.onProgress?.(packsRead, n)
    }
  }
  const unindexedPacks = [...files.values()].filter((f) => f.pack && !f.idx).length
  const result = {remote: name, packs: [...files.values()].filter((f) => f.pack).length, indexes: indexes.length, refs, reachableCommits, unindexedPacks, packsRead, bytesRead, readDataPercent: percent, problems, ok: problems.length === 0}
  return {result, indexes, files, tips, reach: walked}
}

export interface RemoteRepairResult extends RemoteFsckResult {
  repair: {
    /** Packs the check found damaged (missing, of the wrong size, unreadable index, bad bytes). */
    damagedPacks: string[]
    /** Damaged packs deleted once what they held that is still needed was on the remote again. */
    removedPacks: string[]
    /** What was uploaded again, from this repository (and other remotes, for a thin store). */
    objects: number
    packs: number
    bytes: number
    /** Needed by the remote's refs, gone from it, and not to be had here either. */
    unrecoverable: Array<{kind: 'commit' | 'tree' | 'blob' | 'chunk'; id: string}>
  }
  /** The check run again after the repair (without --read-data): what is still wrong. */
  remaining: RemoteFsckProblem[]
}

/**
 * `bl fsck --remote --repair`: checks the remote, then uploads again, from this repository, every
 * object the remote's refs need that is in no healthy pack, and deletes the damaged packs. A push
 * cannot do this: it trusts what the indexes list. Nothing moves a ref, so a repair never races a
 * push into a lost commit; a push elsewhere that counted on a damaged pack sees its index vanish
 * and sends what it held again (sync.ts). A damaged pack that is still readable in part stays
 * while anything it may hold is unrecoverable; an index whose pack is gone always goes.
 */
export async function repairRemote(repo: Repo, opts: {remote?: string; readDataPercent?: number; onProgress?(done: number, total: number): void; progress?: TransferProgress}): Promise<RemoteRepairResult> {
  const name = defaultRemote(repo, opts.remote)
  repo.holdLease('fsck --remote --repair')
  return withRemote(repo, name, async (r, t) => {
    const concurrency = r.concurrency ?? 8
    const before = await checkRemote(repo, name, t, concurrency, opts)
    const damaged = [...new Set(before.result.problems.flatMap((p) => (p.pack ? [p.pack] : [])))].sort()
    const repair: RemoteRepairResult['repair'] = {damagedPacks: damaged, removedPacks: [], objects: 0, packs: 0, bytes: 0, unrecoverable: []}
    if (before.result.ok) return {...before.result, repair, remaining: []}
    const st = repo.store
    // From here on only healthy packs count as the remote's: what is in a damaged one only is resent.
    const bad = new Set(damaged)
    st.transaction(() => {
      st.forgetRemote(name)
      st.addRemotePacks(name, before.indexes.filter((i) => !bad.has(i.pack)))
    })
    // The check's walk, unless it failed part-way: then what this repository has of the history.
    const want = before.reach ?? reach(repo, before.tips)
    const plan: PushPlan = {meta: [], chunks: []}
    for (const [kind, ids] of [['commit', want.commits], ['tree', want.trees], ['blob', want.blobs]] as const) {
      for (const id of ids) {
        if (st.hasRemoteObject(name, id, false) || (id === EMPTY_OID && !st.hasObject(id))) continue
        if (st.hasObject(id)) plan.meta.push({kind, id})
        else repair.unrecoverable.push({kind, id})
      }
    }
    const chunks = [...want.chunks].filter((c) => !st.hasRemoteObject(name, c as Oid, true)) as Oid[]
    // A thin store (lazy clone, evicted) takes what it lacks from the other remotes that have it.
    const got = await ensureChunks(repo, chunks, {exclude: name, progress: opts.progress, allowMissing: true})
    const lost = new Set(got.missing ?? [])
    for (const c of lost) repair.unrecoverable.push({kind: 'chunk', id: c})
    plan.chunks = chunks.filter((c) => !lost.has(c))
    const up = await uploadPlan(st, name, t, plan, opts.progress)
    repair.objects = up.objects
    repair.packs = up.packs
    repair.bytes = up.bytes
    // A pack is named by its bytes: the same objects packed again can make the damaged pack anew.
    const published = st.remotePacks(name)
    for (const pack of damaged) {
      const f = before.files.get(pack)
      if (published.has(pack) || (f?.pack && repair.unrecoverable.length)) continue
      // The index first, as gc --remote does: from then on no reader looks in the pack.
      if (f?.idx) await t.delete([`packs/${pack}.idx`])
      if (f?.pack) await t.delete([`packs/${pack}.pack`])
      repair.removedPacks.push(pack)
    }
    // The cache named damaged packs; the next use reads the remote's indexes afresh.
    st.transaction(() => st.forgetRemote(name), {durable: true})
    const after = await checkRemote(repo, name, t, concurrency, {})
    return {...before.result, ok: after.result.ok, repair, remaining: after.result.problems}
  })
}
