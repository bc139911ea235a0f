/**
 * An S3-compatible test server: s3rver (a fake S3 on the local file system) behind a small HTTP
 * proxy that lives in the test process. Children (the real `bl` binary) reach it over HTTP at
 * `endpoint`, path-style (`http://127.0.0.1:PORT/<bucket>/<key>`).
 *
 * Why the proxy exists:
 * - s3rver ignores the conditional-write headers that the remote ref update relies on
 *   (`If-None-Match: *` and `If-Match: <etag>` on PutObject / CompleteMultipartUpload). The proxy
 *   evaluates them as AWS documents, atomically per key (writes to one key are serialized), and
 *   answers 412 PreconditionFailed. `conditional: false` turns this off, giving a server that
 *   ignores preconditions the way plain s3rver (and some S3 look-alikes) do.
 * - s3rver writes an object in place while its body arrives: a reader can see a half-written
 *   object, and an upload cut off mid-body leaves a truncated file under the old ETag. Real S3 is
 *   atomic. The proxy therefore receives the whole body first and forwards only complete requests,
 *   and holds a per-key read/write lock so GET/HEAD never see a write in progress.
 * - Fault injection at run time (`faults.set(...)`): connection resets, 500 InternalError,
 *   503 SlowDown, slow responses, and "drop-response" (the write is committed, then the connection
 *   is cut before the answer: the lost-response-after-commit case).
 * - `requests` records every client request (method, path, S3 operation, status) for assertions.
 *
 * s3rver quirks to know (v3.7.1):
 * - The access key id must be `S3RVER` (else 403 InvalidAccessKeyId); SigV4 signatures are NOT
 *   verified (any secret works).
 * - Streaming-signed (`aws-chunked`) bodies are stored verbatim, framing and all: clients must send
 *   plain bodies (`requestChecksumCalculation: 'WHEN_REQUIRED'`; see `s3ClientConfig`).
 * - The ETag of a multipart object is the MD5 of the whole content, not AWS's `<md5-of-md5s>-<N>`;
 *   treat ETags as opaque strings.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import crypto from 'node:crypto'
import type {AddressInfo} from 'node:net'
import type {S3ClientConfig} from '@aws-sdk/client-s3'
import S3rver from 's3rver'

export interface S3ServerOptions {
  /** Bucket created at start. Default `bl-test`. */
  bucket?: string
  /** Evaluate If-Match / If-None-Match on writes (and reads). Default true. */
  conditional?: boolean
  /**
   * Answer to a write with `If-Match` when the key does not exist. AWS answers 404 NoSuchKey
   * (default); some S3-compatible stores answer 412 PreconditionFailed.
   */
  ifMatchOnMissing?: 'NoSuchKey' | 'PreconditionFailed'
}

export type FaultKind = 'reset' | '500' | '503' | 'slow' | 'drop-response'

/** What a fault filter and the request log see of a request. */
export interface RequestInfo {
  method: string
  /** Decoded path, e.g. `/bl-test/repo/refs/heads/main`. */
  path: string
  /** Raw query string without `?` (e.g. `uploadId=...&partNumber=2`), '' when none. */
  query: string
  /** S3 operation name guessed from method + path + query, e.g. PutObject, UploadPart, GetObject. */
  op: string
  bucket: string | null
  /** Decoded object key, or null for service/bucket requests. */
  key: string | null
}

export interface RequestRecord extends RequestInfo {
  /** Status sent to the client; undefined when the connection was cut (reset, drop-response). */
  status?: number
  /** The fault injected into this request, if any. */
  fault?: FaultKind
}

export interface FaultSpec {
  kind: FaultKind
  /** Inject into every Nth matching request (N, 2N, ...). Default 1 (every matching request). */
  every?: number
  /** Stop after this many injections (e.g. 1: fail once, then recover). Default unlimited. */
  times?: number
  /** Only requests with this method (or one of these). */
  method?: string | string[]
  /** Only these S3 operations (see RequestInfo.op). */
  op?: string | string[]
  /** Only requests whose decoded path contains this string / matches this RegExp. */
  path?: string | RegExp
  /** Any other condition. */
  filter?: (r: RequestInfo) => boolean
  /** For `slow`: how long the response is held back. Default 1000 ms. */
  delayMs?: number
}

export interface FaultController {
  /** Replaces the active fault (and resets its counters). */
  set(spec: FaultSpec): void
  clear(): void
  readonly active: Readonly<FaultSpec> | null
  /** Requests that matched the active fault's filter so far. */
  readonly matched: number
  /** Faults injected so far (since the last set/clear). */
  readonly injected: number
}

export interface RequestLog {
  /** Every client request since start (or the last clear), in arrival order. */
  readonly entries: readonly RequestRecord[]
  readonly total: number
  /** Requests matching the filter, e.g. `count({op: 'PutObject'})` or `count({method: 'GET', path: '/refs/'})`. */
  count(filter?: {method?: string; op?: string; path?: string | RegExp}): number
  clear(): void
}

export interface S3TestServer {
  /** `http://127.0.0.1:PORT`, for the SDK's `endpoint` (with `forcePathStyle: true`). */
  endpoint: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  region: string
  /** Whether preconditions are evaluated; may be flipped at run time. */
  conditional: boolean
  /** s3rver's data directory (removed by stop()). */
  directory: string
  faults: FaultController
  requests: RequestLog
  stop(): Promise<void>
}

/** s3rver accepts exactly this key pair (and does not check SigV4 signatures). */
const ACCESS_KEY_ID = 'S3RVER'
const SECRET_ACCESS_KEY = 'S3RVER'
const REGION = 'us-east-1'
/** Bodies larger than this are spooled to a file instead of memory. */
const SPOOL_IN_MEMORY = 8 * 1024 * 1024
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'expect', 'upgrade', 'proxy-connection', 'te', 'trailer'])

export async function startS3Server(opts: S3ServerOptions = {}): Promise<S3TestServer> {
  const bucket = opts.bucket ?? 'bl-test'
  const ifMatchOnMissing = opts.ifMatchOnMissing ?? 'NoSuchKey'
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bl-s3-')))
  const directory = path.join(base, 'data')
  const spoolDir = path.join(base, 'spool')
  fs.mkdirSync(directory)
  fs.mkdirSync(spoolDir)

  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{name: bucket, configs: []}],
  })
  let upstreamPort: number
  try {
    upstreamPort = (await s3rver.run()).port
  } catch (e) {
    fs.rmSync(base, {recursive: true, force: true})
    throw e
  }
  // Our keep-alive agent must not reuse a socket that s3rver has just timed out.
  const upstreamServer = (s3rver as unknown as {httpServer: http.Server}).httpServer
  upstreamServer.keepAliveTimeout = 120_000
  const agent = new http.Agent({keepAlive: true, maxSockets: 64})

  const locks = new KeyLocks()
  const faults = new Faults()
  const log = new Log()
  let spoolSeq = 0

  const server: S3TestServer = {
    endpoint: '',
    bucket,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    region: REGION,
    conditional: opts.conditional ?? true,
    directory,
    faults,
    requests: log,
    stop,
  }

  const proxy = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      // An unexpected failure (e.g. the client went away mid-body): cut the connection, as a
      // broken server would; never leave the client hanging.
      req.socket.destroy()
    })
  })
  proxy.keepAliveTimeout = 120_000
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject)
    proxy.listen(0, '127.0.0.1', () => resolve())
  })
  server.endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const info = describeRequest(req)
    const record: RequestRecord = {...info}
    log.push(record)
    res.on('finish', () => {
      record.status = res.statusCode
    })

    const fault = faults.pick(info)
    if (fault) record.fault = fault.kind
    if (fault?.kind === 'reset') {
      req.socket.destroy()
      return
    }

    // Receive the whole body before anything reaches s3rver (atomic writes, see the top).
    const body = await Spool.receive(req, path.join(spoolDir, String(++spoolSeq)))
    try {
      if (fault?.kind === '500' || fault?.kind === '503') {
        const [code, message] = fault.kind === '500' ? ['InternalError', 'We encountered an internal error. Please try again.'] : ['SlowDown', 'Please reduce your request rate.']
        sendError(req, res, Number(fault.kind), code, message, info)
        return
      }

      const lockKey = info.key === null ? null : `${info.bucket}/${info.key}`
      const write = WRITE_OPS.has(info.op)
      const release = lockKey && (write || READ_OPS.has(info.op)) ? await locks.acquire(lockKey, write) : () => {}
      let up: http.IncomingMessage
      try {
        if (server.conditional && lockKey) {
          const failure = await checkPreconditions(req, res, info, write)
          if (failure) {
            body.dispose()
            failure()
            release()
            return
          }
        }
        up = await forward(req, body)
        if (write || fault?.kind === 'drop-response' || fault?.kind === 'slow') {
          // Hold the lock until s3rver has answered completely (a write is then on disk; a read
          // has its snapshot), but not while a slow answer waits.
          const chunks: Buffer[] = []
          for await (const c of up) chunks.push(c as Buffer)
          release()
          if (fault?.kind === 'drop-response') {
            req.socket.destroy()
            return
          }
          if (fault?.kind === 'slow') await sleep(fault.delayMs ?? 1000)
          res.writeHead(up.statusCode ?? 500, responseHeaders(up))
          res.end(Buffer.concat(chunks))
          return
        }
      } catch (e) {
        release()
        throw e
      }
      // Reads: stream s3rver's answer, keeping the read lock until it is sent.
      try {
        res.writeHead(up.statusCode ?? 500, responseHeaders(up))
        await pipeline(up, res)
      } finally {
        release()
      }
    } finally {
      body.dispose()
    }
  }

  /**
   * Evaluates If-Match / If-None-Match like S3. Returns a function that sends the failure answer,
   * or null when the request may proceed. Runs under the key's lock.
   */
  async function checkPreconditions(req: http.IncomingMessage, res: http.ServerResponse, info: RequestInfo, write: boolean): Promise<(() => void) | null> {
    const ifMatch = header(req, 'if-match')
    const ifNoneMatch = header(req, 'if-none-match')
    if (ifMatch === undefined && ifNoneMatch === undefined) return null
    if (!write && !READ_OPS.has(info.op)) return null
    if (write && !CONDITIONAL_WRITE_OPS.has(info.op)) return null
    const current = await headUpstream(req.url ?? '/')
    if (write) {
      if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
        return () => sendError(req, res, 501, 'NotImplemented', 'A header you provided implies functionality that is not implemented', info, {Header: 'If-None-Match'})
      }
      if (ifNoneMatch !== undefined && current !== null) {
        return () => sendError(req, res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', info, {Condition: 'If-None-Match'})
      }
      if (ifMatch !== undefined && current === null) {
        if (ifMatchOnMissing === 'NoSuchKey' || info.op === 'DeleteObject') {
          return () => sendError(req, res, 404, 'NoSuchKey', 'The specified key does not exist.', info, {Key: info.key ?? ''})
        }
        return () => sendError(req, res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', info, {Condition: 'If-Match'})
      }
      if (ifMatch !== undefined && current !== null && !etagMatches(ifMatch, current)) {
        return () => sendError(req, res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', info, {Condition: 'If-Match'})
      }
      return null
    }
    // GET / HEAD: a missing object is s3rver's 404 to give.
    if (current === null) return null
    if (ifMatch !== undefined && !etagMatches(ifMatch, current)) {
      return () => sendError(req, res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', info, {Condition: 'If-Match'})
    }
    if (ifMatch === undefined && ifNoneMatch !== undefined && etagMatches(ifNoneMatch, current)) {
      return () => {
        res.writeHead(304, {ETag: current, 'x-amz-request-id': requestId()})
        res.end()
      }
    }
    return null
  }

  /** The current ETag (as s3rver sends it, quoted) of the object at this raw path, or null. */
  async function headUpstream(rawUrl: string): Promise<string | null> {
    const rawPath = rawUrl.split('?')[0]
    const up = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const r = http.request({host: '127.0.0.1', port: upstreamPort, method: 'HEAD', path: rawPath, agent}, resolve)
      r.on('error', reject)
      r.end()
    })
    up.resume()
    if (up.statusCode === 404) return null
    if (up.statusCode !== 200) throw new Error(`HEAD ${rawPath} upstream answered ${up.statusCode}`)
    const etag = up.headers.etag
    if (!etag) throw new Error(`HEAD ${rawPath} upstream sent no ETag`)
    return etag
  }

  function forward(req: http.IncomingMessage, body: Spool): Promise<http.IncomingMessage> {
    const headers: http.OutgoingHttpHeaders = {}
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v
    if (body.length > 0 || req.headers['content-length'] !== undefined) headers['content-length'] = body.length
    return new Promise((resolve, reject) => {
      const r = http.request({host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers, agent}, resolve)
      r.on('error', reject)
      body.stream().on('error', (e) => r.destroy(e)).pipe(r)
    })
  }

  async function stop(): Promise<void> {
    faults.clear()
    proxy.closeAllConnections()
    await new Promise<void>((resolve) => proxy.close(() => resolve()))
    agent.destroy()
    upstreamServer.closeAllConnections()
    await s3rver.close().catch(() => {})
    fs.rmSync(base, {recursive: true, force: true})
  }

  return server
}

/** The AWS_* variables a child `bl` process needs to talk to this server (pass the endpoint and bucket by flag / URL). */
export function s3Env(server: S3TestServer): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_REGION: server.region,
  }
}

/**
 * S3Client settings that work with this server: path-style, static credentials, and plain
 * (non-`aws-chunked`) bodies, which s3rver would otherwise store with their framing.
 */
export function s3ClientConfig(server: S3TestServer, extra: S3ClientConfig = {}): S3ClientConfig {
  return {
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: {accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey},
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...extra,
  }
}

// ---- S3 request classification ------------------------------------------------------------------

/** Operations that replace or remove the object at a key: serialized per key. */
const WRITE_OPS = new Set(['PutObject', 'CopyObject', 'CompleteMultipartUpload', 'DeleteObject'])
/** Operations that read the object at a key: never see a write in progress. */
const READ_OPS = new Set(['GetObject', 'HeadObject'])
/** Writes on which S3 evaluates If-Match / If-None-Match. */
const CONDITIONAL_WRITE_OPS = new Set(['PutObject', 'CopyObject', 'CompleteMultipartUpload', 'DeleteObject'])

function describeRequest(req: http.IncomingMessage): RequestInfo {
  const method = (req.method ?? 'GET').toUpperCase()
  const raw = req.url ?? '/'
  const q = raw.indexOf('?')
  const rawPath = q < 0 ? raw : raw.slice(0, q)
  const query = q < 0 ? '' : raw.slice(q + 1)
  let decoded: string
  try {
    decoded = decodeURIComponent(rawPath)
  } catch {
    decoded = rawPath
  }
  const parts = decoded.replace(/^\//, '')
  const slash = parts.indexOf('/')
  const bucket = parts === '' ? null : slash < 0 ? parts : parts.slice(0, slash)
  const key = slash < 0 || slash === parts.length - 1 ? null : parts.slice(slash + 1)
  const params = new URLSearchParams(query)
  return {method, path: decoded, query, op: s3Operation(method, bucket, key, params, req.headers), bucket, key}
}

function s3Operation(method: string, bucket: string | null, key: string | null, q: URLSearchParams, headers: http.IncomingHttpHeaders): string {
  if (bucket === null) return method === 'GET' ? 'ListBuckets' : method
  if (key === null) {
    if (method === 'GET') return q.has('uploads') ? 'ListMultipartUploads' : q.get('list-type') === '2' ? 'ListObjectsV2' : q.has('location') ? 'GetBucketLocation' : 'ListObjects'
    if (method === 'HEAD') return 'HeadBucket'
    if (method === 'PUT') return 'CreateBucket'
    if (method === 'DELETE') return 'DeleteBucket'
    if (method === 'POST' && q.has('delete')) return 'DeleteObjects'
    return method
  }
  const sub = ['tagging', 'acl', 'retention', 'legal-hold', 'torrent'].find((s) => q.has(s))
  if (sub) return `${method}:${sub}`
  switch (method) {
    case 'GET':
      return q.has('uploadId') ? 'ListParts' : 'GetObject'
    case 'HEAD':
      return 'HeadObject'
    case 'PUT':
      if (q.has('uploadId')) return headers['x-amz-copy-source'] ? 'UploadPartCopy' : 'UploadPart'
      return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject'
    case 'POST':
      if (q.has('uploads')) return 'CreateMultipartUpload'
      if (q.has('uploadId')) return 'CompleteMultipartUpload'
      return 'PostObject'
    case 'DELETE':
      return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject'
    default:
      return method
  }
}

// ---- helpers ------------------------------------------------------------------------------------

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v.join(',') : v
}

/** Compares an If-Match / If-None-Match value (a list, `*`, quoted or not, W/ or not) with an ETag. */
function etagMatches(condition: string, etag: string): boolean {
  const norm = (s: string) => s.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1')
  const want = norm(etag)
  return condition.split(',').some((c) => c.trim() === '*' || norm(c) === want)
}

function requestId(): string {
  return crypto.randomBytes(8).toString('hex').toUpperCase()
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Sends an S3-style XML error (no body for HEAD, as S3 does). */
function sendError(req: http.IncomingMessage, res: http.ServerResponse, status: number, code: string, message: string, info: RequestInfo, detail: Record<string, string> = {}): void {
  const id = requestId()
  const fields: Record<string, string> = {Code: code, Message: message}
  if (info.key !== null && !('Key' in detail) && code !== 'InternalError' && code !== 'SlowDown') fields.Key = info.key
  Object.assign(fields, detail, {RequestId: id, HostId: id})
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${Object.entries(fields).map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join('')}</Error>`
  const body = req.method === 'HEAD' ? '' : xml
  res.writeHead(status, {'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body), 'x-amz-request-id': id})
  res.end(body)
}

function responseHeaders(up: http.IncomingMessage): http.OutgoingHttpHeaders {
  const h: http.OutgoingHttpHeaders = {}
  for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) h[k] = v
  return h
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** A request body received completely: in memory, or in a file past SPOOL_IN_MEMORY. */
class Spool {
  private chunks: Buffer[] = []
  private file: string | null = null
  length = 0

  private constructor() {}

  static async receive(req: http.IncomingMessage, fileIfLarge: string): Promise<Spool> {
    const s = new Spool()
    let out: fs.WriteStream | null = null
    try {
      for await (const c of req) {
        const chunk = c as Buffer
        s.length += chunk.length
        if (!out && s.length > SPOOL_IN_MEMORY) {
          s.file = fileIfLarge
          out = fs.createWriteStream(fileIfLarge)
          for (const b of s.chunks) out.write(b)
          s.chunks = []
        }
        if (out) {
          if (!out.write(chunk)) await new Promise<void>((r) => out!.once('drain', () => r()))
        } else s.chunks.push(chunk)
      }
      if (out) await new Promise<void>((resolve, reject) => out!.end((e?: Error | null) => (e ? reject(e) : resolve())))
    } catch (e) {
      out?.destroy()
      s.dispose()
      throw e
    }
    // A body cut short never reaches the store.
    const declared = req.headers['content-length']
    if (declared !== undefined && Number(declared) !== s.length) {
      s.dispose()
      throw new Error(`body of ${s.length} bytes, ${declared} declared`)
    }
    return s
  }

  stream(): Readable {
    return this.file ? fs.createReadStream(this.file) : Readable.from(this.chunks.length ? this.chunks : [])
  }

  dispose(): void {
    this.chunks = []
    if (this.file) fs.rm(this.file, {force: true}, () => {})
    this.file = null
  }
}

/** Per-key FIFO read/write locks: many readers or one writer. */
class KeyLocks {
  private locks = new Map<string, {readers: number; writer: boolean; queue: Array<{write: boolean; grant: () => void}>}>()

  acquire(key: string, write: boolean): Promise<() => void> {
    let l = this.locks.get(key)
    if (!l) this.locks.set(key, (l = {readers: 0, writer: false, queue: []}))
    const lock = l
    return new Promise((resolve) => {
      const grant = () => {
        if (write) lock.writer = true
        else lock.readers++
        let released = false
        resolve(() => {
          if (released) return
          released = true
          if (write) lock.writer = false
          else lock.readers--
          this.drain(key)
        })
      }
      const free = write ? !lock.writer && lock.readers === 0 : !lock.writer
      if (free && lock.queue.length === 0) grant()
      else lock.queue.push({write, grant})
    })
  }

  private drain(key: string): void {
    const l = this.locks.get(key)
    if (!l) return
    while (l.queue.length) {
      const next = l.queue[0]
      const free = next.write ? !l.writer && l.readers === 0 : !l.writer
      if (!free) break
      l.queue.shift()
      next.grant()
    }
    if (!l.writer && l.readers === 0 && l.queue.length === 0) this.locks.delete(key)
  }
}

class Faults implements FaultController {
  active: FaultSpec | null = null
  matched = 0
  injected = 0

  set(spec: FaultSpec): void {
    if (spec.every !== undefined && !(Number.isInteger(spec.every) && spec.every >= 1)) throw new Error(`faults.set: every must be an integer >= 1, got ${spec.every}`)
    this.active = {...spec}
    this.matched = 0
    this.injected = 0
  }

  clear(): void {
    this.active = null
    this.matched = 0
    this.injected = 0
  }

  /** Counts the request against the active fault and returns the fault to inject, if any. */
  pick(r: RequestInfo): FaultSpec | null {
    const f = this.active
    if (!f || !matches(f, r)) return null
    this.matched++
    if (this.matched % (f.every ?? 1) !== 0) return null
    if (f.times !== undefined && this.injected >= f.times) return null
    this.injected++
    return f
  }
}

function matches(f: {method?: string | string[]; op?: string | string[]; path?: string | RegExp; filter?: (r: RequestInfo) => boolean}, r: RequestInfo): boolean {
  const oneOf = (want: string | string[] | undefined, got: string, fold: boolean) => want === undefined || (Array.isArray(want) ? want : [want]).some((w) => (fold ? w.toUpperCase() : w) === got)
  if (!oneOf(f.method, r.method, true)) return false
  if (!oneOf(f.op, r.op, false)) return false
  if (f.path !== undefined && !(typeof f.path === 'string' ? r.path.includes(f.path) : f.path.test(r.path))) return false
  if (f.filter && !f.filter(r)) return false
  return true
}

class Log implements RequestLog {
  entries: RequestRecord[] = []

  get total(): number {
    return this.entries.length
  }

  push(r: RequestRecord): void {
    this.entries.push(r)
  }

  count(filter: {method?: string; op?: string; path?: string | RegExp} = {}): number {
    return this.entries.filter((r) => matches(filter, r)).length
  }

  clear(): void {
    this.entries = []
  }
}
