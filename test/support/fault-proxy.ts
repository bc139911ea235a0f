/**
 * A fault-injecting HTTP proxy on a loopback port, placed in front of an S3 endpoint (the test
 * server of s3-server.ts). Clients (the real `bl` binary, through the AWS SDK) talk to `endpoint`
 * path-style exactly as they would to the server; the proxy forwards every request and, on a
 * schedule, breaks some of them the way networks and S3 do:
 *
 * - `reset-before`: the connection is cut as the request arrives (nothing reaches S3).
 * - `reset-mid`: the request reaches S3 (a write commits), the status line, headers and half of the
 *   body go back, then the connection is cut (a truncated download, or a lost write response).
 * - `500`: InternalError, `503`: SlowDown, as S3 XML error documents; nothing reaches S3.
 * - `slow`: the answer is held back `delayMs` (set it below or beyond the client's timeout).
 * - `lost-response`: the request reaches S3 and commits, then the connection is cut without a
 *   single byte of answer: the "committed but the client doesn't know" case.
 *
 * A schedule hits every Nth request that matches its optional method / key pattern, counted from
 * when it was set. Independent proxies can share one server, so test scenarios can run side by side.
 */
import http from 'node:http'
import crypto from 'node:crypto'
import type {AddressInfo} from 'node:net'

export type FaultKind = 'reset-before' | 'reset-mid' | '500' | '503' | 'slow' | 'lost-response'

export interface FaultSchedule {
  kind: FaultKind
  /** Every Nth matching request (N, 2N, ...). */
  every: number
  /** Only requests with this HTTP method. */
  method?: string
  /** Only requests whose object key (without the bucket) matches. */
  key?: RegExp
  /** `slow`: how long the answer is held back. */
  delayMs?: number
}

export interface ProxiedRequest {
  method: string
  key: string
  fault?: FaultKind
  /** Status forwarded to the client; undefined when the connection was cut. */
  status?: number
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: use it where the server's endpoint would go. */
  readonly endpoint: string
  /** Replaces the schedule and restarts its count; `null` forwards everything untouched. */
  set(schedule: FaultSchedule | null): void
  /** Faults injected since the last `set`. */
  readonly injected: number
  readonly log: readonly ProxiedRequest[]
  stop(): Promise<void>
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'te', 'trailer', 'upgrade'])

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const up = new URL(upstream)
  const agent = new http.Agent({keepAlive: true, maxSockets: 64})
  let schedule: FaultSchedule | null = null
  let matched = 0
  let injected = 0
  const log: ProxiedRequest[] = []

  const pick = (method: string, key: string): FaultSchedule | null => {
    const s = schedule
    if (!s || (s.method && s.method !== method) || (s.key && !s.key.test(key))) return null
    if (++matched % s.every !== 0) return null
    injected++
    return s
  }

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET'
    const key = objectKey(req.url ?? '/')
    const entry: ProxiedRequest = {method, key}
    log.push(entry)
    const fault = pick(method, key)
    if (fault) entry.fault = fault.kind
    // A client that gave up (its timeout) or a cut we made must never crash the proxy.
    req.on('error', () => {})
    res.on('error', () => {})
    const cut = (): void => {
      req.socket.destroy()
    }

    if (fault?.kind === 'reset-before') return cut()
    if (fault?.kind === '500' || fault?.kind === '503') {
      // Read the body first: S3 answers a whole request, and an unread body would look like a reset.
      req.resume()
      req.on('end', () => {
        entry.status = Number(fault.kind)
        sendS3Error(res, method, fault.kind === '500' ? 500 : 503, fault.kind === '500' ? 'InternalError' : 'SlowDown', fault.kind === '500' ? 'We encountered an internal error. Please try again.' : 'Please reduce your request rate.')
      })
      return
    }

    const headers: http.OutgoingHttpHeaders = {}
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v
    const out = http.request({host: up.hostname, port: up.port, method, path: req.url, headers, agent}, (answer) => {
      answer.on('error', () => cut())
      if (!fault) {
        entry.status = answer.statusCode
        res.writeHead(answer.statusCode ?? 502, answerHeaders(answer))
        answer.pipe(res)
        return
      }
      // Faults after S3 has answered: take the whole answer first, so a write has committed.
      const chunks: Buffer[] = []
      answer.on('data', (c: Buffer) => chunks.push(c))
      answer.on('end', () => {
        const body = Buffer.concat(chunks)
        if (fault.kind === 'lost-response') return cut()
        if (fault.kind === 'reset-mid') {
          res.writeHead(answer.statusCode ?? 502, answerHeaders(answer))
          res.write(body.subarray(0, Math.floor(body.length / 2)))
          // Let the partial answer reach the client before the cut.
          setTimeout(cut, 20)
          return
        }
        setTimeout(() => {
          if (req.socket.destroyed) return
          entry.status = answer.statusCode
          res.writeHead(answer.statusCode ?? 502, answerHeaders(answer))
          res.end(body)
        }, fault.delayMs ?? 1000)
      })
    })
    out.on('error', () => cut())
    req.pipe(out)
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set(s) {
      if (s && !(Number.isInteger(s.every) && s.every >= 1)) throw new Error(`every must be an integer >= 1, got ${s.every}`)
      schedule = s
      matched = 0
      injected = 0
    },
    get injected() {
      return injected
    },
    log,
    async stop() {
      schedule = null
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      agent.destroy()
    },
  }
}

/** The object key of a path-style URL (`/bucket/key?query`), decoded; '' for bucket requests. */
function objectKey(url: string): string {
  const p = url.split('?')[0]!.replace(/^\//, '')
  const slash = p.indexOf('/')
  if (slash < 0) return ''
  try {
    return decodeURIComponent(p.slice(slash + 1))
  } catch {
    return p.slice(slash + 1)
  }
}

function answerHeaders(answer: http.IncomingMessage): http.OutgoingHttpHeaders {
  const h: http.OutgoingHttpHeaders = {}
  for (const [k, v] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) h[k] = v
  return h
}

/** An S3 error document (no body for HEAD, as S3 does). */
function sendS3Error(res: http.ServerResponse, method: string, status: number, code: string, message: string): void {
  const id = crypto.randomBytes(8).toString('hex').toUpperCase()
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${id}</RequestId><HostId>${id}</HostId></Error>`
  const body = method === 'HEAD' ? '' : xml
  res.writeHead(status, {'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body), 'x-amz-request-id': id})
  res.end(body)
}
