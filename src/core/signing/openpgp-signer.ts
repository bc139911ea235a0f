/**
 * OpenPgpSigner: the `Signer` on openpgp.js (v6), the only file that imports the library.
 * Keys are v4 EdDSA (curve ed25519Legacy) with iterated-and-salted S2K protection and no AEAD key
 * protection, i.e. what GnuPG 2.2 reads and writes. Signatures are binary detached signatures.
 */
import * as openpgp from '#openpgp'
import {BlError} from '../errors.js'
import type {GenerateKeyOptions, KeyInfo, KeyMaterial, PassphraseProvider, Revocation, SignatureEvidence, SignatureFacts, Signer, UnlockedKey} from './signer.js'

const {enums} = openpgp

/** Settings pinned for GnuPG 2.2 interoperability, whatever openpgp's defaults become. */
const CONFIG: openpgp.PartialConfig = {v6Keys: false, aeadProtect: false, s2kType: enums.s2k.iterated}

const REVOCATION_REASON: Record<number, string> = {
  [enums.reasonForRevocation.noReason]: 'no reason',
  [enums.reasonForRevocation.keySuperseded]: 'key superseded',
  [enums.reasonForRevocation.keyCompromised]: 'key compromised',
  [enums.reasonForRevocation.keyRetired]: 'key retired',
  [enums.reasonForRevocation.userIDInvalid]: 'user id invalid',
}
/** Soft revocations (RFC 4880 5.2.3.23): signatures made before them stay valid. */
const SOFT_REVOCATIONS: number[] = [enums.reasonForRevocation.keySuperseded, enums.reasonForRevocation.keyRetired, enums.reasonForRevocation.userIDInvalid]

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000)
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

function invalidKey(detail: string, cause?: unknown): BlError {
  return new BlError('INVALID_KEY', `not a usable OpenPGP key: ${detail}`, {hint: 'Pass an armored key (`gpg --export --armor <id>` or `gpg --export-secret-keys --armor <id>`) or a binary key export.', cause})
}

/** Armored key blocks start at the beginning of a line (GnuPG's revocation files prefix theirs with ':' on purpose). */
const BLOCK_RE = /^-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----\r?\n[\s\S]*?^-----END PGP \1 KEY BLOCK-----/gm

export class OpenPgpSigner implements Signer {
  /** Parsed keys by armored text: `bl log --show-signature` checks many commits against few keys. */
  private readonly cache = new Map<string, openpgp.Key>()

  private async key(armored: string): Promise<openpgp.Key> {
    let k = this.cache.get(armored)
    if (!k) {
      try {
        k = await openpgp.readKey({armoredKey: armored, config: CONFIG})
      } catch (e) {
        throw invalidKey(message(e), e)
      }
      if (this.cache.size > 256) this.cache.clear()
      this.cache.set(armored, k)
    }
    return k
  }

  async generateKey(opts: GenerateKeyOptions): Promise<KeyMaterial> {
    const generated = await openpgp
      .generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{name: opts.name, email: opts.email}],
      passphrase: opts.passphrase ?? undefined,
      keyExpirationTime: opts.expiresIn ?? 0,
      date: opts.date,
      subkeys: [],
      format: 'object',
      config: CONFIG,
    })
      .catch((err: unknown) => {
        // openpgp.js checks user IDs more strictly than bl's own email check (`al@x` fails).
        if (/user ?id/i.test(message(err))) throw new BlError('INVALID_ARGUMENT', `"${opts.name} <${opts.email}>" is not a user ID OpenPGP accepts`, {hint: 'Use a full email address such as you@example.com.', data: {email: opts.email}, cause: err})
        throw err
      })
    const {privateKey, publicKey} = generated
    return {info: await this.describeKey(publicKey, opts.date), publicArmored: publicKey.armor(), secretArmored: privateKey.armor(), secretProtected: opts.passphrase !== null}
  }

  async readKeys(input: Uint8Array): Promise<{keys: KeyMaterial[]; revocations: string[]}> {
    const text = Buffer.from(input).toString('utf8')
    const parsed: openpgp.Key[] = []
    const revocations: string[] = []
    if (text.includes('-----BEGIN PGP ')) {
      const blocks = text.match(BLOCK_RE) ?? []
      if (blocks.length === 0) throw invalidKey('no "BEGIN PGP PUBLIC KEY BLOCK" or "BEGIN PGP PRIVATE KEY BLOCK" at the start of a line')
      for (const block of blocks) {
        try {
          parsed.push(...(await openpgp.readKeys({armoredKeys: block, config: CONFIG})))
        } catch (e) {
          // A bare revocation certificate is a public key block with only a signature packet.
          if (/No key packet found/.test(message(e)) && block.includes('PUBLIC KEY BLOCK')) revocations.push(block)
          else throw invalidKey(message(e), e)
        }
      }
    } else {
      try {
        parsed.push(...(await openpgp.readKeys({binaryKeys: input, config: CONFIG})))
      } catch (e) {
        throw invalidKey(message(e), e)
      }
    }
    // One entry per fingerprint: the public certificate and the secret key, each merged from every copy.
    const byFpr = new Map<string, {pub: openpgp.PublicKey; sec: openpgp.PrivateKey | null}>()
    for (const k of parsed) {
      const fpr = k.getFingerprint()
      const cur = byFpr.get(fpr)
      const pub = k.isPrivate() ? k.toPublic() : (k as openpgp.PublicKey)
      try {
        if (!cur) byFpr.set(fpr, {pub, sec: k.isPrivate() ? k : null})
        else {
          cur.pub = await cur.pub.update(pub)
          if (k.isPrivate()) cur.sec = cur.sec ? await cur.sec.update(k) : k
        }
      } catch (e) {
        throw invalidKey(`${fpr}: ${message(e)}`, e)
      }
    }
    const keys: KeyMaterial[] = []
    const now = new Date()
    for (const {pub, sec} of byFpr.values()) {
      const merged = sec ? await sec.update(pub) : null
      keys.push({info: await this.describeKey(pub, now), publicArmored: pub.armor(), secretArmored: merged ? merged.armor() : null, secretProtected: merged ? !merged.isDecrypted() : false})
    }
    return {keys, revocations}
  }

  async merge(existingArmored: string, incomingArmored: string): Promise<string> {
    const a = await this.key(existingArmored)
    const b = await this.key(incomingArmored)
    try {
      if (a.isPrivate()) return (await a.update(b)).armor()
      return (await a.update(b.isPrivate() ? b.toPublic() : b)).armor()
    } catch (e) {
      throw invalidKey(message(e), e)
    }
  }

  async applyRevocation(publicArmored: string, revocation: string): Promise<string | null> {
    const key = await this.key(publicArmored)
    try {
      const {publicKey} = await openpgp.revokeKey({key: key.isPrivate() ? key.toPublic() : key, revocationCertificate: revocation, format: 'armored', config: CONFIG})
      return publicKey
    } catch (e) {
      if (/does not match key/.test(message(e))) return null
      throw invalidKey(`revocation certificate: ${message(e)}`, e)
    }
  }

  async describe(publicArmored: string, now: Date): Promise<KeyInfo> {
    return this.describeKey(await this.key(publicArmored), now)
  }

  private async describeKey(key: openpgp.Key, now: Date): Promise<KeyInfo> {
    const alg = key.getAlgorithmInfo()
    const expires = await key.getExpirationTime()
    let canSign = true
    try {
      await key.getSigningKey(undefined, now, undefined, {...openpgp.config, ...CONFIG})
    } catch {
      canSign = false
    }
    return {
      fingerprint: key.getFingerprint(),
      keyId: key.getKeyID().toHex(),
      subkeys: key.subkeys.map((s) => ({fingerprint: s.getFingerprint(), keyId: s.getKeyID().toHex()})),
      userIds: key.getUserIDs(),
      primaryUserId: await primaryUserId(key),
      algorithm: [alg.algorithm, alg.curve ?? alg.bits].filter((x) => x !== undefined).join(' '),
      created: seconds(key.getCreationTime()),
      expires: expires instanceof Date ? seconds(expires) : null,
      expired: expires instanceof Date && expires.getTime() <= now.getTime(),
      revoked: (await revocationOf(key.revocationSignatures, key.keyPacket, enums.signature.keyRevocation, {key: key.keyPacket}, now)) !== null,
      canSign,
    }
  }

  async unlock(secretArmored: string, opts: {date: Date; passphrase: PassphraseProvider; maxAttempts: number}): Promise<UnlockedKey> {
    const key = await this.key(secretArmored)
    if (!key.isPrivate()) throw invalidKey('the stored secret key has no secret key material')
    const fingerprint = key.getFingerprint()
    // Refuse an expired or revoked key before asking for its passphrase.
    try {
      await key.getSigningKey(undefined, opts.date, undefined, {...openpgp.config, ...CONFIG})
    } catch (e) {
      throw new BlError('KEY_UNUSABLE', `key ${fingerprint} cannot sign now: ${message(e).replace(/^Could not find valid signing key packet in key \w+: ?/, '') || 'no valid signing key'}`, {
        hint: 'It may be expired or revoked (see `bl key list`); pick another key with --key or `bl config user.signingKey <id>`.',
        data: {fingerprint},
      })
    }
    let unlocked: openpgp.PrivateKey = key
    if (!key.isDecrypted()) {
      const userId = await primaryUserId(key)
      for (let attempt = 1; ; attempt++) {
        const passphrase = await opts.passphrase({fingerprint, userId, attempt})
        try {
          unlocked = await openpgp.decryptKey({privateKey: key, passphrase, config: CONFIG})
          break
        } catch (e) {
          if (!/passphrase/i.test(message(e))) throw invalidKey(message(e), e)
          if (attempt >= opts.maxAttempts)
            throw new BlError('BAD_PASSPHRASE', `wrong passphrase for key ${fingerprint}`, {hint: 'Check the passphrase the key was protected with.', data: {fingerprint}})
        }
      }
    }
    return {
      fingerprint,
      sign: async (payload, date) => openpgp.sign({message: await openpgp.createMessage({binary: payload}), signingKeys: unlocked, detached: true, format: 'binary', date, config: CONFIG}),
    }
  }

  async readSignature(signature: Uint8Array): Promise<SignatureFacts> {
    const p = await this.packet(signature)
    return {
      issuerKeyId: p.issuerKeyID.toHex(),
      issuerFingerprint: p.issuerFingerprint ? Buffer.from(p.issuerFingerprint).toString('hex') : null,
      created: seconds(p.created!),
      hashAlgorithm: hashName(p.hashAlgorithm),
    }
  }

  private async packet(signature: Uint8Array): Promise<openpgp.SignaturePacket> {
    let sig: openpgp.Signature
    try {
      sig = await openpgp.readSignature({binarySignature: signature, config: CONFIG})
    } catch (e) {
      throw new BlError('BAD_SIGNATURE', `the signature is not valid OpenPGP: ${message(e)}`, {hint: 'The commit was damaged or forged.'})
    }
    const p = sig.packets[0]
    if (sig.packets.length !== 1 || !p || !p.created)
      throw new BlError('BAD_SIGNATURE', `expected exactly one OpenPGP signature packet, found ${sig.packets.length}`, {hint: 'The commit was damaged or forged.'})
    return p
  }

  async checkSignature(payload: Uint8Array, signature: Uint8Array, publicArmored: string, now: Date): Promise<SignatureEvidence> {
    const key = await this.key(publicArmored)
    const p = await this.packet(signature)
    const at = p.created!
    const signingKey = key.getKeys(p.issuerKeyID)[0]
    // The issuer key id sits in the unsigned part of a signature: anyone can change it.
    if (!signingKey) throw new BlError('BAD_SIGNATURE', `the signature names issuer key ${p.issuerKeyID.toHex()}, which is not a (sub)key of ${key.getFingerprint()}`, {hint: 'The commit was damaged or forged.'})
    let cryptoProblem: string | null = null
    if (p.signatureType !== enums.signature.binary) cryptoProblem = `not a binary-document signature (type ${p.signatureType})`
    else {
      try {
        const literal = (await openpgp.createMessage({binary: payload})).packets[0] as openpgp.LiteralDataPacket
        // No date: this is the cryptographic check only; validity in time is judged below.
        await p.verify(signingKey.keyPacket, enums.signature.binary, literal, null as unknown as Date, true, {...openpgp.config, ...CONFIG})
      } catch (e) {
        cryptoProblem = message(e)
      }
    }
    const isSub = signingKey !== key
    const sub = isSub ? (signingKey as openpgp.Subkey) : null
    const revokedAt = async (date: Date): Promise<Revocation | null> =>
      (await revocationOf(key.revocationSignatures, key.keyPacket, enums.signature.keyRevocation, {key: key.keyPacket}, date)) ??
      (sub ? await revocationOf(sub.revocationSignatures, key.keyPacket, enums.signature.subkeyRevocation, {key: key.keyPacket, bind: sub.keyPacket}, date) : null)
    const expiry = (e: Date | number | null): number => (e instanceof Date ? e.getTime() : Infinity)
    const primaryExpires = expiry(await key.getExpirationTime())
    const subExpires = sub ? expiry(await sub.getExpirationTime(null as unknown as Date)) : Infinity
    const expires = Math.min(primaryExpires, subExpires)
    let validAtSignature: SignatureEvidence['validAtSignature'] = {ok: true}
    try {
      await key.getSigningKey(p.issuerKeyID, at, undefined, {...openpgp.config, ...CONFIG})
    } catch (e) {
      validAtSignature = {ok: false, problem: message(e).replace(/^Could not find valid signing key packet in key \w+: ?/, '') || 'no valid signing key at that time'}
    }
    return {
      cryptoValid: cryptoProblem === null,
      cryptoProblem,
      signingKeyFingerprint: signingKey.getFingerprint(),
      signingKeyCreated: seconds(signingKey.getCreationTime()),
      revokedAtSignature: await revokedAt(at),
      revokedNow: await revokedAt(now),
      expires: Number.isFinite(expires) ? Math.floor(expires / 1000) : null,
      validAtSignature,
      userId: await primaryUserId(key),
    }
  }

  async armorSignature(signature: Uint8Array): Promise<string> {
    return (await openpgp.readSignature({binarySignature: signature, config: CONFIG})).armor({...openpgp.config, ...CONFIG})
  }
}

/** The name of a hash algorithm id; ids openpgp does not know (a damaged or forged signature) read as unknown. */
function hashName(id: number | null): string {
  if (id === null) return 'unknown'
  try {
    return enums.read(enums.hash, id)
  } catch {
    return `unknown (${id})`
  }
}

async function primaryUserId(key: openpgp.Key): Promise<string | null> {
  try {
    return (await key.getPrimaryUser(null as unknown as Date)).user.userID?.userID ?? null
  } catch {
    return key.getUserIDs()[0] ?? null
  }
}

/**
 * The earliest valid revocation among `sigs` that applies at `date`: hard revocations (no reason,
 * key compromised) apply at any time, soft ones (superseded, retired) from their creation on.
 */
async function revocationOf(sigs: openpgp.SignaturePacket[], primary: openpgp.AnyKeyPacket, type: openpgp.enums.signature, data: object, date: Date): Promise<Revocation | null> {
  const sorted = [...sigs].sort((a, b) => (a.created?.getTime() ?? 0) - (b.created?.getTime() ?? 0))
  for (const rs of sorted) {
    const flag = rs.reasonForRevocationFlag ?? enums.reasonForRevocation.noReason
    const soft = SOFT_REVOCATIONS.includes(flag)
    try {
      await rs.verify(primary, type, data, (soft ? date : null) as Date, false, {...openpgp.config, ...CONFIG})
    } catch {
      continue
    }
    return {time: rs.created ? seconds(rs.created) : 0, reason: REVOCATION_REASON[flag] ?? `reason ${flag}`, comment: rs.reasonForRevocationString || null}
  }
  return null
}
