/**
 * Signature verification policy: the facts a Signer reports about a signature, turned into one
 * status per commit (docs/signing.md):
 *
 * - `unsigned`     the commit carries no signature
 * - `bad`          malformed, altered (the payload does not match), made before the key existed,
 *                  or by a key that was not valid for signing at the time
 * - `unknown-key`  no key in the keyring holds the issuer (sub)key: cannot be checked
 * - `revoked`      the key is revoked (a hard revocation — no reason, compromised — counts for
 *                  every signature, as GnuPG's REVKEYSIG; a soft one — superseded, retired — only for
 *                  signatures made after it)
 * - `expired`      the key had already expired when the signature was made
 * - `good`         valid; `notes` mention a key that expired or was retired after the signature
 */
import {BlError, type ErrorCode} from '../errors.js'
import type {Keyring} from './keyring.js'
import type {Revocation} from './signer.js'

export type SignatureStatus = 'good' | 'bad' | 'unknown-key' | 'expired' | 'revoked' | 'unsigned'

export interface SignatureVerification {
  status: SignatureStatus
  /** Issuer long key id from the signature (null when unsigned or unreadable). */
  keyId: string | null
  /** Primary fingerprint of the signer's key; for an unknown key, the issuer fingerprint the signature names (if any). */
  fingerprint: string | null
  /** The (sub)key that made the signature, when known. */
  signingKey: string | null
  userId: string | null
  /** When the signature was made (Unix seconds). */
  created: number | null
  /** When the key expires (Unix seconds), null = never or unknown. */
  keyExpires: number | null
  keyRevocation: Revocation | null
  /** Why the status is not `good` (null when it is). */
  reason: string | null
  /** Remarks on a good signature, e.g. the key expired after it was made. */
  notes: string[]
}

const none = {keyId: null, fingerprint: null, signingKey: null, userId: null, created: null, keyExpires: null, keyRevocation: null}

const iso = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z')

export function unsignedVerification(): SignatureVerification {
  return {...none, notes: [], status: 'unsigned', reason: 'the commit is not signed'}
}

export async function verifySignature(keyring: Keyring, payload: Uint8Array, signature: Uint8Array | undefined, now: Date): Promise<SignatureVerification> {
  if (!signature) return unsignedVerification()
  const signer = keyring.signer
  let facts
  try {
    facts = await signer.readSignature(signature)
  } catch (err) {
    if (err instanceof BlError) return {...none, notes: [], status: 'bad', reason: err.message}
    throw err
  }
  const base = {keyId: facts.issuerKeyId, created: facts.created, notes: [] as string[]}
  const key = await keyring.findIssuer(facts.issuerKeyId, facts.issuerFingerprint)
  if (!key)
    return {...none, ...base, status: 'unknown-key', fingerprint: facts.issuerFingerprint, reason: `no key ${facts.issuerFingerprint ?? facts.issuerKeyId} in the keyring`}
  let ev
  try {
    ev = await signer.checkSignature(payload, signature, key.publicArmored, now)
  } catch (err) {
    if (err instanceof BlError && err.code === 'BAD_SIGNATURE') return {...none, ...base, fingerprint: key.info.fingerprint, status: 'bad', reason: err.message}
    throw err
  }
  const known = {...base, fingerprint: key.info.fingerprint, signingKey: ev.signingKeyFingerprint, userId: ev.userId, keyExpires: ev.expires, keyRevocation: ev.revokedNow}
  const verdict = (status: SignatureStatus, reason: string | null): SignatureVerification => ({...known, status, reason})
  if (!ev.cryptoValid) return verdict('bad', `the signature does not match the commit (${ev.cryptoProblem})`)
  if (ev.signingKeyCreated > facts.created) return verdict('bad', `the signature (${iso(facts.created)}) predates its key (${iso(ev.signingKeyCreated)})`)
  if (ev.revokedAtSignature) return verdict('revoked', `the key was revoked on ${iso(ev.revokedAtSignature.time)} (${ev.revokedAtSignature.reason})`)
  if (ev.expires !== null && ev.expires <= facts.created) return verdict('expired', `the key expired on ${iso(ev.expires)}, before the signature was made (${iso(facts.created)})`)
  if (!ev.validAtSignature.ok) {
    const p = ev.validAtSignature.problem
    if (/revoked/i.test(p)) return verdict('revoked', `the key was revoked when the signature was made: ${p}`)
    if (/expired/i.test(p)) return verdict('expired', `the key was expired when the signature was made: ${p}`)
    return verdict('bad', `the key was not valid for signing when the signature was made: ${p}`)
  }
  const notes: string[] = []
  if (ev.revokedNow) notes.push(`the key was revoked on ${iso(ev.revokedNow.time)} (${ev.revokedNow.reason}), after this signature was made`)
  if (ev.expires !== null && ev.expires <= Math.floor(now.getTime() / 1000)) notes.push(`the key expired on ${iso(ev.expires)}, after this signature was made`)
  return {...known, status: 'good', reason: null, notes}
}

const ERROR_FOR: Record<Exclude<SignatureStatus, 'good'>, ErrorCode> = {
  unsigned: 'UNSIGNED_COMMIT',
  bad: 'BAD_SIGNATURE',
  'unknown-key': 'UNKNOWN_SIGNING_KEY',
  expired: 'EXPIRED_SIGNING_KEY',
  revoked: 'REVOKED_SIGNING_KEY',
}

const HINT_FOR: Record<Exclude<SignatureStatus, 'good'>, string> = {
  unsigned: 'Sign commits with `bl commit -S` (or `bl config commit.sign true`).',
  bad: 'The commit was changed after it was signed, or the signature is damaged: do not trust it.',
  'unknown-key': "Import the signer's public key with `bl key import <file>`, then verify again.",
  expired: "The signer's key had expired when the commit was signed: do not trust it.",
  revoked: "The signer's key is revoked: do not trust it.",
}

/** The typed error (exit 10) for a verification that is not good. */
export function signatureError(subject: string, v: SignatureVerification & {commit?: string}): BlError {
  const status = v.status as Exclude<SignatureStatus, 'good'>
  const who = v.userId ? ` from "${v.userId}"` : ''
  const key = v.fingerprint ?? v.keyId
  const msg = status === 'unsigned' ? `${subject} is not signed` : `${subject}: ${status === 'unknown-key' ? 'cannot check the signature' : `${status} signature${who}`}${key ? ` (key ${key})` : ''}: ${v.reason}`
  return new BlError(ERROR_FOR[status], msg, {hint: HINT_FOR[status], data: {...v}})
}
