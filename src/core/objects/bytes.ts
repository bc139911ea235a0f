/**
 * Canonical binary primitives shared by every codec: unsigned LEB128 varints (minimal form only),
 * zigzag signed varints, length-prefixed byte strings and raw 32-byte ids. The Reader is strict:
 * any overrun, non-minimal varint or trailing byte is a CORRUPT_OBJECT error, never a crash.
 */
import {isUtf8} from 'node:buffer'
import {BlError} from '../errors.js'

const MAX_SAFE = Number.MAX_SAFE_INTEGER

export class Writer {
  private buf: Buffer
  private len = 0

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial)
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return
    let cap = this.buf.length * 2
    while (cap < this.len + n) cap *= 2
    const next = Buffer.allocUnsafe(cap)
    this.buf.copy(next, 0, 0, this.len)
    this.buf = next
  }

  u8(v: number): this {
    this.ensure(1)
    this.buf[this.len++] = v
    return this
  }

  uvar(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`uvar out of range: ${v}`)
    this.ensure(10)
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    this.buf[this.len++] = v
    return this
  }

  svar(v: number): this {
    if (!Number.isSafeInteger(v)) throw new RangeError(`svar out of range: ${v}`)
    return this.uvar(v < 0 ? -2 * v - 1 : 2 * v)
  }

  bytes(b: Uint8Array): this {
    this.uvar(b.length)
    return this.raw(b)
  }

  str(s: string): this {
    return this.bytes(Buffer.from(s, 'utf8'))
  }

  raw(b: Uint8Array): this {
    this.ensure(b.length)
    this.buf.set(b, this.len)
    this.len += b.length
    return this
  }

  id(hex: string): this {
    this.ensure(32)
    this.buf.write(hex, this.len, 32, 'hex')
    this.len += 32
    return this
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.len)
  }
}

export function corrupt(what: string, detail: string): BlError {
  return new BlError('CORRUPT_OBJECT', `corrupt ${what}: ${detail}`, {hint: 'Run `bl fsck` to find damaged objects.'})
}

export class Reader {
  private pos = 0

  constructor(private readonly buf: Uint8Array, private readonly what: string) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw corrupt(this.what, 'truncated')
  }

  u8(): number {
    this.need(1)
    return this.buf[this.pos++]!
  }

  uvar(): number {
    let result = 0
    let scale = 1
    for (let i = 0; ; i++) {
      if (i >= 8) throw corrupt(this.what, 'varint too long')
      const b = this.u8()
      result += (b & 0x7f) * scale
      if (result > MAX_SAFE) throw corrupt(this.what, 'varint out of range')
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw corrupt(this.what, 'non-minimal varint')
        return result
      }
      scale *= 0x80
    }
  }

  svar(): number {
    const z = this.uvar()
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2
  }

  /** A length-prefixed byte string of at most `max` bytes. */
  bytes(max: number): Uint8Array {
    const n = this.uvar()
    if (n > max) throw corrupt(this.what, `field of ${n} bytes exceeds the limit of ${max}`)
    this.need(n)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** A length-prefixed string that must be valid UTF-8. */
  str(max: number): string {
    const b = this.bytes(max)
    const buf = Buffer.from(b.buffer, b.byteOffset, b.length)
    // Validating first (no re-encode and compare) keeps decoding thousands of commits cheap.
    if (!isUtf8(buf)) throw corrupt(this.what, 'string is not valid UTF-8')
    return buf.toString('utf8')
  }

  id(): string {
    this.need(32)
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, 32).toString('hex')
    this.pos += 32
    return s
  }

  get remaining(): number {
    return this.buf.length - this.pos
  }

  end(): void {
    if (this.pos !== this.buf.length) throw corrupt(this.what, `${this.buf.length - this.pos} trailing bytes`)
  }
}
