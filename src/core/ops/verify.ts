/**
 * bl verify-commit and bl log --show-signature: a commit's signature checked against the user's
 * keyring (statuses and rules in signing/verify.ts).
 */
import type {Oid} from '../hash.js'
import {commitPayload} from '../objects/commit.js'
import {loadCommit} from '../odb.js'
import {resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import {Keyring} from '../signing/keyring.js'
import {signatureError, unsignedVerification, verifySignature, type SignatureVerification} from '../signing/verify.js'
import type {LogEntry} from './log.js'

export interface VerifyCommitResult extends SignatureVerification {
  commit: Oid
}

/** Resolves `rev` and checks its signature; anything but `good` throws the status's typed error (exit 10). */
export async function verifyCommit(repo: Repo, rev: string): Promise<VerifyCommitResult> {
  const id = resolveRevision(repo, rev)
  const c = loadCommit(repo.store, id)
  const keyring = await Keyring.open(repo.ctx)
  const v: VerifyCommitResult = {commit: id, ...(await verifySignature(keyring, commitPayload(c), c.signature, repo.now()))}
  if (v.status !== 'good') throw signatureError(`commit ${id.slice(0, 12)}`, v)
  return v
}

export type SignedLogEntry = LogEntry & {signature: SignatureVerification}

/** Adds each entry's signature verification (bl log --show-signature). */
export async function withSignatures<E extends LogEntry>(repo: Repo, entries: E[]): Promise<Array<E & {signature: SignatureVerification}>> {
  // The keyring (and the OpenPGP library) is only loaded when some commit is signed.
  let keyring: Keyring | undefined
  const out: Array<E & {signature: SignatureVerification}> = []
  for (const e of entries) {
    const c = loadCommit(repo.store, e.id)
    if (!c.signature) {
      out.push({...e, signature: unsignedVerification()})
      continue
    }
    keyring ??= await Keyring.open(repo.ctx)
    out.push({...e, signature: await verifySignature(keyring, commitPayload(c), c.signature, repo.now())})
  }
  return out
}
