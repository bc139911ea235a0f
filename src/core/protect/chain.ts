/**
 * The owner chain (docs/signing.md, "Owner chain" and "Pinning"): every policy version after the
 * first is signed by an owner of its predecessor, the first by one of its own owners. A repository
 * accepts the first policy it sees (and pins it); after that it only accepts versions that chain
 * back to one it holds, each validly signed by an owner of the one before. Anything else on a
 * remote — an unsigned document, a version signed by a non-owner, a chain that starts elsewhere —
 * is ignored with a warning, and the last valid policy stays in force.
 */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import type {Transport} from '../remote/transport.js'
import type {Repo} from '../repo.js'
import {Keyring} from '../signing/keyring.js'
import {defaultSigner} from '../signing/signer.js'
import {verifySignature} from '../signing/verify.js'
import {decodePolicy, policyId, policyPayload, type PolicyBody, type SignedPolicy} from './policy.js'
import {casRemoteHead, hasLocalVersion, isCarrier, markCarrier as markRemoteCarrier, loadLocalPolicy, loadLocalVersion, localChain, markPublished, publishedSeq, readRemoteHead, readRemoteVersion, REMOTE_HEAD, saveLocalPolicy, writeRemoteVersions, type LocalPolicy, type PolicyVersion, type RemoteHead} from './store.js'

const MAX_WALK = 10_000
const short = (id: Oid): string => id.slice(0, 12)

/** Why `next` is not validly signed by an owner of `prev` (for a first version, prev = next), or null. */
export async function policySignatureProblem(prev: PolicyBody, next: SignedPolicy, now: Date): Promise<string | null> {
  if (!prev.owners.includes(next.signedBy)) return `signed by ${next.signedBy}, which is not an owner of ${prev === next ? 'the policy' : `version ${prev.seq}`}`
  const keyring = await Keyring.fromCertificates([prev.keys[next.signedBy]!], await defaultSigner(), () => now)
  const v = await verifySignature(keyring, policyPayload(next), next.signature, now)
  if (v.status !== 'good') return `${v.status === 'unknown-key' ? 'not signed by its owner key' : `${v.status} signature`}: ${v.reason}`
  if (v.fingerprint !== next.signedBy) return `signed by ${v.fingerprint}, not by ${next.signedBy} as it claims`
  return null
}

/**
 * Checks `versions` (oldest first) as successors of `base` (null: the first must be version 1,
 * signed by one of its own owners). Returns the longest valid prefix and the first problem.
 */
export async function verifyChain(base: PolicyVersion | null, versions: PolicyVersion[], now: Date): Promise<{accepted: PolicyVersion[]; problem: string | null}> {
  const accepted: PolicyVersion[] = []
  let prev = base
  for (const v of versions) {
    const p = v.policy
    let problem: string | null = null
    if (!prev && (p.seq !== 1 || p.prev !== null)) problem = 'the chain does not start at version 1'
    else if (prev && (p.prev !== prev.id || p.seq !== prev.policy.seq + 1)) problem = `it does not follow version ${prev.policy.seq}`
    else problem = await policySignatureProblem(prev ? prev.policy : p, p, now)
    if (problem) return {accepted, problem: `version ${p.seq} (${short(v.id)}): ${problem}`}
    accepted.push(v)
    prev = v
  }
  return {accepted, problem: null}
}

function conflict(message: string, hint: string): BlError {
  return new BlError('POLICY_CONFLICT', message, {hint})
}

/** Publishes the local chain: the versions the remote lacks (from `fromSeq` on), then the head by compare-and-swap. */
async function publishChain(repo: Repo, t: Transport, local: LocalPolicy, head: RemoteHead | undefined, fromSeq: number): Promise<void> {
  await writeRemoteVersions(t, localChain(repo).filter((v) => v.policy.seq >= fromSeq))
  if (!(await casRemoteHead(t, local.bytes, head)))
    throw conflict(`the protection policy on ${t.display} changed while this command ran`, 'Run the command again.')
  markPublished(repo, local.policy.seq)
}

/** Does this machine hold the secret key of one of the policy's owners? */
async function ownsPolicy(repo: Repo, local: LocalPolicy): Promise<boolean> {
  const keyring = await Keyring.open(repo.ctx)
  return (await keyring.list()).some((k) => k.secretArmored !== null && local.policy.owners.includes(k.info.fingerprint))
}

/** The oldest of `dropped` that was published: recorded locally, or still held by the remote. */
async function firstPublished(repo: Repo, t: Transport, dropped: PolicyVersion[]): Promise<PolicyVersion | undefined> {
  const seq = publishedSeq(repo)
  // The remote's copy only speaks for repositories from before the local record (seq 0): a
  // version written by a push whose head update then lost its race is on the remote too.
  for (const v of dropped) if (v.policy.seq <= seq || (seq === 0 && (await readRemoteVersion(t, v.id)))) return v
  return undefined
}

export interface ReconcileOptions {
  remoteName: string
  /** Push: also publish the local policy when the remote's is older, missing or invalid. */
  publish: boolean
  /** `push --dry-run`: decide as a push would, but write nothing to the remote (nor mark it as carrying the policy). */
  dryRun?: boolean
  warn(message: string): void
}

/**
 * Brings the local policy and a remote's together and returns the policy in force here: a valid
 * newer remote version is adopted (the first ever is pinned); an invalid one is ignored with a
 * warning (and, on push, replaced by the local one); on push a newer local version is published.
 */
export async function reconcilePolicy(repo: Repo, t: Transport, opts: ReconcileOptions): Promise<LocalPolicy | null> {
  // A dry run publishes nothing, so the remote does not become a carrier of the policy either.
  const publish = opts.dryRun ? async (): Promise<void> => {} : publishChain
  const markCarrier = opts.dryRun ? (): void => {} : markRemoteCarrier
  const local = loadLocalPolicy(repo)
  const head = await readRemoteHead(t)
  const where = `the protection policy on ${opts.remoteName} (${REMOTE_HEAD})`
  const keeping = local ? `; keeping version ${local.policy.seq} (${short(local.id)}), owners ${local.policy.owners.join(', ')}` : ''
  const repair = async (): Promise<LocalPolicy | null> => {
    if (local && opts.publish) {
      await publish(repo, t, local, head, 1)
      markCarrier(repo, opts.remoteName)
      opts.warn(`${opts.dryRun ? 'would replace' : 'replaced'} ${where} by version ${local.policy.seq} (${short(local.id)})`)
    }
    return local
  }
  if (!head) {
    if (!local) return null
    if (isCarrier(repo, opts.remoteName)) {
      if (opts.publish) await publish(repo, t, local, undefined, 1)
      return local
    }
    // Another repository (a fork, a new remote): an owner's push brings the policy there.
    if (opts.publish && (await ownsPolicy(repo, local))) {
      await publish(repo, t, local, undefined, 1)
      markCarrier(repo, opts.remoteName)
      return local
    }
    return null
  }
  // A policy this one cannot take (damaged, forged, of another origin) on a remote that never
  // carried ours is another repository's business on fetch; on a carrier it is tampering.
  const foreign = (): LocalPolicy | null | Promise<LocalPolicy | null> => (opts.publish || isCarrier(repo, opts.remoteName) ? repair() : null)
  let remote: PolicyVersion
  try {
    remote = {id: policyId(head.bytes), bytes: head.bytes, policy: decodePolicy(head.bytes)}
  } catch (err) {
    opts.warn(`IGNORED ${where}: it is not a signed bl policy (${(err as Error).message})${keeping}`)
    return foreign()
  }
  if (local && remote.id === local.id) {
    markPublished(repo, local.policy.seq)
    markCarrier(repo, opts.remoteName)
    return local
  }
  if (local && hasLocalVersion(repo, remote.id)) {
    markPublished(repo, remote.policy.seq)
    markCarrier(repo, opts.remoteName)
    // The remote is behind: push publishes what it lacks.
    if (opts.publish) await publish(repo, t, local, head, remote.policy.seq + 1)
    return local
  }
  // Walk back to a version held here (or to the first version).
  const chain: PolicyVersion[] = [remote]
  let junction: PolicyVersion | null = null
  for (;;) {
    const first = chain[0]!.policy
    if (first.prev === null) break
    if (local && hasLocalVersion(repo, first.prev)) {
      junction = loadLocalVersion(repo, first.prev)
      break
    }
    const v = chain.length < MAX_WALK ? await readRemoteVersion(t, first.prev) : undefined
    if (!v) {
      opts.warn(`IGNORED ${where}: its version ${first.seq - 1} (${short(first.prev)}) is missing or damaged on the remote, so its owner chain cannot be checked${keeping}`)
      return foreign()
    }
    chain.unshift(v)
  }
  // Only versions from the pinned one on count: an older fork would bring back owners replaced since.
  if (local && junction && junction.policy.seq < loadLocalVersion(repo, local.pinned).policy.seq) junction = null
  if (local && !junction) {
    opts.warn(`IGNORED ${where}: version ${remote.policy.seq} (${short(remote.id)}, owners ${remote.policy.owners.join(', ')}) does not descend from the policy pinned here (${short(local.pinned)})${keeping}`)
    if (opts.publish)
      throw conflict(`the protection policy on ${opts.remoteName} has another origin than the one pinned here`, 'Someone replaced it, or this repository\'s policy was reset. Check with the owners; bl will not overwrite a policy signed by other owners.')
    return isCarrier(repo, opts.remoteName) ? local : null
  }
  const {accepted, problem} = await verifyChain(junction, chain, repo.now())
  if (problem) opts.warn(`${accepted.length ? 'PARTLY IGNORED' : 'IGNORED'} ${where}: ${problem}${accepted.length ? `; accepting up to version ${accepted.at(-1)!.policy.seq}` : keeping}`)
  if (accepted.length === 0) return foreign()
  const newHead = accepted.at(-1)!
  // Diverged: the remote took another valid path from a version held here than the local head did.
  const dropped = local && junction && junction.id !== local.id ? localChain(repo).filter((v) => v.policy.seq > junction!.policy.seq) : []
  // A fork from before a version that was published is a rollback, not a concurrent change: an
  // owner removed since could sign it. Published: recorded here, or the remote still holds it.
  const rolledBack = dropped.length ? await firstPublished(repo, t, dropped) : undefined
  if (rolledBack) {
    opts.warn(`IGNORED ${where}: version ${remote.policy.seq} (${short(remote.id)}, signed by ${remote.policy.signedBy}) forks from version ${junction!.policy.seq} and would roll back the published version ${rolledBack.policy.seq} (${short(rolledBack.id)})${keeping}`)
    return repair()
  }
  if (dropped.length) {
    if (opts.publish)
      throw conflict(`the protection policy on ${opts.remoteName} has changed since version ${junction!.policy.seq}, and so has yours`, 'Run `bl fetch` (which adopts the remote\'s policy and drops your unpublished policy changes), make your changes again, then push.')
    opts.warn(`the protection policy on ${opts.remoteName} changed since version ${junction!.policy.seq}; adopting it and dropping your unpublished policy version(s) ${dropped.map((v) => v.policy.seq).join(', ')}: make those changes again`)
  }
  saveLocalPolicy(repo, accepted, newHead.id, dropped.map((v) => v.id))
  markPublished(repo, newHead.policy.seq)
  markCarrier(repo, opts.remoteName)
  const now = loadLocalPolicy(repo)!
  if (problem && opts.publish) {
    await publish(repo, t, now, head, 1)
    opts.warn(`${opts.dryRun ? 'would replace' : 'replaced'} ${where} by version ${now.policy.seq} (${short(now.id)})`)
  }
  return now
}
