/**
 * The protection policy codec (docs/signing.md, "Policy format"): who owns the policy, who may sign
 * commits on which branches, and the rules per branch pattern. A policy is a canonical JSON
 * document, versioned (`format`) and hash-chained (`seq`, `prev`); its id is the BLAKE3 of its
 * encoded bytes, and it is signed by an owner of its predecessor (the first one by one of its own
 * owners). `policyPayload` is the only function that makes the signed bytes: the document without
 * its `signature` field. Decoding is strict: unknown or missing fields, wrong types, unsorted
 * lists and any non-canonical spelling are rejected (the bytes must re-encode identically).
 */
import {BlError, describeJson, printable} from '../errors.js'
import {hashHex, isOid, type Oid} from '../hash.js'

export const POLICY_TYPE = 'bl-policy'
export const POLICY_FORMAT = 1
const MAX_POLICY_BYTES = 1 << 20
const MAX_KEY_BYTES = 64 * 1024
const MAX_LIST = 10_000
const FPR_RE = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/
/** The last second a Date can hold (year 275760): later times cannot be shown or compared as dates. */
const MAX_TIME = 8_640_000_000_000

/** A key trusted to sign commits on the branches matching `branches`, between `validFrom` and `validUntil` (Unix seconds, inclusive; null = open). */
export interface TrustedSigner {
  fingerprint: string
  name: string | null
  branches: string[]
  validFrom: number | null
  validUntil: number | null
}

export interface ProtectionRule {
  /** Branch glob (`main`, `release/*`, `**`): `*` and `?` stop at `/`, `**` does not. */
  pattern: string
  /** When the rule was (re)defined (Unix seconds). */
  since: number
  /**
   * Every branch tip (local and remote-tracking) of the repository where the rule was defined, at
   * that moment: commits reachable from them predate the rule and `bl verify` does not audit them.
   */
  base: Oid[]
  requireSigned: boolean
  noForcePush: boolean
  noDelete: boolean
  linear: boolean
  mergeOnly: boolean
  maxFileSize: number | null
  maxCommitSize: number | null
  messagePattern: string | null
}

export interface PolicyBody {
  seq: number
  /** Id of the predecessor; null for the first version. */
  prev: Oid | null
  time: number
  owners: string[]
  signers: TrustedSigner[]
  rules: ProtectionRule[]
  /** Armored public key of every owner and signer, by fingerprint. */
  keys: Record<string, string>
  /** Fingerprint of the owner key that signed this version. */
  signedBy: string
}

export interface SignedPolicy extends PolicyBody {
  /** Binary detached OpenPGP signature over `policyPayload(body)`. */
  signature: Uint8Array
}

export function badPolicy(detail: string): BlError {
  return new BlError('BAD_POLICY', `malformed protection policy: ${detail}`, {hint: 'It was not written by bl; it is ignored.', data: {detail}})
}

/** JSON with object keys sorted (code-unit order) at every level and no whitespace. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']'
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return '{' + Object.keys(o).sort().map((k) => JSON.stringify(k) + ':' + canonical(o[k])).join(',') + '}'
  }
  if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`policy numbers are integers, got ${v}`)
  return JSON.stringify(v)
}

function bodyObject(p: PolicyBody): Record<string, unknown> {
  return {
    type: POLICY_TYPE,
    format: POLICY_FORMAT,
    seq: p.seq,
    prev: p.prev,
    time: p.time,
    owners: p.owners,
    signers: p.signers.map((s) => ({fingerprint: s.fingerprint, name: s.name, branches: s.branches, validFrom: s.validFrom, validUntil: s.validUntil})),
    rules: p.rules.map((r) => ({
      pattern: r.pattern,
      since: r.since,
      base: r.base,
      requireSigned: r.requireSigned,
      noForcePush: r.noForcePush,
      noDelete: r.noDelete,
      linear: r.linear,
      mergeOnly: r.mergeOnly,
      maxFileSize: r.maxFileSize,
      maxCommitSize: r.maxCommitSize,
      messagePattern: r.messagePattern,
    })),
    keys: p.keys,
    signedBy: p.signedBy,
  }
}

/** The bytes an owner signs: the canonical document without `signature`. */
export function policyPayload(p: PolicyBody): Buffer {
  return Buffer.from(canonical(bodyObject(p)), 'utf8')
}

export function encodePolicy(p: SignedPolicy): Buffer {
  return Buffer.from(canonical({...bodyObject(p), signature: Buffer.from(p.signature).toString('base64')}), 'utf8')
}

/** A policy's id: the BLAKE3 of its encoded bytes (signature included). */
export function policyId(encoded: Uint8Array): Oid {
  return hashHex(encoded)
}

// ---- strict decoding ------------------------------------------------------------------------------

type Obj = Record<string, unknown>

function obj(v: unknown, what: string, keys: string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badPolicy(`${what} is not an object`)
  const have = Object.keys(v).sort()
  const want = [...keys].sort()
  if (have.join(',') !== want.join(',')) throw badPolicy(`${what} has fields [${printable(have.join(', '))}], expected [${want.join(', ')}]`)
  return v as Obj
}

function int(v: unknown, what: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw badPolicy(`${what} is not an integer >= ${min}`)
  return v
}

function intOrNull(v: unknown, what: string, min = 0): number | null {
  return v === null ? null : int(v, what, min)
}

/** Unix seconds that a Date can represent. */
function time(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > MAX_TIME) throw badPolicy(`${what} is not a time (Unix seconds up to ${MAX_TIME})`)
  return v
}

function timeOrNull(v: unknown, what: string): number | null {
  return v === null ? null : time(v, what)
}

function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw badPolicy(`${what} is not a boolean`)
  return v
}

function str(v: unknown, what: string, max = 1024): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max || /[\u0000-\u001f\u007f]/.test(v.replace(/\r?\n/g, ''))) throw badPolicy(`${what} is not a valid string`)
  return v
}

function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v) || v.length > MAX_LIST) throw badPolicy(`${what} is not a list`)
  return v
}

function sortedUnique(xs: string[], what: string): void {
  for (let i = 1; i < xs.length; i++) if (!(xs[i - 1]! < xs[i]!)) throw badPolicy(`${what} is not sorted and unique`)
}

function fpr(v: unknown, what: string): string {
  if (typeof v !== 'string' || !FPR_RE.test(v)) throw badPolicy(`${what} is not a lowercase hex fingerprint`)
  return v
}

/** Problems with a branch glob, or null. */
export function globProblem(g: string): string | null {
  if (g.length === 0 || g.length > 256) return 'empty or longer than 256 characters'
  if (/[\s\u0000-\u001f\u007f~^:\\[\]]/.test(g)) return 'contains a space, control character or one of ~^:\\[]'
  if (g.startsWith('/') || g.endsWith('/') || g.includes('//')) return 'has an empty path component'
  if (g.startsWith('refs/')) return 'names a full ref; give the branch name (main, release/*)'
  return null
}

export function messagePatternProblem(p: string): string | null {
  if (p.length === 0 || p.length > 1000) return 'empty or longer than 1000 characters'
  try {
    new RegExp(p, 'u')
    return null
  } catch (e) {
    return (e as Error).message
  }
}

function glob(v: unknown, what: string): string {
  const g = str(v, what, 256)
  const p = globProblem(g)
  if (p) throw badPolicy(`${what} ${JSON.stringify(g)}: ${p}`)
  return g
}

const SIGNER_FIELDS = ['fingerprint', 'name', 'branches', 'validFrom', 'validUntil']
const RULE_FIELDS = ['pattern', 'since', 'base', 'requireSigned', 'noForcePush', 'noDelete', 'linear', 'mergeOnly', 'maxFileSize', 'maxCommitSize', 'messagePattern']
const POLICY_FIELDS = ['type', 'format', 'seq', 'prev', 'time', 'owners', 'signers', 'rules', 'keys', 'signedBy', 'signature']

/** Checks the invariants every policy keeps (also used before signing a new version). */
export function validateBody(p: PolicyBody): void {
  if (p.owners.length === 0) throw badPolicy('no owners')
  sortedUnique(p.owners, 'owners')
  sortedUnique(p.signers.map((s) => s.fingerprint), 'signers')
  sortedUnique(p.rules.map((r) => r.pattern), 'rules')
  if ((p.seq === 1) !== (p.prev === null)) throw badPolicy('seq 1 and only seq 1 has no predecessor')
  const needed = [...new Set([...p.owners, ...p.signers.map((s) => s.fingerprint)])].sort()
  if (Object.keys(p.keys).sort().join(',') !== needed.join(',')) throw badPolicy('keys must hold exactly the owners\' and signers\' public keys')
  for (const s of p.signers) if (s.validFrom !== null && s.validUntil !== null && s.validFrom > s.validUntil) throw badPolicy(`signer ${s.fingerprint}: validFrom is after validUntil`)
  for (const r of p.rules) if (r.linear && r.mergeOnly) throw badPolicy(`rule ${r.pattern}: linear and merge-only exclude each other`)
}

export function decodePolicy(bytes: Uint8Array): SignedPolicy {
  if (bytes.length > MAX_POLICY_BYTES) throw badPolicy('larger than 1 MiB')
  let text: string
  let j: unknown
  try {
    text = new TextDecoder('utf-8', {fatal: true}).decode(bytes)
    j = JSON.parse(text)
  } catch {
    throw badPolicy('not UTF-8 JSON')
  }
  const o = obj(j, 'the policy', POLICY_FIELDS)
  if (o.type !== POLICY_TYPE) throw badPolicy(`type is not "${POLICY_TYPE}"`)
  if (o.format !== POLICY_FORMAT) throw new BlError('UNSUPPORTED_FORMAT', `protection policy format ${describeJson(o.format)} is not supported by this bl (knows ${POLICY_FORMAT})`, {hint: 'Upgrade bl.'})
  const seq = int(o.seq, 'seq', 1)
  if (o.prev !== null && (typeof o.prev !== 'string' || !isOid(o.prev))) throw badPolicy('prev is not a policy id')
  const owners = arr(o.owners, 'owners').map((x, i) => fpr(x, `owners[${i}]`))
  const signers: TrustedSigner[] = arr(o.signers, 'signers').map((x, i) => {
    const s = obj(x, `signers[${i}]`, SIGNER_FIELDS)
    const branches = arr(s.branches, `signers[${i}].branches`).map((b, k) => glob(b, `signers[${i}].branches[${k}]`))
    if (branches.length === 0) throw badPolicy(`signers[${i}] has no branches`)
    sortedUnique(branches, `signers[${i}].branches`)
    return {fingerprint: fpr(s.fingerprint, `signers[${i}].fingerprint`), name: s.name === null ? null : str(s.name, `signers[${i}].name`), branches, validFrom: timeOrNull(s.validFrom, `signers[${i}].validFrom`), validUntil: timeOrNull(s.validUntil, `signers[${i}].validUntil`)}
  })
  const rules: ProtectionRule[] = arr(o.rules, 'rules').map((x, i) => {
    const r = obj(x, `rules[${i}]`, RULE_FIELDS)
    const base = arr(r.base, `rules[${i}].base`).map((b) => {
      if (typeof b !== 'string' || !isOid(b)) throw badPolicy(`rules[${i}].base holds a non-id`)
      return b as Oid
    })
    sortedUnique(base, `rules[${i}].base`)
    let messagePattern: string | null = null
    if (r.messagePattern !== null) {
      messagePattern = str(r.messagePattern, `rules[${i}].messagePattern`, 1000)
      const p = messagePatternProblem(messagePattern)
      if (p) throw badPolicy(`rules[${i}].messagePattern: ${printable(p)}`)
    }
    return {
      pattern: glob(r.pattern, `rules[${i}].pattern`),
      since: time(r.since, `rules[${i}].since`),
      base,
      requireSigned: bool(r.requireSigned, `rules[${i}].requireSigned`),
      noForcePush: bool(r.noForcePush, `rules[${i}].noForcePush`),
      noDelete: bool(r.noDelete, `rules[${i}].noDelete`),
      linear: bool(r.linear, `rules[${i}].linear`),
      mergeOnly: bool(r.mergeOnly, `rules[${i}].mergeOnly`),
      maxFileSize: intOrNull(r.maxFileSize, `rules[${i}].maxFileSize`, 1),
      maxCommitSize: intOrNull(r.maxCommitSize, `rules[${i}].maxCommitSize`, 1),
      messagePattern,
    }
  })
  if (typeof o.keys !== 'object' || o.keys === null || Array.isArray(o.keys)) throw badPolicy('keys is not an object')
  const keys: Record<string, string> = {}
  for (const [k, v] of Object.entries(o.keys as Obj)) {
    fpr(k, 'a key fingerprint')
    if (typeof v !== 'string' || v.length > MAX_KEY_BYTES || !v.startsWith('-----BEGIN PGP PUBLIC KEY BLOCK-----')) throw badPolicy(`keys.${k} is not an armored public key`)
    keys[k] = v
  }
  if (typeof o.signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(o.signature)) throw badPolicy('signature is missing or not base64')
  const p: SignedPolicy = {seq, prev: o.prev as Oid | null, time: time(o.time, 'time'), owners, signers, rules, keys, signedBy: fpr(o.signedBy, 'signedBy'), signature: Buffer.from(o.signature, 'base64')}
  validateBody(p)
  if (!encodePolicy(p).equals(Buffer.from(bytes))) throw badPolicy('not in canonical form')
  return p
}

const LINE_BREAKS = new Set(['\n', '\r', '\u2028', '\u2029'])

/**
 * `*` and `?` match within one path component, `**` across components (but not line breaks).
 * Simulates the glob as a small automaton, in O(pattern x branch) time: a regex built from
 * `**a**a**a...` backtracks exponentially, and patterns come from a shared policy.
 */
export function globMatches(pattern: string, branch: string): boolean {
  const toks: string[] = []
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '*' && pattern[i + 1] === '*') {
      toks.push('**')
      i++
    } else toks.push(pattern[i]!)
  }
  const star = (t: string): boolean => t === '*' || t === '**'
  const accepts = (t: string, c: string): boolean => (t === '*' || t === '?' ? c !== '/' : t === '**' ? !LINE_BREAKS.has(c) : t === c)
  // A state is the index of the next token; a star may also match nothing, so reaching it reaches the next one too.
  const enter = (set: Uint8Array, i: number): void => {
    while (!set[i]) {
      set[i] = 1
      if (i === toks.length || !star(toks[i]!)) return
      i++
    }
  }
  let cur = new Uint8Array(toks.length + 1)
  enter(cur, 0)
  for (const c of branch.split('')) {
    const next = new Uint8Array(toks.length + 1)
    for (let i = 0; i < toks.length; i++) if (cur[i] && accepts(toks[i]!, c)) enter(next, star(toks[i]!) ? i : i + 1)
    cur = next
  }
  return cur[toks.length] === 1
}
