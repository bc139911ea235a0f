/**
 * Where policies live. Locally, in the repository's SQLite `state` table: every accepted version
 * (`protect.version.<id>`, the encoded bytes), the head (`protect.head`) and the first version this
 * repository accepted (`protect.pinned`). On a remote (any Transport): every version, create-only
 * and named by its id (`meta/policies/<id>`), and the head (`meta/policy`, a copy of the newest
 * version) replaced by compare-and-swap like a ref.
 */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {PreconditionFailedError, type Transport} from '../remote/transport.js'
import type {Repo} from '../repo.js'
import {decodePolicy, policyId, type SignedPolicy} from './policy.js'

const HEAD = 'protect.head'
const PINNED = 'protect.pinned'
const VERSION = 'protect.version.'
/** The seq of the newest local version known to be on a remote (published or adopted from one). */
const PUBLISHED = 'protect.published'

export const REMOTE_HEAD = 'meta/policy'
export const remoteVersionKey = (id: Oid): string => `meta/policies/${id}`

export interface PolicyVersion {
  id: Oid
  bytes: Buffer
  policy: SignedPolicy
}

export interface LocalPolicy extends PolicyVersion {
  /** The first version this repository accepted: every later one chains back to it. */
  pinned: Oid
}

function localVersion(repo: Repo, id: Oid): PolicyVersion | undefined {
  const text = repo.store.getState(VERSION + id)
  if (text === undefined) return undefined
  const bytes = Buffer.from(text, 'utf8')
  let policy: SignedPolicy
  try {
    policy = decodePolicy(bytes)
  } catch (err) {
    throw new BlError('CORRUPT_DATABASE', `the stored protection policy ${id.slice(0, 12)} is damaged`, {hint: 'Run `bl fetch` to get the policy from the remote again after removing the damaged one, or restore .bl/ from a backup.', cause: err})
  }
  if (policyId(bytes) !== id) throw new BlError('CORRUPT_DATABASE', `the stored protection policy ${id.slice(0, 12)} does not match its id`, {hint: 'Restore .bl/ from a backup.'})
  return {id, bytes, policy}
}

/** The policy in force here, or null when this repository has none. */
export function loadLocalPolicy(repo: Repo): LocalPolicy | null {
  const head = repo.store.getState(HEAD) as Oid | undefined
  if (!head) return null
  const v = localVersion(repo, head)
  if (!v) throw new BlError('CORRUPT_DATABASE', 'the protection policy head names a version that is not stored', {hint: 'Restore .bl/ from a backup.'})
  return {...v, pinned: (repo.store.getState(PINNED) as Oid | undefined) ?? head}
}

export function hasLocalVersion(repo: Repo, id: Oid): boolean {
  return repo.store.getState(VERSION + id) !== undefined
}

export function loadLocalVersion(repo: Repo, id: Oid): PolicyVersion {
  const v = localVersion(repo, id)
  if (!v) throw new BlError('CORRUPT_DATABASE', `protection policy ${id.slice(0, 12)} is not stored`, {hint: 'Restore .bl/ from a backup.'})
  return v
}

/** The local chain, oldest first, from the first stored version to the head. */
export function localChain(repo: Repo): PolicyVersion[] {
  const head = repo.store.getState(HEAD) as Oid | undefined
  const out: PolicyVersion[] = []
  for (let id: Oid | null = head ?? null; id && hasLocalVersion(repo, id); ) {
    const v = loadLocalVersion(repo, id)
    out.unshift(v)
    id = v.policy.prev
  }
  return out
}

/** Stores accepted versions and moves the head (durably); `drop` removes superseded local versions. */
export function saveLocalPolicy(repo: Repo, versions: PolicyVersion[], head: Oid, drop: Oid[] = []): void {
  repo.store.transaction(() => {
    for (const id of drop) repo.store.deleteState(VERSION + id)
    for (const v of versions) repo.store.setState(VERSION + v.id, v.bytes.toString('utf8'))
    if (repo.store.getState(PINNED) === undefined) repo.store.setState(PINNED, head)
    repo.store.setState(HEAD, head)
  }, {durable: true})
}

/**
 * Records that the local chain up to version `seq` is on a remote: a later fork from before it
 * would roll a published version back, which reconcilePolicy refuses.
 */
export function markPublished(repo: Repo, seq: number): void {
  if (publishedSeq(repo) >= seq) return
  repo.store.transaction(() => repo.store.setState(PUBLISHED, String(seq)), {durable: true})
}

/** The newest version seq known to be on a remote (0: none known; repositories before this record). */
export function publishedSeq(repo: Repo): number {
  const n = Number(repo.store.getState(PUBLISHED) ?? 0)
  return Number.isSafeInteger(n) && n > 0 ? n : 0
}

/**
 * Remotes that carry the pinned policy: it was adopted from them or published to them. Only those
 * are governed by it. A remote that never held it (someone's fork, a mirror set up without an
 * owner) is another repository with its own rules: fetching from it checks nothing, and a push by
 * someone who is not an owner does not spread the policy there. A carrier that lost its policy is
 * still checked: the policy was deleted behind bl's back.
 */
const carrierKey = (remote: string): string => `remote.${remote}.policy`

export function isCarrier(repo: Repo, remote: string): boolean {
  return repo.store.getConfig(carrierKey(remote)) === 'true'
}

export function markCarrier(repo: Repo, remote: string): void {
  if (!isCarrier(repo, remote)) repo.store.transaction(() => repo.store.setConfig(carrierKey(remote), 'true'), {durable: true})
}

/** Does the policy govern local branch `branch`: it tracks a carrier, or no remote at all? */
export function governsBranch(repo: Repo, branch: string): boolean {
  const remote = repo.store.getConfig(`branch.${branch}.remote`)
  return remote === undefined || isCarrier(repo, remote)
}

// ---- remote ---------------------------------------------------------------------------------------

export interface RemoteHead {
  bytes: Buffer
  etag: string
}

export async function readRemoteHead(t: Transport): Promise<RemoteHead | undefined> {
  const o = await t.get(REMOTE_HEAD)
  return o ? {bytes: o.body, etag: o.etag} : undefined
}

/** A version from `meta/policies/<id>`, checked against its id; undefined when absent or damaged. */
export async function readRemoteVersion(t: Transport, id: Oid): Promise<PolicyVersion | undefined> {
  const o = await t.get(remoteVersionKey(id))
  if (!o || policyId(o.body) !== id) return undefined
  try {
    return {id, bytes: o.body, policy: decodePolicy(o.body)}
  } catch {
    return undefined
  }
}

/** Uploads versions create-only (a damaged copy already there is replaced). */
export async function writeRemoteVersions(t: Transport, versions: PolicyVersion[]): Promise<void> {
  for (const v of versions) {
    const key = remoteVersionKey(v.id)
    try {
      await t.put(key, v.bytes, {ifNoneMatch: true})
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err
      const have = await t.get(key)
      if (have && !have.body.equals(v.bytes)) await t.put(key, v.bytes, {ifMatch: have.etag})
    }
  }
}

/** Replaces the remote head if it is still `expect` (undefined = must not exist); false when another writer won. */
export async function casRemoteHead(t: Transport, bytes: Buffer, expect: RemoteHead | undefined): Promise<boolean> {
  try {
    await t.put(REMOTE_HEAD, bytes, expect ? {ifMatch: expect.etag} : {ifNoneMatch: true})
    return true
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err
    return (await t.get(REMOTE_HEAD))?.body.equals(bytes) ?? false
  }
}
