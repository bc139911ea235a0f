/**
 * Commits. Layout (docs/format/objects.md): 'C' 0x01 tree parents author committer message
 * metadata signature-flag [signature]. The signed payload is the encoding with the flag 0 and no
 * signature: `commitPayload` is the only function that makes it.
 */
import {hashHex, type Oid} from '../hash.js'
import {Reader, Writer, corrupt} from './bytes.js'

export interface Signature {
  name: string
  email: string
  /** Seconds since the Unix epoch. */
  time: number
  /** Minutes east of UTC. */
  tz: number
}

export interface Commit {
  tree: Oid
  parents: Oid[]
  author: Signature
  committer: Signature
  message: string
  /** Sorted by key when encoded; e.g. `git.commit`, `git.dirty`. */
  meta: Record<string, string>
  /** Binary detached OpenPGP signature over `commitPayload(commit)`. */
  signature?: Uint8Array
}

export const COMMIT_TAG = 0x43 // 'C'
const VERSION = 1
const MAX_MESSAGE = 1 << 20
const MAX_FIELD = 4096
const MAX_META = 256
/** Metadata keys: plain dotted identifiers (this also keeps `__proto__` and friends out). */
const META_KEY_RE = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$/

export function metaKeyProblem(key: string): string | null {
  return META_KEY_RE.test(key) && key.length <= 128 ? null : `invalid metadata key ${JSON.stringify(key.slice(0, 40))}: use lowercase dotted names like git.commit`
}

function writeSig(w: Writer, s: Signature): void {
  w.str(s.name).str(s.email).svar(s.time).svar(s.tz)
}

function readSig(r: Reader): Signature {
  const name = r.str(MAX_FIELD)
  const email = r.str(MAX_FIELD)
  const time = r.svar()
  const tz = r.svar()
  if (tz < -24 * 60 || tz > 24 * 60) throw corrupt('commit', 'time zone offset out of range')
  return {name, email, time, tz}
}

function encode(c: Commit, withSignature: boolean): Buffer {
  const w = new Writer(256 + c.message.length)
  w.u8(COMMIT_TAG).u8(VERSION).id(c.tree).uvar(c.parents.length)
  for (const p of c.parents) w.id(p)
  writeSig(w, c.author)
  writeSig(w, c.committer)
  w.str(c.message)
  const keys = Object.keys(c.meta).sort()
  for (const k of keys) {
    const problem = metaKeyProblem(k)
    if (problem) throw new RangeError(problem)
  }
  w.uvar(keys.length)
  for (const k of keys) w.str(k).str(c.meta[k]!)
  if (withSignature && c.signature) w.u8(1).bytes(c.signature)
  else w.u8(0)
  return w.finish()
}

export function encodeCommit(c: Commit): Buffer {
  return encode(c, true)
}

/** The bytes a signature covers: the commit without its signature. */
export function commitPayload(c: Commit): Buffer {
  return encode(c, false)
}

export function commitId(c: Commit): Oid {
  return hashHex(encodeCommit(c))
}

export function decodeCommit(bytes: Uint8Array): Commit {
  const r = new Reader(bytes, 'commit')
  if (r.u8() !== COMMIT_TAG) throw corrupt('commit', 'wrong type tag')
  if (r.u8() !== VERSION) throw corrupt('commit', 'unsupported version')
  const tree = r.id() as Oid
  const np = r.uvar()
  if (np > 64) throw corrupt('commit', 'too many parents')
  const parents: Oid[] = []
  for (let i = 0; i < np; i++) parents.push(r.id() as Oid)
  const author = readSig(r)
  const committer = readSig(r)
  const message = r.str(MAX_MESSAGE)
  const nm = r.uvar()
  if (nm > MAX_META) throw corrupt('commit', 'too many metadata entries')
  const meta: Record<string, string> = {}
  let prev: string | null = null
  for (let i = 0; i < nm; i++) {
    const k = r.str(MAX_FIELD)
    const problem = metaKeyProblem(k)
    if (problem) throw corrupt('commit', problem)
    if (prev !== null && !(prev < k)) throw corrupt('commit', 'metadata keys not strictly sorted')
    prev = k
    meta[k] = r.str(MAX_FIELD)
  }
  const flag = r.u8()
  const commit: Commit = {tree, parents, author, committer, message, meta}
  if (flag === 1) commit.signature = r.bytes(64 * 1024)
  else if (flag !== 0) throw corrupt('commit', 'invalid signature flag')
  r.end()
  return commit
}
