/**
 * The remote layout (docs/format/remote.md) over a Transport: the BLREPO marker, refs as small
 * JSON objects moved by compare-and-swap, the create-only audit log, pack indexes (cached locally),
 * and the probe that tells whether the store honours conditional writes.
 */
import type {RemoteEntry} from './transfer.js'
import {runPool} from '../pool.js'
import crypto from 'node:crypto'
import {BlError, describeJson, printable} from '../errors.js'
import {isOid, type Oid} from '../hash.js'
import type {SqliteObjectStore} from '../store/sqlite-object-store.js'
import {decodeIdx} from './pack.js'
import {PreconditionFailedError, type Transport} from './transport.js'

export const REMOTE_FORMAT = 1

export interface BlRepoInfo {
  format: number
  id: string
  defaultBranch: string | null
  forkedFrom: string | null
}

export interface RemoteRef {
  name: string
  commit: Oid
  nonce: string
  etag: string
}

function corrupt(what: string, detail: string): BlError {
  return new BlError('CORRUPT_REMOTE', `corrupt ${printable(what)} on the remote: ${detail}`, {hint: 'Someone wrote it by hand or with another tool; fix or remove it on the remote.', data: {what}})
}

function parseJson(body: Buffer, what: string): Record<string, unknown> {
  if (body.length > 64 * 1024) throw corrupt(what, 'too large')
  let v: unknown
  try {
    v = JSON.parse(body.toString('utf8'))
  } catch {
    throw corrupt(what, 'not JSON')
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw corrupt(what, 'not a JSON object')
  return v as Record<string, unknown>
}

export function encodeBlRepo(info: BlRepoInfo): Buffer {
  return Buffer.from(JSON.stringify(info) + '\n')
}

/** Decodes the BLREPO marker; CORRUPT_REMOTE when malformed, UNSUPPORTED_FORMAT when newer. */
export function decodeBlRepo(body: Buffer): BlRepoInfo {
  const j = parseJson(body, 'BLREPO')
  if (j.format !== REMOTE_FORMAT) throw new BlError('UNSUPPORTED_FORMAT', `remote format ${describeJson(j.format)} is not supported by this bl (knows ${REMOTE_FORMAT})`, {hint: 'Upgrade bl.'})
  if (typeof j.id !== 'string') throw corrupt('BLREPO', 'no id')
  return {format: REMOTE_FORMAT, id: j.id, defaultBranch: typeof j.defaultBranch === 'string' ? j.defaultBranch : null, forkedFrom: typeof j.forkedFrom === 'string' ? j.forkedFrom : null}
}

export async function readBlRepo(t: Transport): Promise<BlRepoInfo | undefined> {
  const o = await t.get('BLREPO')
  return o ? decodeBlRepo(o.body) : undefined
}

export async function requireBlRepo(t: Transport): Promise<BlRepoInfo> {
  const info = await readBlRepo(t)
  if (!info) throw new BlError('NOT_A_BL_REMOTE', `${t.display} is not a bl repository (no BLREPO)`, {hint: 'Check the URL, or push to it first to create one.', data: {remote: t.display}})
  return info
}

/** Creates BLREPO if absent (create-only, so two first pushes agree on one id). */
export async function ensureBlRepo(t: Transport, init: {defaultBranch: string | null; forkedFrom?: string | null}): Promise<BlRepoInfo> {
  const have = await readBlRepo(t)
  if (have) return have
  const info: BlRepoInfo = {format: REMOTE_FORMAT, id: crypto.randomUUID(), defaultBranch: init.defaultBranch, forkedFrom: init.forkedFrom ?? null}
  try {
    await t.put('BLREPO', encodeBlRepo(info), {ifNoneMatch: true})
    return info
  } catch (err) {
    if (err instanceof PreconditionFailedError) return requireBlRepo(t)
    throw err
  }
}

export function encodeRemoteRef(commit: Oid, nonce: string): Buffer {
  return Buffer.from(JSON.stringify({commit, nonce}) + '\n')
}

/** Decodes a remote ref object (`{"commit", "nonce"}`); CORRUPT_REMOTE when malformed. */
export function decodeRemoteRef(name: string, body: Buffer, etag: string): RemoteRef {
  const j = parseJson(body, name)
  if (typeof j.commit !== 'string' || !isOid(j.commit)) throw corrupt(name, 'no valid commit id')
  return {name, commit: j.commit as Oid, nonce: typeof j.nonce === 'string' ? j.nonce : '', etag}
}

export async function readRemoteRef(t: Transport, name: string): Promise<RemoteRef | undefined> {
  const o = await t.get(name)
  return o ? decodeRemoteRef(name, o.body, o.etag) : undefined
}

/** Every branch and tag on the remote. */
export async function listRemoteRefs(t: Transport): Promise<RemoteRef[]> {
  const keys = (await t.list('refs/')).filter((k) => k.startsWith('refs/heads/') || k.startsWith('refs/tags/'))
  const out: RemoteRef[] = []
  await Promise.all(
    keys.map(async (k) => {
      const r = await readRemoteRef(t, k)
      if (r) out.push(r)
    }),
  )
  return out.sort((a, b) => (a.name < b.name ? -1 : 1))
}

/**
 * Moves a remote ref from `expect` (the ref as read; undefined = must not exist) to `commit` with
 * a conditional write. Returns false when another writer won. The write may have landed although
 * its answer was lost: a retried request then fails its condition, or every attempt's answer was
 * lost and the transport gave up. Either way the nonce tells: if the ref now holds ours, we won.
 */
export async function casRemoteRef(t: Transport, name: string, commit: Oid, expect: RemoteRef | undefined): Promise<boolean> {
  const nonce = crypto.randomBytes(12).toString('hex')
  const body = encodeRemoteRef(commit, nonce)
  try {
    await t.put(name, body, expect ? {ifMatch: expect.etag} : {ifNoneMatch: true})
    return true
  } catch (err) {
    const refused = err instanceof PreconditionFailedError
    const now = await readRemoteRef(t, name).catch((readErr: unknown) => {
      // The ref can't be read back either: report what stopped the write.
      throw refused ? readErr : err
    })
    if (now?.nonce === nonce) return true
    if (refused) return false
    throw err
  }
}

/** How many audit entries this process has written: orders its entries within one millisecond. */
let auditSeq = 0

/**
 * Appends a create-only audit entry for a ref update (the remote's push history). Its key orders
 * it: the entry's time (seconds), then `writtenMs`, the writer's clock in milliseconds when the
 * ref moved, so updates within one second (a delete and a re-create) read back in the order they
 * happened; then this process's count of entries, so several refs of one push, or pushes made
 * within one millisecond, keep their order too (the clock is never moved for it, so other
 * writers' entries still sort by real time). The random part only keeps keys unique.
 */
export async function appendAudit(t: Transport, e: AuditEntry, writtenMs: number): Promise<void> {
  const ms = Math.max(0, Math.floor(writtenMs))
  const seq = String(auditSeq++ % 1e8).padStart(8, '0')
  const key = `log/${String(e.time).padStart(12, '0')}-${String(ms).padStart(13, '0')}-${seq}${crypto.randomBytes(6).toString('hex')}.json`
  try {
    await t.put(key, encodeAuditEntry(e), {ifNoneMatch: true})
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err
  }
}

export interface AuditEntry {
  ref: string
  old: Oid | null
  new: Oid | null
  name: string
  email: string
  time: number
  forced: boolean
  signed: boolean
}

export function encodeAuditEntry(e: AuditEntry): Buffer {
  return Buffer.from(JSON.stringify(e) + '\n')
}

/**
 * Decodes one audit entry; undefined for an entry without a ref (skipped by readers). The log is
 * history for people to read, so a field of the wrong type reads as empty rather than failing.
 */
export function decodeAuditEntry(key: string, body: Buffer): AuditEntry | undefined {
  const j = parseJson(body, key)
  if (typeof j.ref !== 'string') return undefined
  const oid = (v: unknown): Oid | null => (typeof v === 'string' && isOid(v) ? v : null)
  const text = (v: unknown): string => (typeof v === 'string' ? v : '')
  const time = typeof j.time === 'number' && Number.isSafeInteger(j.time) ? j.time : 0
  return {ref: j.ref, old: oid(j.old), new: oid(j.new), name: text(j.name), email: text(j.email), time, forced: j.forced === true, signed: j.signed === true}
}

export async function readAudit(t: Transport, ref?: string): Promise<AuditEntry[]> {
  const keys = await t.list('log/')
  const out: Array<AuditEntry & {key: string}> = []
  // Entries are small independent objects: read them in parallel (a long history is many GETs).
  await runPool(keys, 16, async (key) => {
    const k = key
    const o = await t.get(k)
    if (!o) return
    const e = decodeAuditEntry(k, o.body)
    if (!e || (ref && e.ref !== ref)) return
    out.push({key: k, ...e})
  })
  // Newest first; the key (time, then the writer's milliseconds and a random part) breaks ties the
  // same way on every reader.
  return out.sort((a, b) => b.time - a.time || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0)).map(({key: _key, ...e}) => e)
}

/**
 * Downloads the pack indexes the local cache lacks and records them. Only packs with an index are
 * published (the index is written after its pack), so a pack whose upload was cut off is ignored.
 * Returns the metadata entries just read (commits, trees, file records) so a fetch can look them
 * up in memory.
 */
export async function syncRemoteIndex(store: SqliteObjectStore, remote: string, t: Transport): Promise<{packs: number; fetched: number; fresh: Map<string, RemoteEntry>}> {
  let known = store.remotePacks(remote)
  const idxKeys = (await t.list('packs/')).filter((k) => k.endsWith('.idx'))
  // A pack gone from the listing was collected (`gc --remote`): the cache forgets this remote and
  // reads every index again, so nothing is believed to be there that is not, and an object that
  // other packs also hold is found in them.
  const listed = new Set(idxKeys.map((k) => k.slice('packs/'.length, -'.idx'.length)))
  if ([...known].some((p) => !listed.has(p))) {
    store.transaction(() => store.forgetRemote(remote))
    known = new Set()
  }
  const missing = idxKeys.filter((k) => !known.has(k.slice('packs/'.length, -'.idx'.length)))
  const fetched: Array<ReturnType<typeof decodeIdx>> = []
  await runPool(missing, 8, async (k) => {
    const o = await t.get(k)
    if (!o) return
    const idx = decodeIdx(o.body, k)
    if (`packs/${idx.pack}.idx` !== k) throw corrupt(k, 'its name does not match the pack it indexes')
    fetched.push(idx)
  })
  if (fetched.length) store.transaction(() => store.addRemotePacks(remote, fetched))
  const fresh = new Map<string, RemoteEntry>()
  for (const idx of fetched) for (const e of idx.entries) if (e.kind !== 'chunk') fresh.set(e.id, {pack: idx.pack, kind: e.kind, flags: e.flags, offset: e.offset, storedLen: e.storedLen, rawLen: e.rawLen})
  return {packs: idxKeys.length, fetched: fetched.length, fresh}
}

/** Has a pack this client knows of been collected from the remote since its index was read? */
export async function packsVanished(store: SqliteObjectStore, remote: string, t: Transport): Promise<boolean> {
  const listed = new Set((await t.list('packs/')).filter((k) => k.endsWith('.idx')).map((k) => k.slice('packs/'.length, -'.idx'.length)))
  return [...store.remotePacks(remote)].some((p) => !listed.has(p))
}

/**
 * Does the store honour conditional writes? Writes a probe object create-only twice: the second
 * must fail. A store that ignores preconditions can't protect concurrent pushes.
 */
export async function probeConditional(t: Transport): Promise<boolean> {
  const key = `probe/${crypto.randomBytes(8).toString('hex')}`
  const body = Buffer.from('probe\n')
  try {
    await t.put(key, body, {ifNoneMatch: true})
  } catch (err) {
    // The key is ours alone: a failed condition means our write landed, its answer was lost and
    // the retry was refused. The second write below still decides.
    if (!(err instanceof PreconditionFailedError)) throw err
  }
  let honoured = false
  try {
    await t.put(key, body, {ifNoneMatch: true})
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err
    honoured = true
  }
  // The 6-byte probe object stays: deleting it while other clients list the prefix made a common
  // S3 stand-in (s3rver) crash, and nothing reads probe/ (a remote gc may sweep it).
  return honoured
}
