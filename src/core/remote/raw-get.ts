/**
 * GETs straight into a caller's buffer over keep-alive sockets that read into one reused buffer
 * each (the `onread` option of node:net and node:tls), for the hot path of fetch and clone: ranged
 * reads of packs. Node's HTTP client hands every 64 KiB that arrives to JavaScript as a new
 * Buffer; a GiB of them is ~16,000 allocations of memory outside the V8 heap, and V8 answers that
 * pressure with a full garbage collection every few tens of MB: ~1.2 s of CPU per GiB on this
 * machine, while the S3 server competes for the same cores (docs/decisions.md, "Remotes").
 *
 * The request is built and signed by the AWS SDK (s3-transport.ts) and only sent here. Anything but
 * a plain answer of the expected length — another status, chunked framing, a cut or silent
 * connection — returns null or throws, and the caller asks the SDK again, which retries and turns
 * errors into messages. So this path can only make a read faster, never change what it returns.
 */
import net from 'node:net'
import tls from 'node:tls'

/** What the SDK signed: enough to send the same bytes ourselves. */
export interface SignedGet {
  protocol: string
  hostname: string
  port?: number
  path: string
  query: Record<string, string | string[] | null | undefined>
  headers: Record<string, string>
}

/** Each socket's read buffer. */
const READ_BUFFER = 64 * 1024
/** Idle sockets kept per pool (one per request in flight is what fetch needs). */
const MAX_IDLE = 16
/** A status line and headers longer than this are not a plain S3 answer. */
const MAX_HEAD = 64 * 1024

/** The exchange on one socket: collects the head, then copies the body into `into`. */
interface Exchange {
  want: number
  into: Buffer
  head: Buffer[]
  headLen: number
  /** Bytes of body copied so far; -1 while the head is still arriving. */
  got: number
  done(result: Buffer | null): void
  fail(err: Error): void
}

interface PooledSocket {
  socket: net.Socket
  key: string
  exchange: Exchange | null
  /** The last answer allowed another request on this connection. */
  reusable: boolean
}

function escape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function queryString(q: SignedGet['query']): string {
  const parts: string[] = []
  for (const k of Object.keys(q).sort()) {
    const v = q[k]
    if (v === undefined) continue
    if (v === null) parts.push(escape(k))
    else for (const one of Array.isArray(v) ? v : [v]) parts.push(`${escape(k)}=${escape(one)}`)
  }
  return parts.length ? `?${parts.join('&')}` : ''
}

/** The request's bytes; undefined when a header would break the framing. */
function requestText(req: SignedGet): string | undefined {
  const headers = {...req.headers}
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'host')) headers.host = req.port ? `${req.hostname}:${req.port}` : req.hostname
  let text = `GET ${req.path}${queryString(req.query)} HTTP/1.1\r\n`
  for (const [h, v] of Object.entries(headers)) {
    if (/[\r\n]/.test(h) || /[\r\n]/.test(String(v))) return undefined
    text += `${h}: ${v}\r\n`
  }
  return `${text}\r\n`
}

export class RawGetPool {
  private readonly idle: PooledSocket[] = []
  private closed = false

  constructor(private readonly timeoutMs: number) {}

  /**
   * Sends `req` and copies a 200/206 body of exactly `want` bytes into `into`. Null when the answer
   * is anything else (the socket is dropped); rejects on a network failure or timeout.
   */
  get(req: SignedGet, want: number, into: Buffer): Promise<Buffer | null> {
    const text = requestText(req)
    if (text === undefined || want > into.length) return Promise.resolve(null)
    const tlsOn = req.protocol === 'https:'
    const port = req.port ?? (tlsOn ? 443 : 80)
    const key = `${tlsOn ? 'https' : 'http'}://${req.hostname}:${port}`
    return new Promise<Buffer | null>((resolve, reject) => {
      const ps = this.take(key) ?? this.connect(key, req.hostname, port, tlsOn)
      let settled = false
      const finish = (): void => {
        settled = true
        ps.exchange = null
      }
      ps.exchange = {
        want,
        into,
        head: [],
        headLen: 0,
        got: -1,
        done: (result) => {
          if (settled) return
          finish()
          if (result && ps.reusable && !ps.socket.destroyed) this.release(ps)
          else ps.socket.destroy()
          resolve(result)
        },
        fail: (err) => {
          if (settled) return
          finish()
          ps.socket.destroy()
          reject(err)
        },
      }
      ps.socket.write(text)
    })
  }

  close(): void {
    this.closed = true
    for (const ps of this.idle.splice(0)) ps.socket.destroy()
  }

  private take(key: string): PooledSocket | undefined {
    const i = this.idle.findIndex((p) => p.key === key)
    return i < 0 ? undefined : this.idle.splice(i, 1)[0]
  }

  private release(ps: PooledSocket): void {
    if (this.closed || this.idle.length >= MAX_IDLE) return void ps.socket.destroy()
    this.idle.push(ps)
  }

  private connect(key: string, host: string, port: number, tlsOn: boolean): PooledSocket {
    const onread = {buffer: Buffer.allocUnsafe(READ_BUFFER), callback: (n: number, buf: Uint8Array): boolean => this.received(ps, buf.subarray(0, n))}
    const socket = tlsOn
      ? tls.connect({host, port, servername: net.isIP(host) ? undefined : host, onread} as tls.ConnectionOptions)
      : net.connect({host, port, onread} as net.NetConnectOpts)
    const ps: PooledSocket = {socket, key, exchange: null, reusable: true}
    socket.setNoDelay(true)
    socket.setTimeout(this.timeoutMs, () => socket.destroy(new Error(`no answer for ${this.timeoutMs} ms`)))
    const gone = (err?: Error): void => {
      const i = this.idle.indexOf(ps)
      if (i >= 0) this.idle.splice(i, 1)
      ps.exchange?.fail(err ?? new Error('the connection closed before the answer was complete'))
    }
    socket.on('error', gone)
    socket.on('end', () => gone())
    socket.on('close', () => gone())
    return ps
  }

  /** Bytes that arrived on `ps` (valid only during the call: the read buffer is reused). */
  private received(ps: PooledSocket, bytes: Uint8Array): boolean {
    const ex = ps.exchange
    if (!ex) {
      // Bytes nobody asked for on an idle connection: it is out of step.
      ps.socket.destroy()
      return false
    }
    if (ex.got >= 0) return this.body(ex, bytes)
    ex.head.push(Buffer.from(bytes))
    ex.headLen += bytes.length
    const all = ex.head.length === 1 ? ex.head[0]! : Buffer.concat(ex.head)
    const end = all.indexOf('\r\n\r\n')
    if (end < 0) {
      if (ex.headLen > MAX_HEAD) ex.done(null)
      return true
    }
    const head = parseHead(all.toString('latin1', 0, end))
    ps.reusable = head.keepAlive
    if ((head.status !== 206 && head.status !== 200) || head.length !== ex.want || head.chunked) {
      ex.done(null)
      return true
    }
    ex.got = 0
    return this.body(ex, all.subarray(end + 4))
  }

  /** Copies body bytes; finishes the exchange once `want` bytes are in. */
  private body(ex: Exchange, bytes: Uint8Array): boolean {
    if (ex.got + bytes.length > ex.want) {
      ex.done(null)
      return true
    }
    ex.into.set(bytes, ex.got)
    ex.got += bytes.length
    if (ex.got === ex.want) ex.done(ex.into.subarray(0, ex.want))
    return true
  }
}

/** Status, Content-Length, chunked framing and keep-alive of an HTTP/1.1 response head. */
export function parseHead(head: string): {status: number; length: number | undefined; chunked: boolean; keepAlive: boolean} {
  const lines = head.split('\r\n')
  const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '')
  if (!m) return {status: 0, length: undefined, chunked: false, keepAlive: false}
  let length: number | undefined
  let chunked = false
  let keepAlive = m[1] === '1'
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':')
    if (c < 0) continue
    const name = line.slice(0, c).trim().toLowerCase()
    const value = line.slice(c + 1).trim()
    if (name === 'content-length') length = /^\d+$/.test(value) ? Number(value) : NaN
    else if (name === 'transfer-encoding') chunked = !/^identity$/i.test(value)
    else if (name === 'connection') keepAlive = /keep-alive/i.test(value) || (keepAlive && !/close/i.test(value))
  }
  return {status: Number(m[2]), length, chunked, keepAlive}
}
