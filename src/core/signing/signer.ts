/**
 * The `Signer` interface: everything bl needs from OpenPGP, as plain data (armored keys, binary
 * signatures, facts about them). The keyring, verification policy and ops depend on this file
 * only; the one implementation (OpenPgpSigner) is the only file that imports the openpgp library,
 * and it is loaded lazily, so commands that never sign or verify don't pay for it.
 *
 * Keys are v4 (Ed25519 "legacy" EdDSA, which GnuPG 2.2 reads); signatures are binary detached
 * signatures of type 0x00 (binary document) over the exact payload bytes.
 */

/** What bl shows about a key (public part). Times are Unix seconds. */
export interface KeyInfo {
  /** Primary key fingerprint, lowercase hex (40 digits for v4 keys). */
  fingerprint: string
  /** Long key id: the last 16 hex digits of a v4 fingerprint. */
  keyId: string
  subkeys: Array<{fingerprint: string; keyId: string}>
  userIds: string[]
  /** The primary user id (the one GnuPG shows first), or null when the key has none. */
  primaryUserId: string | null
  /** e.g. `eddsaLegacy ed25519Legacy`, `rsaSign 4096`. */
  algorithm: string
  created: number
  /** When the key expires according to its latest self-signature; null = never. */
  expires: number | null
  /** The key has expired (as of the time it was described). */
  expired: boolean
  revoked: boolean
  /** Usable for making a signature right now (valid self-signature, signing capability, not expired or revoked). */
  canSign: boolean
}

/** One key read from input: its public certificate, and its secret key if the input had one. */
export interface KeyMaterial {
  info: KeyInfo
  publicArmored: string
  secretArmored: string | null
  /** The secret key material is protected by a passphrase. */
  secretProtected: boolean
}

/** What a signature says about itself (read without any key). */
export interface SignatureFacts {
  /** Issuer long key id (16 hex digits). */
  issuerKeyId: string
  /** Issuer fingerprint subpacket, when present (GnuPG and openpgp.js both write it). */
  issuerFingerprint: string | null
  /** Signature creation time (Unix seconds). */
  created: number
  hashAlgorithm: string
}

/**
 * What checking a signature against one candidate key found, without policy: verify.ts turns
 * these facts into a status (good, bad, expired, revoked). Times are Unix seconds.
 */
export interface SignatureEvidence {
  /** The signature matches the payload under the key's (sub)key with the issuer's key id. */
  cryptoValid: boolean
  /** Why the cryptographic check failed, when it did. */
  cryptoProblem: string | null
  /** The (sub)key that made the signature. */
  signingKeyFingerprint: string
  signingKeyCreated: number
  /** Revocation that applies at the signature's time (hard revocations apply at any time). */
  revokedAtSignature: Revocation | null
  /** Revocation that applies now (e.g. a key retired after the signature was made). */
  revokedNow: Revocation | null
  /** Expiry of the signing (sub)key per its latest self-signature or binding (min of primary and subkey); null = never. */
  expires: number | null
  /**
   * Whether the key was valid for signing at the signature's time per the self-signatures in force
   * then (catches e.g. an expiry that was later extended, or a key without signing capability).
   */
  validAtSignature: {ok: true} | {ok: false; problem: string}
  /** The key's primary user id, for display. */
  userId: string | null
}

export interface Revocation {
  /** When the revocation signature was made (Unix seconds). */
  time: number
  /** e.g. `no reason`, `key compromised`, `key superseded`, `key retired`. */
  reason: string
  /** Free-text reason from the revocation signature. */
  comment: string | null
}

export interface GenerateKeyOptions {
  name: string
  email: string
  /** null = no passphrase (the secret key is stored unprotected). */
  passphrase: string | null
  /** Seconds after creation; 0 or undefined = never expires. */
  expiresIn?: number
  date: Date
}

/** Returns the passphrase for a protected secret key; `attempt` starts at 1. */
export type PassphraseProvider = (request: {fingerprint: string; userId: string | null; attempt: number}) => Promise<string>

export interface UnlockedKey {
  fingerprint: string
  /** A binary detached signature (type 0x00, binary document) over `payload`, made at `date`. */
  sign(payload: Uint8Array, date: Date): Promise<Uint8Array>
}

export interface Signer {
  generateKey(opts: GenerateKeyOptions): Promise<KeyMaterial>
  /**
   * Reads every key in `input`: armored (several blocks allowed, public and private, e.g. the
   * output of `gpg --export --armor` and `gpg --export-secret-keys --armor` concatenated) or binary.
   * Keys that appear twice (public and secret) are returned once, merged. Bare revocation
   * certificates (armored) come back separately. Throws INVALID_KEY.
   */
  readKeys(input: Uint8Array): Promise<{keys: KeyMaterial[]; revocations: string[]}>
  /** Merges two certificates (or two secret keys) of the same key: new user ids, self-signatures, revocations. */
  merge(existingArmored: string, incomingArmored: string): Promise<string>
  /** Applies a bare revocation certificate (as GnuPG writes to openpgp-revocs.d/) to a public key; null if it does not revoke this key. */
  applyRevocation(publicArmored: string, revocationArmored: string): Promise<string | null>
  describe(publicArmored: string, now: Date): Promise<KeyInfo>
  /**
   * Unlocks a secret key for signing: refuses a key that cannot sign at `date` (KEY_UNUSABLE), and
   * asks `passphrase` only when the key is protected (BAD_PASSPHRASE after `maxAttempts` wrong ones).
   */
  unlock(secretArmored: string, opts: {date: Date; passphrase: PassphraseProvider; maxAttempts: number}): Promise<UnlockedKey>
  /** Throws BAD_SIGNATURE when the bytes are not exactly one OpenPGP signature packet. */
  readSignature(signature: Uint8Array): Promise<SignatureFacts>
  /** Checks `signature` over `payload` against the key holding the issuer's (sub)key; facts only, no verdict. */
  checkSignature(payload: Uint8Array, signature: Uint8Array, publicArmored: string, now: Date): Promise<SignatureEvidence>
  armorSignature(signature: Uint8Array): Promise<string>
}

let loaded: Promise<Signer> | undefined

/** The OpenPGP implementation, imported on first use. */
export function defaultSigner(): Promise<Signer> {
  loaded ??= import('./openpgp-signer.js').then((m) => new m.OpenPgpSigner())
  return loaded
}
