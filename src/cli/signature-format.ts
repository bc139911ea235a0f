/** Text rendering of keys and signature verifications (no domain logic). */
import type {KeyView} from '../core/ops/keys.js'
import type {SignatureVerification} from '../core/signing/verify.js'

export const day = (t: number): string => new Date(t * 1000).toISOString().slice(0, 10)
export const stamp = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z').replace('T', ' ')

/** GnuPG-like listing: `sec`/`pub` line, fingerprint, user ids. */
export function keyLines(k: KeyView, nowMs: number): string[] {
  const state = k.revoked ? ' [revoked]' : k.expires !== null ? (k.expires * 1000 <= nowMs ? ` [expired: ${day(k.expires)}]` : ` [expires: ${day(k.expires)}]`) : ''
  return [`${k.hasSecret ? 'sec' : 'pub'}   ${k.algorithm} ${day(k.created)}${state}`, `      ${k.fingerprint.toUpperCase()}`, ...k.userIds.map((u) => `uid   ${u}`)]
}

/** One line for a commit's signature, plus notes. */
export function signatureLines(v: SignatureVerification): string[] {
  const who = v.userId ? ` "${v.userId}"` : ''
  const key = v.fingerprint ? ` key ${v.fingerprint.toUpperCase()}` : v.keyId ? ` key ${v.keyId.toUpperCase()}` : ''
  const when = v.created !== null ? `, made ${stamp(v.created)}` : ''
  switch (v.status) {
    case 'unsigned':
      return ['Signature: none']
    case 'good':
      return [`Signature: good from${who} (${key.trim()}${when})`, ...v.notes.map((n) => `Signature note: ${n}`)]
    case 'unknown-key':
      return [`Signature: cannot check, unknown${key}${when}`]
    default:
      return [`Signature: ${v.status.toUpperCase()}${who ? ` from${who}` : ''} (${key.trim()}${when}): ${v.reason}`]
  }
}
