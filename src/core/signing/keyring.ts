/**
 * The user's OpenPGP keys: `<userConfigDir>/keys/`, mode 0700, one armored file per key and part,
 * `<fingerprint>.pub.asc` (the public certificate) and `<fingerprint>.sec.asc` (the secret key,
 * as protected as it was imported or generated), each mode 0600 and replaced atomically (temporary
 * file, fsync, rename). Keys never live in a repository. Key ids given by users resolve here.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {Context} from '../context.js'
import {BlError, fsError} from '../errors.js'
import {defaultSigner, type KeyInfo, type KeyMaterial, type Signer} from './signer.js'

export const KEYS_DIR = 'keys'
const PUB = '.pub.asc'
const SEC = '.sec.asc'
const FPR_RE = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/

export interface StoredKey {
  info: KeyInfo
  publicArmored: string
  /** Null when only the public key is held. */
  secretArmored: string | null
}

export interface ImportedKey {
  fingerprint: string
  userIds: string[]
  /** What happened to the public certificate and (if the input had one) the secret key. */
  public: 'new' | 'updated' | 'unchanged'
  secret: 'new' | 'updated' | 'unchanged' | null
}

export class Keyring {
  private loaded: StoredKey[] | undefined

  constructor(
    readonly dir: string,
    readonly signer: Signer,
    private readonly now: () => Date,
  ) {}

  static async open(ctx: Context): Promise<Keyring> {
    return new Keyring(path.join(ctx.userConfigDir, KEYS_DIR), await defaultSigner(), () => ctx.now())
  }

  /**
   * A keyring of just these public certificates, held in memory (e.g. the keys a protection
   * policy carries: commits on a protected branch are judged by them, not by the user's keyring).
   */
  static async fromCertificates(armored: string[], signer: Signer, now: () => Date): Promise<Keyring> {
    const k = new Keyring('', signer, now)
    const keys: StoredKey[] = []
    for (const a of armored) {
      try {
        keys.push({info: await signer.describe(a, now()), publicArmored: a, secretArmored: null})
      } catch (err) {
        throw new BlError('INVALID_KEY', 'a public key in the protection policy is not a readable OpenPGP key', {hint: 'The policy is damaged; an owner should re-add the key.', cause: err})
      }
    }
    k.loaded = keys
    return k
  }

  /** Every key, sorted by primary user id then fingerprint. */
  async list(): Promise<StoredKey[]> {
    if (this.loaded) return this.loaded
    let names: string[]
    try {
      names = fs.readdirSync(this.dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return (this.loaded = [])
      throw fsError(err, this.dir, 'listing')
    }
    const out: StoredKey[] = []
    for (const name of names) {
      if (!name.endsWith(PUB) || !FPR_RE.test(name.slice(0, -PUB.length))) continue
      const fpr = name.slice(0, -PUB.length)
      const publicArmored = this.readFile(fpr + PUB)
      // Deleted by a concurrent `bl key delete` since the directory was listed: not a key any more.
      if (publicArmored === null) continue
      const secretArmored = this.readFile(fpr + SEC)
      let info: KeyInfo
      try {
        info = await this.signer.describe(publicArmored, this.now())
      } catch (err) {
        throw new BlError('INVALID_KEY', `${path.join(this.dir, name)} is not a readable OpenPGP key`, {hint: 'Delete the file, or replace it by importing the key again with `bl key import`.', data: {path: path.join(this.dir, name)}, cause: err})
      }
      out.push({info, publicArmored, secretArmored})
    }
    out.sort((a, b) => (a.info.primaryUserId ?? '').localeCompare(b.info.primaryUserId ?? '') || a.info.fingerprint.localeCompare(b.info.fingerprint))
    return (this.loaded = out)
  }

  /**
   * Resolves a user's key id: a fingerprint (of the key or a subkey), a long key id (16 hex
   * digits), a unique fingerprint prefix (>= 4 hex digits; `0x` and spaces allowed), or an email
   * address (`a@b.org` or `<a@b.org>`) matching a user id. With `secret`, only keys with a secret part.
   */
  async resolve(query: string, opts: {secret?: boolean} = {}): Promise<StoredKey> {
    const keys = (await this.list()).filter((k) => !opts.secret || k.secretArmored !== null)
    const matches = matchKeys(query, keys)
    const what = opts.secret ? 'secret key' : 'key'
    if (matches.length === 0)
      throw new BlError('KEY_NOT_FOUND', `no ${what} matches "${query}"`, {
        hint: opts.secret ? 'List keys with `bl key list` (secret keys show "sec"); generate one with `bl key generate` or import one with `bl key import`.' : 'List keys with `bl key list`; import one with `bl key import <file>`.',
        data: {query},
      })
    if (matches.length > 1)
      throw new BlError('AMBIGUOUS_KEY', `"${query}" matches ${matches.length} ${what}s`, {hint: 'Give more digits of the fingerprint.', data: {query, candidates: matches.map((k) => ({fingerprint: k.info.fingerprint, userId: k.info.primaryUserId}))}})
    return matches[0]!
  }

  /** The key holding the issuer of a signature (by issuer fingerprint when known, else key id), or null. */
  async findIssuer(keyId: string, fingerprint: string | null): Promise<StoredKey | null> {
    for (const k of await this.list()) {
      const all = [{fingerprint: k.info.fingerprint, keyId: k.info.keyId}, ...k.info.subkeys]
      if (all.some((s) => (fingerprint ? s.fingerprint === fingerprint : s.keyId === keyId))) return k
    }
    return null
  }

  /**
   * Imports every key in `input` (merged into what is held: new user ids, self-signatures and
   * revocations are kept) and applies bare revocation certificates to the keys they revoke.
   */
  async import(input: Uint8Array): Promise<{keys: ImportedKey[]; revoked: string[]}> {
    const {keys, revocations} = await this.signer.readKeys(input)
    if (keys.length === 0 && revocations.length === 0) throw new BlError('INVALID_KEY', 'no OpenPGP key found in the input', {hint: 'Pass an armored or binary key export.'})
    const out: ImportedKey[] = []
    for (const k of keys) out.push(await this.store(k))
    const revoked: string[] = []
    for (const rev of revocations) {
      let applied = false
      for (const k of await this.list()) {
        const updated = await this.signer.applyRevocation(k.publicArmored, rev)
        if (updated === null) continue
        this.writeFile(k.info.fingerprint + PUB, updated)
        if (k.secretArmored) this.writeFile(k.info.fingerprint + SEC, await this.signer.merge(k.secretArmored, updated))
        revoked.push(k.info.fingerprint)
        applied = true
        this.loaded = undefined
      }
      if (!applied) throw new BlError('KEY_NOT_FOUND', 'the revocation certificate is for a key that is not in the keyring', {hint: 'Import the public key first, then the revocation certificate.'})
    }
    return {keys: out, revoked}
  }

  /** Adds a key (or merges it into the copy held). */
  async store(k: KeyMaterial): Promise<ImportedKey> {
    const fpr = k.info.fingerprint
    const held = (await this.list()).find((x) => x.info.fingerprint === fpr)
    const pub = held ? await this.signer.merge(held.publicArmored, k.publicArmored) : k.publicArmored
    const pubStatus = !held ? 'new' : pub === held.publicArmored ? 'unchanged' : 'updated'
    let secStatus: ImportedKey['secret'] = null
    let sec = held?.secretArmored ?? null
    if (k.secretArmored) {
      const merged = held?.secretArmored ? await this.signer.merge(held.secretArmored, k.secretArmored) : k.secretArmored
      secStatus = !held?.secretArmored ? 'new' : merged === held.secretArmored ? 'unchanged' : 'updated'
      sec = merged
    }
    // A secret key carries its own copy of the user ids and signatures: keep it as current as the public one.
    if (sec && pubStatus === 'updated') sec = await this.signer.merge(sec, pub)
    if (pubStatus !== 'unchanged') this.writeFile(fpr + PUB, pub)
    if (sec && sec !== held?.secretArmored) this.writeFile(fpr + SEC, sec)
    this.loaded = undefined
    return {fingerprint: fpr, userIds: k.info.userIds, public: pubStatus, secret: secStatus}
  }

  delete(fingerprint: string, opts: {secretOnly?: boolean} = {}): {public: boolean; secret: boolean} {
    const secret = this.removeFile(fingerprint + SEC)
    const pub = opts.secretOnly ? false : this.removeFile(fingerprint + PUB)
    this.loaded = undefined
    return {public: pub, secret}
  }

  filePath(fingerprint: string, part: 'public' | 'secret'): string {
    return path.join(this.dir, fingerprint + (part === 'public' ? PUB : SEC))
  }

  private readFile(name: string): string | null {
    const p = path.join(this.dir, name)
    try {
      return fs.readFileSync(p, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw fsError(err, p, 'reading')
    }
  }

  private ensureDir(): void {
    try {
      fs.mkdirSync(this.dir, {recursive: true, mode: 0o700})
      // mkdir's mode is filtered by the umask, and the directory may predate bl: enforce it.
      if ((fs.statSync(this.dir).mode & 0o777) !== 0o700) fs.chmodSync(this.dir, 0o700)
    } catch (err) {
      throw fsError(err, this.dir, 'creating')
    }
  }

  /** Temporary file (0600) in the same directory, fsync, rename over the target, fsync the directory. */
  private writeFile(name: string, text: string): void {
    this.ensureDir()
    const target = path.join(this.dir, name)
    const tmp = path.join(this.dir, `.${name}.${process.pid}.${Date.now()}.tmp`)
    try {
      const fd = fs.openSync(tmp, 'wx', 0o600)
      try {
        fs.writeFileSync(fd, text)
        fs.fsyncSync(fd)
      } finally {
        fs.closeSync(fd)
      }
      fs.renameSync(tmp, target)
      const dfd = fs.openSync(this.dir, 'r')
      try {
        fs.fsyncSync(dfd)
      } finally {
        fs.closeSync(dfd)
      }
    } catch (err) {
      fs.rmSync(tmp, {force: true})
      throw fsError(err, target, 'writing')
    }
  }

  private removeFile(name: string): boolean {
    const p = path.join(this.dir, name)
    try {
      fs.unlinkSync(p)
      return true
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw fsError(err, p, 'deleting')
    }
  }
}

/** The email of a user id `Name (comment) <a@b.org>`, or the user id itself when it is a bare address. */
function emailOf(userId: string): string | null {
  const m = /<([^<>]+)>\s*$/.exec(userId)
  const e = m ? m[1]! : userId.trim()
  return e.includes('@') ? e.toLowerCase() : null
}

export function matchKeys(query: string, keys: StoredKey[]): StoredKey[] {
  const q = query.trim()
  if (q.includes('@')) {
    const email = q.replace(/^<|>$/g, '').toLowerCase()
    return keys.filter((k) => k.info.userIds.some((u) => emailOf(u) === email))
  }
  const hex = q.replace(/^0x/i, '').replace(/\s+/g, '').toLowerCase()
  if (!/^[0-9a-f]{4,}$/.test(hex))
    throw new BlError('INVALID_ARGUMENT', `"${query}" is not a key id`, {hint: 'Name a key by fingerprint, long key id, a fingerprint prefix of at least 4 hex digits, or email address.', data: {query}})
  const ids = (k: StoredKey): Array<{fingerprint: string; keyId: string}> => [{fingerprint: k.info.fingerprint, keyId: k.info.keyId}, ...k.info.subkeys]
  const exact = keys.filter((k) => ids(k).some((s) => s.fingerprint === hex || s.keyId === hex))
  if (exact.length) return exact
  return keys.filter((k) => k.info.fingerprint.startsWith(hex))
}
