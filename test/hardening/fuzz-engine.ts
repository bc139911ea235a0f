/**
 * A small mutation fuzzer for bl's decoders (issue 9). Every case is derived from (seed, target,
 * case index) alone, so a failure replays on its own:
 *   npm run fuzz -- --seed S --target NAME --case N
 * The rule checked per case: the decoder returns, or throws a BlError with one of the codes the
 * target documents and a one-line message, within SLOW_MS, without any single Buffer allocation
 * out of proportion to its input; and the heap stays bounded over the whole run.
 */
import vm from 'node:vm'
import v8 from 'node:v8'
import {BlError, type ErrorCode} from '../../src/core/errors.ts'

export interface FuzzTarget {
  name: string
  /** The typed errors this decoder documents for malformed input; anything else is a failure. */
  codes: readonly ErrorCode[]
  /** Which structural mutations apply on top of the byte-level ones. */
  format: 'binary' | 'json' | 'text'
  /** Valid encodings made with bl's own encoders, so mutation starts from valid bytes. */
  seeds: Uint8Array[]
  decode(bytes: Uint8Array): unknown
  /** Share of the cases (targets that run OpenPGP are ~100x slower per case). Default 1. */
  weight?: number
  /** Largest single Buffer allocation allowed for an input of `n` bytes (default max(1 MiB, 64 n)). */
  maxAlloc?: (n: number) => number
}

export type FailureKind = 'seed' | 'crash' | 'wrong-code' | 'message' | 'slow' | 'alloc' | 'memory' | 'hang'

export interface Failure {
  target: string
  seed: string
  index: number
  kind: FailureKind
  message: string
  /** The input, base64 (first 4 KiB). */
  input: string
}

export interface TargetReport {
  name: string
  cases: number
  /** Decoded without error (mutations that kept the input valid). */
  accepted: number
  /** Refused with a documented BlError. */
  rejected: number
  failures: Failure[]
  ms: number
  /** Largest heap growth seen after a full GC (bytes above the target's start). */
  heapGrowth: number
}

export const SLOW_MS = 1000
export const HEAP_LIMIT = 256 * 1024 * 1024
const MAX_INPUT = 2 * 1024 * 1024
const MAX_FAILURES = 20

// ---- PRNG -------------------------------------------------------------------------------------

/** sfc32 seeded from a string hash: fast, and the same sequence on every platform. */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(...parts: Array<string | number>) {
    // cyrb128 over the joined parts.
    const str = parts.join('\u0000')
    let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762
    for (let i = 0; i < str.length; i++) {
      const k = str.charCodeAt(i)
      h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
      h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
      h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
      h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
    }
    this.a = Math.imul(h3 ^ (h1 >>> 18), 597399067) >>> 0
    this.b = Math.imul(h4 ^ (h2 >>> 22), 2869860233) >>> 0
    this.c = Math.imul(h1 ^ (h3 >>> 17), 951274213) >>> 0
    this.d = Math.imul(h2 ^ (h4 >>> 19), 2716044179) >>> 0
    for (let i = 0; i < 12; i++) this.u32()
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.u32() % n
  }

  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }

  /** Small sizes mostly, occasionally large ones. */
  size(max: number): number {
    return this.chance(0.8) ? 1 + this.int(Math.min(16, max)) : 1 + this.int(max)
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff
    return b
  }
}

// ---- byte-level mutations -----------------------------------------------------------------------

function uvarBig(v: bigint): Buffer {
  const out: number[] = []
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
  return Buffer.from(out)
}

const u32le = (v: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(v >>> 0)
  return b
}
const f64le = (v: number): Buffer => {
  const b = Buffer.alloc(8)
  b.writeDoubleLE(v)
  return b
}

/** Values that break length checks: 0, sign bits, varints of 2^31..2^64, non-minimal and overlong varints, odd doubles. */
const INTERESTING: Buffer[] = [
  ...[0x00, 0xff, 0x7f, 0x80, 0x01, 0x40, 0xfe].map((b) => Buffer.from([b])),
  ...[127n, 128n, 1n << 20n, (1n << 20n) + 1n, 64n << 20n, (64n << 20n) + 1n, 1n << 31n, 1n << 32n, 1n << 40n, (1n << 53n) - 1n, 1n << 53n, (1n << 64n) - 1n].map(uvarBig),
  Buffer.from([0x80, 0x00]),
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
  Buffer.from([0xff, 0xff]),
  u32le(0xffffffff),
  u32le(0x7fffffff),
  u32le(0x80000000),
  Buffer.from([0x80, 0x00, 0x00, 0x00]),
  f64le(NaN),
  f64le(Infinity),
  f64le(-0),
  f64le(2 ** 53),
  f64le(-1),
]

type ByteMutator = (b: Buffer, r: Rng, seeds: readonly Uint8Array[]) => Buffer

const pos = (b: Buffer, r: Rng): number => r.int(b.length + 1)

const BYTE_MUTATORS: ByteMutator[] = [
  // bit flips
  (b, r) => {
    if (!b.length) return b
    const out = Buffer.from(b)
    for (let n = r.size(8); n > 0; n--) {
      const i = r.int(out.length)
      out[i]! ^= 1 << r.int(8)
    }
    return out
  },
  // random byte values
  (b, r) => {
    if (!b.length) return b
    const out = Buffer.from(b)
    for (let n = r.size(4); n > 0; n--) out[r.int(out.length)] = r.u32() & 0xff
    return out
  },
  // insert random bytes
  (b, r) => {
    const p = pos(b, r)
    return Buffer.concat([b.subarray(0, p), r.bytes(r.size(64)), b.subarray(p)])
  },
  // delete a range
  (b, r) => {
    const p = r.int(b.length)
    return Buffer.concat([b.subarray(0, p), b.subarray(p + r.size(64))])
  },
  // duplicate a range somewhere else
  (b, r) => {
    if (!b.length) return b
    const from = r.int(b.length)
    const piece = b.subarray(from, from + r.size(256))
    const p = pos(b, r)
    return Buffer.concat([b.subarray(0, p), piece, b.subarray(p)])
  },
  // truncate
  (b, r) => b.subarray(0, r.int(b.length + 1)),
  // splice two seeds: the head of one, the tail of another
  (b, r, seeds) => {
    const other = Buffer.from(r.pick(seeds))
    return Buffer.concat([b.subarray(0, pos(b, r)), other.subarray(r.int(other.length + 1))])
  },
  // overwrite with an interesting value
  (b, r) => {
    const v = r.pick(INTERESTING)
    const p = r.int(Math.max(1, b.length - v.length + 1))
    const out = Buffer.concat([b.subarray(0, p), v, b.subarray(p + v.length)])
    return out
  },
  // insert an interesting value (a huge length field in front of real data)
  (b, r) => {
    const p = pos(b, r)
    return Buffer.concat([b.subarray(0, p), r.pick(INTERESTING), b.subarray(p)])
  },
]

function randomInput(r: Rng, seeds: readonly Uint8Array[]): Buffer {
  // Keep the first bytes of a seed now and then, so tags and magics pass and the body is random.
  const head = r.chance(0.5) ? Buffer.from(r.pick(seeds)).subarray(0, r.int(8)) : Buffer.alloc(0)
  return Buffer.concat([head, r.bytes(r.int(r.chance(0.9) ? 64 : 4096))])
}

// ---- JSON structural mutations ------------------------------------------------------------------

/** A raw JSON fragment spliced in after serialisation (deep nesting can't go through JSON.stringify). */
class Raw {
  constructor(readonly text: string) {}
}

const nest = (open: string, close: string, depth: number, inner = ''): string => open.repeat(depth) + inner + close.repeat(depth)

const ODD_STRINGS = ['', ' ', '\u0000', '\ud800', 'x\udc00', '\ufeff', 'e\u0301', '\u00e9', '\u202e', '\u2028', '\u0085', '😀', '\uffff', '..', '/', '\\', '%00', '\r\n', '\t', '__proto__', 'constructor', '-----BEGIN PGP PUBLIC KEY BLOCK-----']

// Big fragments are built once: strings are immutable, so every case can share them.
const LONG_64K = new Raw(JSON.stringify('a'.repeat(1 << 16)))
const LONG_1M = new Raw(JSON.stringify('a'.repeat((1 << 20) + 1)))
const DEEP_ARRAY = new Raw(nest('[', ']', 10_000))
const DEEP_OBJECT = new Raw(nest('{"a":', '}', 10_000, '1'))
const WIDE_ARRAY = new Raw('[' + '0,'.repeat(100_000) + '0]')

const JSON_VALUES: Array<(r: Rng) => unknown> = [
  () => null,
  () => true,
  () => false,
  () => 0,
  () => -1,
  () => 1.5,
  () => 2 ** 53,
  () => 2 ** 53 - 1,
  () => 8.64e12 + 1,
  () => 1e308,
  () => new Raw('1e400'),
  () => new Raw('-0'),
  () => new Raw('123456789012345678901234567890'),
  () => '',
  () => LONG_64K,
  // Over the policy's 1 MiB limit; costly to make and parse, so rare.
  (r) => (r.chance(0.1) ? LONG_1M : LONG_64K),
  () => [],
  () => ({}),
  () => DEEP_ARRAY,
  () => DEEP_OBJECT,
  () => WIDE_ARRAY,
  () => new Raw('{"toString":1}'),
  () => new Raw('{"valueOf":1,"toString":1}'),
  () => new Raw('{"__proto__":{"polluted":1}}'),
  () => new Raw('{"constructor":{"prototype":{"x":1}}}'),
  () => new Raw('"\\ud800"'),
]

function oddString(r: Rng, s: string): string {
  const odd = r.pick(ODD_STRINGS)
  switch (r.int(5)) {
    case 0:
      return odd
    case 1:
      return s + odd
    case 2:
      return odd + s
    case 3:
      return s.toUpperCase()
    default: {
      const p = r.int(s.length + 1)
      return s.slice(0, p) + odd + s.slice(p + 1)
    }
  }
}

function mutateValue(v: unknown, r: Rng): unknown {
  if (r.chance(0.4)) return r.pick(JSON_VALUES)(r)
  if (typeof v === 'string') return r.chance(0.7) ? oddString(r, v) : Number(v) || v.length
  if (typeof v === 'number') return r.pick([v + 1, v - 1, -v, v * 1024, v + 0.5, String(v), 2 ** 53 + v, Number.MAX_SAFE_INTEGER])
  if (typeof v === 'boolean') return r.pick([!v, String(v), v ? 1 : 0, null])
  if (Array.isArray(v)) {
    const out = [...v]
    switch (r.int(4)) {
      case 0:
        out.splice(r.int(out.length), 1)
        break
      case 1:
        if (out.length) out.splice(r.int(out.length), 0, out[r.int(out.length)])
        break
      case 2:
        out.reverse()
        break
      default:
        out.push(r.pick(JSON_VALUES)(r))
    }
    return out
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {...(v as Record<string, unknown>)}
    const keys = Object.keys(out)
    if (keys.length && r.chance(0.5)) delete out[r.pick(keys)]
    else setOwn(out, r.pick(['extra', '__proto__', 'constructor', keys[0] ?? 'x' + 'X', '']), r.pick(JSON_VALUES)(r))
    return out
  }
  return r.pick(JSON_VALUES)(r)
}

/**
 * Sets an own property, as JSON.parse makes one: `o.__proto__ = v` would instead replace the
 * object's prototype (a Raw fragment as prototype made the object serialise as that fragment's
 * inherited text, and a case crashed the fuzz worker instead of testing the decoder).
 */
function setOwn(o: Record<string | number, unknown>, key: string | number, value: unknown): void {
  Object.defineProperty(o, key, {value, enumerable: true, writable: true, configurable: true})
}

/** Serialises with keys sorted and no spaces (canonical for the policy), splicing Raw fragments. */
function toJson(v: unknown): string {
  if (v instanceof Raw && Object.hasOwn(v, 'text')) return v.text
  if (Array.isArray(v)) return '[' + v.map(toJson).join(',') + ']'
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return '{' + Object.keys(o).sort().map((k) => JSON.stringify(k) + ':' + toJson(o[k])).join(',') + '}'
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v)
  return JSON.stringify(v) ?? 'null'
}

function mutateJson(text: string, r: Rng): string | null {
  let root: unknown
  try {
    root = JSON.parse(text)
  } catch {
    return null
  }
  // Pick one node (seeds are shallow, so a full walk is cheap) and replace it.
  const nodes: Array<{parent: Record<string, unknown> | unknown[] | null; key: string | number}> = [{parent: null, key: 0}]
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || nodes.length > 5000) return
    for (const k of Object.keys(v)) {
      const key = Array.isArray(v) ? Number(k) : k
      nodes.push({parent: v as Record<string, unknown>, key})
      walk((v as Record<string, unknown>)[k])
    }
  }
  walk(root)
  for (let n = r.chance(0.8) ? 1 : 1 + r.int(4); n > 0; n--) {
    const {parent, key} = r.pick(nodes)
    if (parent === null) root = mutateValue(root, r)
    else setOwn(parent as Record<string | number, unknown>, key, mutateValue((parent as Record<string | number, unknown>)[key], r))
  }
  const out = toJson(root)
  return r.chance(0.5) ? out : out + '\n'
}

// ---- text structural mutations ------------------------------------------------------------------

const ODD_LINES = ['', '#', '# comment', ' ', '\r', 'version 1', 'version 2', 'commit ' + 'a'.repeat(64), 'path ..', 'path /etc', 'key', 'key  value', 'x'.repeat(70_000), '\u0000', '\ufeffversion 1']

function mutateText(text: string, r: Rng): string {
  const lines = text.split('\n')
  switch (r.int(7)) {
    case 0: {
      const i = r.int(lines.length)
      lines.splice(i, 0, lines[r.int(lines.length)]!)
      return lines.join('\n')
    }
    case 1:
      lines.splice(r.int(lines.length), 1)
      return lines.join('\n')
    case 2:
      lines.splice(r.int(lines.length + 1), 0, r.pick(ODD_LINES))
      return lines.join('\n')
    case 3:
      return lines.join('\r\n')
    case 4: {
      // Repeat a piece many times: long lines, and the input that makes backtracking regexes blow up.
      const p = r.int(text.length)
      const piece = text.slice(p, p + 1 + r.int(4))
      return text.slice(0, p) + piece.repeat(r.pick([2, 16, 64, 1000, 30_000])) + text.slice(p)
    }
    case 5: {
      const i = r.int(lines.length)
      lines[i] = oddString(r, lines[i]!)
      return lines.join('\n')
    }
    default: {
      const words = text.split(/( |\.|\/)/)
      const i = r.int(words.length)
      words[i] = oddString(r, words[i]!)
      return words.join('')
    }
  }
}

/** The input of case `index` of target `t`: a seed, mutated structurally and/or byte by byte. */
export function makeCase(t: FuzzTarget, seed: string, index: number): Buffer {
  const r = new Rng(seed, t.name, index)
  if (r.chance(0.05)) return randomInput(r, t.seeds)
  const base = Buffer.from(r.pick(t.seeds))
  let b: Buffer = base
  if (t.format !== 'binary' && r.chance(0.6)) {
    const text = base.toString('utf8')
    const m = t.format === 'json' ? mutateJson(text, r) : mutateText(text, r)
    if (m !== null) b = Buffer.from(m, 'utf8')
  }
  if (b === base || r.chance(0.25)) {
    // Mostly one or two mutations; sometimes a havoc stack.
    const n = r.chance(0.8) ? 1 + r.int(2) : 3 + r.int(6)
    for (let i = 0; i < n && b.length <= MAX_INPUT; i++) b = r.pick(BYTE_MUTATORS)(b, r, t.seeds)
  }
  return b.length > MAX_INPUT ? b.subarray(0, MAX_INPUT) : b
}

// ---- checks -------------------------------------------------------------------------------------

/** A full GC on demand, without starting node with --expose-gc. */
let gcFn: (() => void) | undefined
function gc(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc')
    gcFn = vm.runInNewContext('gc') as () => void
  }
  gcFn()
}

function heapNow(): number {
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

/** Records the largest single Buffer allocation while a case runs (decoders must not trust declared sizes). */
class AllocSpy {
  largest = 0
  private readonly originals = {alloc: Buffer.alloc, allocUnsafe: Buffer.allocUnsafe, allocUnsafeSlow: Buffer.allocUnsafeSlow}

  install(): void {
    const spy = this
    const wrap = <F extends (size: number, ...rest: never[]) => Buffer>(f: F): F =>
      function (this: unknown, size: number, ...rest: never[]) {
        if (typeof size === 'number' && size > spy.largest) spy.largest = size
        return f.call(Buffer, size, ...rest)
      } as F
    Buffer.alloc = wrap(this.originals.alloc)
    Buffer.allocUnsafe = wrap(this.originals.allocUnsafe)
    Buffer.allocUnsafeSlow = wrap(this.originals.allocUnsafeSlow)
  }

  uninstall(): void {
    Object.assign(Buffer, this.originals)
  }
}

// C0 controls: line breaks and ESC (terminal escapes). JSON.stringify, which messages use to quote, escapes exactly these.
const CONTROL = /[\u0000-\u001f]/

const defaultMaxAlloc = (n: number): number => Math.max(1 << 20, 64 * n)

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message.slice(0, 300)}${err.stack ? '\n' + err.stack.split('\n').slice(1, 6).join('\n') : ''}`
  return `non-error thrown: ${String(err).slice(0, 300)}`
}

/** Decodes one input and judges it; null when the rule holds. */
export async function checkCase(t: FuzzTarget, input: Buffer, spy?: AllocSpy): Promise<{kind: FailureKind; message: string} | {ok: 'accepted' | 'rejected'}> {
  if (spy) spy.largest = 0
  const start = performance.now()
  let outcome: {kind: FailureKind; message: string} | {ok: 'accepted' | 'rejected'}
  try {
    await t.decode(input)
    outcome = {ok: 'accepted'}
  } catch (err) {
    if (!(err instanceof BlError)) outcome = {kind: 'crash', message: describe(err)}
    else if (!t.codes.includes(err.code)) outcome = {kind: 'wrong-code', message: `BlError ${err.code} (documented: ${t.codes.join(', ')}): ${err.message.slice(0, 300)}`}
    // Messages are one printable line: input quoted raw could break it or carry terminal escapes.
    else if (CONTROL.test(err.message)) outcome = {kind: 'message', message: `BlError ${err.code} with control characters in its message: ${JSON.stringify(err.message.slice(0, 300))}`}
    else outcome = {ok: 'rejected'}
  }
  const ms = performance.now() - start
  if ('ok' in outcome && ms > SLOW_MS) {
    // Timed again: a stall of the machine (CI ran a trivial URL parse in 1.2 s while other suites
    // loaded both cores) is not the decoder's, and a slow input is slow every time.
    const again = performance.now()
    try {
      await t.decode(input)
    } catch {}
    const ms2 = performance.now() - again
    if (ms2 > SLOW_MS) outcome = {kind: 'slow', message: `took ${ms.toFixed(0)} ms, then ${ms2.toFixed(0)} ms (limit ${SLOW_MS} ms)`}
  }
  const limit = (t.maxAlloc ?? defaultMaxAlloc)(input.length)
  if ('ok' in outcome && spy && spy.largest > limit) outcome = {kind: 'alloc', message: `allocated a ${spy.largest}-byte Buffer for a ${input.length}-byte input (limit ${limit})`}
  return outcome
}

export interface RunOptions {
  seed: string
  cases: number
  /** Run only this case (replay). */
  only?: number
  /** Called before each case (the watchdog's heartbeat). */
  onCase?: (index: number) => void
}

/** Runs one target: its seeds must decode, then `cases` mutated inputs must follow the rule. */
export async function runTarget(t: FuzzTarget, opts: RunOptions): Promise<TargetReport> {
  const rep: TargetReport = {name: t.name, cases: 0, accepted: 0, rejected: 0, failures: [], ms: 0, heapGrowth: 0}
  const fail = (index: number, kind: FailureKind, message: string, input: Buffer): void => {
    if (rep.failures.length < MAX_FAILURES) rep.failures.push({target: t.name, seed: opts.seed, index, kind, message, input: input.subarray(0, 4096).toString('base64')})
  }
  // Seeds first (and warm-up: lazy imports and JIT stay out of the per-case timing).
  for (const s of t.seeds) {
    try {
      await t.decode(s)
    } catch (err) {
      fail(-1, 'seed', `a valid seed does not decode: ${describe(err)}`, Buffer.from(s))
    }
  }
  const spy = new AllocSpy()
  gc()
  const base = heapNow()
  const started = performance.now()
  spy.install()
  try {
    const first = opts.only ?? 0
    const end = opts.only === undefined ? opts.cases : opts.only + 1
    for (let i = first; i < end; i++) {
      opts.onCase?.(i)
      const input = makeCase(t, opts.seed, i)
      const res = await checkCase(t, input, spy)
      rep.cases++
      if ('ok' in res) rep[res.ok]++
      else fail(i, res.kind, res.message, input)
      if (i % 2000 === 1999) {
        gc()
        rep.heapGrowth = Math.max(rep.heapGrowth, heapNow() - base)
      }
    }
  } finally {
    spy.uninstall()
  }
  rep.ms = performance.now() - started
  gc()
  rep.heapGrowth = Math.max(rep.heapGrowth, heapNow() - base)
  if (rep.heapGrowth > HEAP_LIMIT) fail(rep.cases, 'memory', `heap grew by ${(rep.heapGrowth / 2 ** 20).toFixed(0)} MiB over the run (limit ${HEAP_LIMIT / 2 ** 20} MiB)`, Buffer.alloc(0))
  return rep
}
