/**
 * bl key generate | import | export | list | delete, and the choice of the key (and passphrase)
 * that signs a commit. Keys live in the user's config directory (signing/keyring.ts), never in a
 * repository. Passphrases come from BL_KEY_PASSPHRASE or the prompt the command layer passes in.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {Context} from '../context.js'
import {BlError, fsError} from '../errors.js'
import type {Repo} from '../repo.js'
import {Keyring, type ImportedKey, type StoredKey} from '../signing/keyring.js'
import type {KeyInfo, PassphraseProvider} from '../signing/signer.js'

/** Asks the user for a passphrase (hidden input); `confirm` asks twice. Supplied by the CLI on a TTY only. */
export type PassphrasePrompt = (message: string, opts?: {confirm?: boolean}) => Promise<string>

export interface KeyView extends KeyInfo {
  hasSecret: boolean
}

const view = (k: StoredKey): KeyView => ({...k.info, hasSecret: k.secretArmored !== null})

// ---- generate -----------------------------------------------------------------------------------

export interface KeyGenerateOptions {
  name?: string
  email?: string
  /** true = store the secret key unprotected (needs an explicit --no-passphrase). */
  noPassphrase?: boolean
  /** Seconds until the key expires; 0/undefined = never. */
  expiresIn?: number
  prompt?: PassphrasePrompt
}

/**
 * OpenPGP stores a key's lifetime as 32-bit seconds after its creation (RFC 4880 5.2.3.6): a longer
 * one wrapped silently (137y became about 9 months), so it is refused.
 */
export const MAX_KEY_LIFETIME = 0xffff_ffff

export async function keyGenerate(ctx: Context, opts: KeyGenerateOptions): Promise<KeyView> {
  const life = opts.expiresIn ?? 0
  if (!Number.isSafeInteger(life) || life < 0 || life > MAX_KEY_LIFETIME)
    throw new BlError('INVALID_ARGUMENT', `a key lifetime of ${Number.isFinite(life) ? `${Math.floor(life / 86_400)} days` : 'that length'} does not fit OpenPGP's 32-bit expiry time`, {
      hint: `The longest is ${Math.floor(MAX_KEY_LIFETIME / 86_400)}d (136y); or use never.`,
      data: {expiresIn: life, max: MAX_KEY_LIFETIME},
    })
  const name = (opts.name ?? '').trim()
  const email = (opts.email ?? '').trim()
  if (!name || !email) throw new BlError('INVALID_ARGUMENT', `a key needs a ${!name ? 'name' : 'email address'}`, {hint: 'Pass --name "Your Name" --email you@example.com.'})
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(email)) throw new BlError('INVALID_ARGUMENT', `"${email}" is not an email address`, {hint: 'Pass --email you@example.com.'})
  let passphrase: string | null = null
  if (!opts.noPassphrase) {
    const env = ctx.env.BL_KEY_PASSPHRASE
    if (env !== undefined) passphrase = env
    else if (opts.prompt) passphrase = await opts.prompt('Passphrase for the new key: ', {confirm: true})
    else throw passphraseRequired('protect the new key', ' For a key without one (e.g. for CI), pass --no-passphrase.')
    if (passphrase === '') throw new BlError('INVALID_ARGUMENT', 'empty passphrase', {hint: 'Choose a passphrase, or pass --no-passphrase to store the secret key unprotected.'})
  }
  const keyring = await Keyring.open(ctx)
  const material = await keyring.signer.generateKey({name, email, passphrase, expiresIn: opts.expiresIn, date: ctx.now()})
  await keyring.store(material)
  return {...material.info, hasSecret: true}
}

// ---- import / export / list / delete -------------------------------------------------------------

export interface KeyImportResult {
  imported: ImportedKey[]
  /** Keys a bare revocation certificate in the input revoked. */
  revoked: string[]
}

/** Imports the keys in `file` (relative to the working directory) or in `data` (e.g. stdin). */
export async function keyImport(ctx: Context, source: {file: string} | {data: Uint8Array}): Promise<KeyImportResult> {
  let input: Uint8Array
  if ('file' in source) {
    const p = path.resolve(ctx.cwd, source.file)
    try {
      input = fs.readFileSync(p)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlError('PATH_NOT_FOUND', `${source.file}: no such file`, {hint: 'Pass the file with the exported key, or - to read it from stdin.', data: {path: source.file}})
      throw fsError(err, p, 'reading')
    }
  } else input = source.data
  const keyring = await Keyring.open(ctx)
  const {keys, revoked} = await keyring.import(input)
  return {imported: keys, revoked}
}

export interface KeyExportResult {
  fingerprint: string
  secret: boolean
  armored: string
}

export async function keyExport(ctx: Context, id: string, opts: {secret?: boolean} = {}): Promise<KeyExportResult> {
  const keyring = await Keyring.open(ctx)
  const k = await keyring.resolve(id, {secret: opts.secret})
  return {fingerprint: k.info.fingerprint, secret: Boolean(opts.secret), armored: opts.secret ? k.secretArmored! : k.publicArmored}
}

export async function keyList(ctx: Context): Promise<KeyView[]> {
  const keyring = await Keyring.open(ctx)
  return (await keyring.list()).map(view)
}

export interface KeyDeleteResult {
  fingerprint: string
  userIds: string[]
  deletedPublic: boolean
  deletedSecret: boolean
}

/** Deleting a secret key needs `force` (it cannot be undone; `bl key export --secret` first). */
export async function keyDelete(ctx: Context, id: string, opts: {secretOnly?: boolean; force?: boolean} = {}): Promise<KeyDeleteResult> {
  const keyring = await Keyring.open(ctx)
  const k = await keyring.resolve(id, {secret: opts.secretOnly})
  const fpr = k.info.fingerprint
  if (k.secretArmored !== null && !opts.force)
    throw new BlError('KEY_HAS_SECRET', `key ${fpr} has a secret key; deleting it cannot be undone`, {
      hint: `Back it up with \`bl key export ${fpr} --secret > key.asc\`, then run the command again with --force.`,
      data: {fingerprint: fpr},
    })
  const r = keyring.delete(fpr, {secretOnly: opts.secretOnly})
  return {fingerprint: fpr, userIds: k.info.userIds, deletedPublic: r.public, deletedSecret: r.secret}
}

// ---- signing a commit ------------------------------------------------------------------------------

function passphraseRequired(what: string, more = ''): BlError {
  return new BlError('PASSPHRASE_REQUIRED', `a passphrase is needed to ${what}, and there is no terminal to ask it in`, {hint: `Set BL_KEY_PASSPHRASE (e.g. from a CI secret), or run the command in a terminal.${more}`})
}

export interface CommitSigner {
  fingerprint: string
  userId: string | null
  sign(payload: Uint8Array): Promise<Uint8Array>
}

/**
 * Whether `bl commit` signs, and with which key: `sign` (-S / --no-sign) over config
 * `commit.sign`; the key from `key` (--key), else config `user.signingKey`, else the only secret
 * key. Resolved before any work is done, so a missing key or passphrase fails fast.
 */
export async function commitSigner(repo: Repo, opts: {sign?: boolean; key?: string; prompt?: PassphrasePrompt}): Promise<CommitSigner | null> {
  if (opts.sign === false) {
    if (opts.key) throw new BlError('INVALID_ARGUMENT', '--key and --no-sign contradict each other', {hint: 'Drop one of them.'})
    return null
  }
  if (opts.sign === undefined && !opts.key && !configFlag(repo, 'commit.sign')) return null
  const keyring = await Keyring.open(repo.ctx)
  const query = opts.key ?? repo.config('user.signingKey')
  let key: StoredKey
  if (query) key = await keyring.resolve(query, {secret: true})
  else {
    const secrets = (await keyring.list()).filter((k) => k.secretArmored !== null)
    if (secrets.length !== 1)
      throw new BlError('NO_SIGNING_KEY', secrets.length === 0 ? 'no secret key to sign with' : `${secrets.length} secret keys; which one should sign?`, {
        hint: secrets.length === 0 ? 'Create one with `bl key generate --name ... --email ...` or import one with `bl key import <file>`.' : 'Pick one with --key <id> or `bl config user.signingKey <fingerprint>` (`bl key list` shows them).',
        data: {candidates: secrets.map((k) => k.info.fingerprint)},
      })
    key = secrets[0]!
  }
  if (key.info.revoked || !key.info.canSign)
    throw new BlError('KEY_UNUSABLE', `key ${key.info.fingerprint} cannot sign: it is ${key.info.revoked ? 'revoked' : key.info.expires !== null && key.info.expires * 1000 <= repo.nowMs() ? 'expired' : 'not valid for signing'}`, {
      hint: 'Pick another key with --key or `bl config user.signingKey <id>` (`bl key list` shows them).',
      data: {fingerprint: key.info.fingerprint},
    })
  const env = repo.ctx.env.BL_KEY_PASSPHRASE
  const provider: PassphraseProvider = async ({fingerprint, userId, attempt}) => {
    if (env !== undefined) return env
    if (!opts.prompt) throw passphraseRequired(`unlock key ${fingerprint}`)
    return opts.prompt(`${attempt > 1 ? 'Wrong passphrase. ' : ''}Passphrase for ${userId ? `"${userId}" ` : ''}(key ${fingerprint.slice(-16).toUpperCase()}): `)
  }
  const attempts = env !== undefined ? 1 : 3
  const unlocked = await keyring.signer.unlock(key.secretArmored!, {date: repo.now(), passphrase: provider, maxAttempts: attempts}).catch((err: unknown) => {
    // The hint depends on where the passphrase came from, which only this caller knows.
    if (!(err instanceof BlError && err.code === 'BAD_PASSPHRASE')) throw err
    const fpr = key.info.fingerprint
    throw new BlError('BAD_PASSPHRASE', env !== undefined ? `wrong passphrase for key ${fpr} (from BL_KEY_PASSPHRASE)` : `wrong passphrase for key ${fpr} (${attempts} attempts)`, {
      hint: env !== undefined
        ? 'Check BL_KEY_PASSPHRASE, or unset it to be asked in the terminal.'
        : 'Run the command again and type the passphrase the key was protected with; a lost passphrase cannot be recovered (make a new key with `bl key generate`).',
      data: err.data,
      cause: err,
    })
  })
  return {fingerprint: key.info.fingerprint, userId: key.info.primaryUserId, sign: (payload) => unlocked.sign(payload, repo.now())}
}

function configFlag(repo: Repo, key: string): boolean {
  const v = repo.config(key)
  if (v === undefined) return false
  const s = v.trim().toLowerCase()
  if (['true', 'yes', 'on', '1'].includes(s)) return true
  if (['false', 'no', 'off', '0', ''].includes(s)) return false
  throw new BlError('BAD_CONFIG', `${key} is "${v}"; expected true or false`, {hint: `Fix it with \`bl config ${key} true\` (or false).`})
}
