/**
 * GETs straight into a caller's buffer over keep-alive sockets that read into one reused buffer
 * each (the `onread` option of node:net and node:tls), for the hot path of fetch and clone: ranged
 * reads of packs. Node's HTTP client hands every 64 KiB that arrives to JavaScript as a new
 * Buffer; a GiB of them is ~16,000 allocations of memory outside the V8 heap, and V8 answers that
 * pressure with a full garbage collection every few tens of MB: ~1.2 s of CPU per GiB on this
 * machine, while the S3 server competes for the same cores (docs/decisions.md, "Remotes").
 *
 * The request is built and signed by the AWS SDK (s3-transport.ts) and only sent here. Anything but
 * a plain answer of the expected length and range — another status, chunked framing, a cut or
 * silent connection — comes back as a status or a rejection, and the caller asks the SDK again,
 * which retries and turns errors into messages. So this path can only make a read faster, never change what it returns.
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

/**
 * What a read came to: the body, or the status of an answer this path does not take (0: not a
 * well-formed plain answer, e.g. chunked framing, a length or range other than asked).
 */
export type RawResult = {body: Buffer} | {status: number}

/** The exchange on one socket: collects the head, then copies the body into `into`. */
interface Exchange {
  want: number
  /** The byte range asked for ([start, end] inclusive, as in the header), or null for a whole object. */
  range: {start: number; end: number} | null
  into: Buffer
  head: Buffer[]
  headLen: number
  /** Bytes of body copied so far; -1 while the head is still arriving. */
  got: number
  /** No byte of the answer has arrived yet. */
  silent: boolean
  done(result: RawResult): void
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

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const FIELD_VALUE = /^[\t\x20-\x7e]*$/
const PATH = /^\/[\x21-\x7e]*$/

/** The request's bytes; undefined for anything that is not plain printable ASCII (the SDK never sends that). */
function requestText(req: SignedGet): string | undefined {
  if (!PATH.test(req.path)) return undefined
  const headers = {...req.headers}
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'host')) headers.host = req.port ? `${req.hostname}:${req.port}` : req.hostname
  let text = `GET ${req.path}${queryString(req.query)} HTTP/1.1\r\n`
  for (const [h, v] of Object.entries(headers)) {
    if (!TOKEN.test(h) || !FIELD_VALUE.test(String(v))) return undefined
    text += `${h}: ${v}\r\n`
  }
  return `${text}\r\n`
}

/** The range header's bytes ([start, end] inclusive); null without one; undefined when it is not a single range. */
function askedRange(headers: Record<string, string>): {start: number; end: number} | null | undefined {
  const name = Object.keys(headers).find((h) => h.toLowerCase() === 'range')
  if (name === undefined) return null
  const m = /^bytes=(\d+)-(\d+)$/.exec(headers[name]!)
  return m ? {start: Number(m[1]), end: Number(m[2])} : undefined
}

/** The address to connect to: an IPv6 literal comes bracketed in a URL's host (`[::1]`). */
export function connectHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1')
}

export class RawGetPool {
  private readonly idle: PooledSocket[] = []
  private closed = false

  /** `connectTimeoutMs` until the connection (and TLS handshake) is up, then `timeoutMs` of silence. */
  constructor(
    private readonly timeoutMs: number,
    private readonly connectTimeoutMs: number,
  ) {}

  /**
   * Sends `req` and copies a 200/206 body of exactly `want` bytes (and, for a range, exactly the
   * range asked) into `into`. Rejects on a network failure or timeout; a kept-alive connection the
   * server closed before answering is retried once on a new one, as Node's own agent does.
   */
  async get(req: SignedGet, want: number, into: Buffer): Promise<RawResult> {
    const text = requestText(req)
    const range = askedRange(req.headers)
    if (text === undefined || range === undefined || want > into.length) return {status: 0}
    const tlsOn = req.protocol === 'https:'
    const host = connectHost(req.hostname)
    const port = req.port ?? (tlsOn ? 443 : 80)
    const key = `${tlsOn ? 'https' : 'http'}://${req.hostname}:${port}`
    for (let attempt = 1; ; attempt++) {
      const reused = this.take(key)
      const ps = reused ?? this.connect(key, host, port, tlsOn)
      try {
        return await this.exchange(ps, text, want, range, into)
      } catch (err) {
        if (!(reused && attempt === 1 && (err as {silent?: boolean}).silent)) throw err
      }
    }
  }

  close(): void {
    this.closed = true
    for (const ps of this.idle.splice(0)) ps.socket.destroy()
  }

  private exchange(ps: PooledSocket, text: string, want: number, range: Exchange['range'], into: Buffer): Promise<RawResult> {
    return new Promise<RawResult>((resolve, reject) => {
      let settled = false
      const finish = (): void => {
        settled = true
        ps.exchange = null
      }
      ps.exchange = {
        want,
        range,
        into,
        head: [],
        headLen: 0,
        got: -1,
        silent: true,
        done: (result) => {
          if (settled) return
          finish()
          if ('body' in result && ps.reusable && !ps.socket.destroyed) this.release(ps)
          else ps.socket.destroy()
          resolve(result)
        },
        fail: (err) => {
          if (settled) return
          const silent = ps.exchange?.silent ?? false
          finish()
          ps.socket.destroy()
          reject(Object.assign(err, {silent}))
        },
      }
      ps.socket.write(text)
    })
  }

  private take(key: string): PooledSocket | undefined {
    const i = this.idle.findIndex((p) => p.key === key)
    if (i < 0) return undefined
    const ps = this.idle.splice(i, 1)[0]!
    ps.socket.ref()
    return ps
  }

  /** Idle sockets don't keep the process alive (like Node's agent). */
  private release(ps: PooledSocket): void {
    if (this.closed || this.idle.length >= MAX_IDLE) return void ps.socket.destroy()
    ps.socket.unref()
    this.idle.push(ps)
  }

  private connect(key: string, host: string, port: number, tlsOn: boolean): PooledSocket {
    const onread = {buffer: Buffer.allocUnsafe(READ_BUFFER), callback: (n: number, buf: Uint8Array): boolean => this.received(ps, buf.subarray(0, n))}
    const socket = tlsOn
      ? tls.connect({host, port, servername: net.isIP(host) ? undefined : host, onread} as tls.ConnectionOptions)
      : net.connect({host, port, onread} as net.NetConnectOpts)
    const ps: PooledSocket = {socket, key, exchange: null, reusable: true}
    socket.setNoDelay(true)
    socket.setTimeout(this.connectTimeoutMs, () => socket.destroy(new Error(`no connection within ${this.connectTimeoutMs} ms`)))
    socket.once(tlsOn ? 'secureConnect' : 'connect', () => socket.setTimeout(this.timeoutMs, () => socket.destroy(new Error(`no answer for ${this.timeoutMs} ms`))))
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
    ex.silent = false
    if (ex.got >= 0) return this.body(ex, bytes)
    ex.head.push(Buffer.from(bytes))
    ex.headLen += bytes.length
    const all = ex.head.length === 1 ? ex.head[0]! : Buffer.concat(ex.head)
    const end = all.indexOf('\r\n\r\n')
    if (end < 0) {
      if (ex.headLen > MAX_HEAD) ex.done({status: 0})
      return true
    }
    const head = parseHead(all.toString('latin1', 0, end))
    ps.reusable = head.keepAlive
    if (!plainAnswer(head, ex)) {
      ex.done({status: head.status >= 200 && head.status < 300 ? 0 : head.status})
      return true
    }
    ex.got = 0
    return this.body(ex, all.subarray(end + 4))
  }

  /** Copies body bytes; finishes the exchange once `want` bytes are in. */
  private body(ex: Exchange, bytes: Uint8Array): boolean {
    if (ex.got + bytes.length > ex.want) {
      ex.done({status: 0})
      return true
    }
    ex.into.set(bytes, ex.got)
    ex.got += bytes.length
    if (ex.got === ex.want) ex.done({body: ex.into.subarray(0, ex.want)})
    return true
  }
}

/** A 206 of exactly the range asked, or a 200 of the whole object (or of a range from 0 that covers it), framed by Content-Length. */
function plainAnswer(head: ResponseHead, ex: Exchange): boolean {
  if (head.chunked || head.length !== ex.want) return false
  if (head.status === 206) {
    const r = ex.range
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(head.contentRange ?? '')
    return r !== null && m !== null && Number(m[1]) === r.start && Number(m[2]) === r.end
  }
  return head.status === 200 && (ex.range === null || ex.range.start === 0)
}

interface ResponseHead {
  status: number
  /** Content-Length; NaN when malformed or given twice with different values. */
  length: number | undefined
  chunked: boolean
  keepAlive: boolean
  contentRange?: string
}

/** Status, framing, keep-alive and Content-Range of an HTTP/1.1 response head. */
export function parseHead(head: string): ResponseHead {
  const lines = head.split('\r\n')
  const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '')
  if (!m) return {status: 0, length: undefined, chunked: false, keepAlive: false}
  const out: ResponseHead = {status: Number(m[2]), length: undefined, chunked: false, keepAlive: m[1] === '1'}
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':')
    if (c < 0) continue
    const name = line.slice(0, c).trim().toLowerCase()
    const value = line.slice(c + 1).trim()
    if (name === 'content-length') {
      const n = /^\d+$/.test(value) ? Number(value) : NaN
      out.length = out.length === undefined || out.length === n ? n : NaN
    } else if (name === 'transfer-encoding') out.chunked = !/^identity$/i.test(value)
    else if (name === 'connection') out.keepAlive = /keep-alive/i.test(value) || (out.keepAlive && !/close/i.test(value))
    else if (name === 'content-range') out.contentRange = value
  }
  return out
}
