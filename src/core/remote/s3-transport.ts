/**
 * A remote in S3 or an S3-compatible store: the one wrapper around @aws-sdk/client-s3.
 * Credentials come from the SDK's default chain (environment, shared config and profiles, SSO,
 * instance metadata) and are never stored or printed. Checksums are computed and validated only
 * "when required", so bodies go out plain (some S3-compatible servers store aws-chunked framing
 * verbatim), and large bodies go as parallel multipart uploads.
 *
 * Faults (docs/format/remote.md, "Faults"): the SDK retries resets, timeouts, 5xx and SlowDown in its
 * standard mode (exponential backoff with jitter, longer after throttling) up to MAX_ATTEMPTS per
 * request; a body cut off after the SDK handed the response over is retried here. A connection
 * that stays silent for the idle timeout is abandoned, so a hung server can't hang bl. Whatever
 * still fails becomes REMOTE_ERROR with the status, S3 error code and attempts, never a URL
 * with credentials or a signature.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '#aws-s3'
import {RawGetPool, type RawResult, type SignedGet} from './raw-get.js'
import {PreconditionFailedError, remoteIoError, type KeyInfo, type PutCondition, type RemoteFailure, type RemoteObject, type Transport} from './transport.js'

export interface S3Location {
  bucket: string
  /** Key prefix without leading or trailing slash ('' for the bucket root). */
  prefix: string
  endpoint?: string
  region?: string
  profile?: string
  pathStyle?: boolean
  /** Parallel requests for multipart uploads. */
  concurrency?: number
  /** A request whose connection is silent this long fails (and is retried). Default IDLE_TIMEOUT_MS. */
  timeoutMs?: number
  /** false: ranged reads go through the SDK only (raw-get.ts is the default). */
  rawReads?: boolean
}

/**
 * Attempts per request, first included. With the standard backoff (up to 50 ms * 2^n, or 1 s * 2^n
 * after SlowDown, with jitter) a request that keeps failing gives up within a few seconds, or
 * about 15 s when throttled.
 */
const MAX_ATTEMPTS = 5
/** No TCP connection within this long fails the attempt. */
const CONNECT_TIMEOUT_MS = 10_000
/**
 * Silence on a connection longer than this fails the attempt. An idle limit, not a total one: a
 * multi-GiB transfer that keeps moving is never cut.
 */
export const IDLE_TIMEOUT_MS = 60_000
/** Whole reads of a body that broke off after its headers (the SDK does not retry those). */
const BODY_ATTEMPTS = 4

/**
 * Raw reads in a row that failed on the network or got an answer they could not take before a
 * transport gives them up (an error status from the store doesn't count: the SDK handles it).
 */
const RAW_MISSES_MAX = 8

/** Thrown from inside the SDK's stack to take the request it signed instead of letting it send it. */
class SignedRequestTaken extends Error {
  constructor(readonly request: SignedGet) {
    super('request taken for a raw read')
    this.name = 'BlSignedRequestTaken'
  }
}

/** Bodies above this go as multipart uploads of PART_SIZE parts. */
const MULTIPART_MIN = 16 * 1024 * 1024
const PART_SIZE = 8 * 1024 * 1024

interface SdkError {
  name?: string
  Code?: string
  code?: string
  message?: string
  $metadata?: {httpStatusCode?: number; attempts?: number}
}

function status(err: unknown): number | undefined {
  return (err as SdkError)?.$metadata?.httpStatusCode
}

function isMissing(err: unknown): boolean {
  const e = err as SdkError
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || status(err) === 404
}

/** 412, and the 404/409 some stores answer to If-Match on a missing key or a concurrent write. */
function isPrecondition(err: unknown, cond: PutCondition): boolean {
  const e = err as SdkError
  if (e?.name === 'PreconditionFailed' || status(err) === 412) return true
  if (e?.name === 'ConditionalRequestConflict' || status(err) === 409) return true
  return Boolean(cond.ifMatch) && isMissing(err)
}

/**
 * The SDK's own region chain (AWS_REGION, the profile's `region`, ...), and us-east-1 when it finds
 * none: S3-compatible servers ignore the region, and AWS redirects a wrong one.
 */
function defaultRegion(profile: string | undefined): () => Promise<string> {
  let region: Promise<string> | undefined
  return () =>
    (region ??= (async () => {
      const probe = new S3Client(profile ? {profile} : {})
      try {
        return await probe.config.region()
      } catch {
        return 'us-east-1'
      } finally {
        probe.destroy()
      }
    })())
}

/**
 * One line about an SDK failure: the HTTP status and S3 error code, the network error, or the
 * timeout, and how many attempts were made. SDK messages carry neither credentials nor URLs.
 */
function describeFailure(err: unknown, timeoutMs: number): RemoteFailure {
  const e = (err ?? {}) as SdkError
  const st = status(err)
  const attempts = e.$metadata?.attempts
  const tries = attempts && attempts > 1 ? ` (${attempts} attempts)` : ''
  const text = (e.message ?? String(err)).split('\n')[0]!.replace(/^@smithy\/[\w-]+ - /, '').replace(/ \((?:configured|service default)[^)]*\)\.?$/, '')
  const data = {status: st ?? null, code: e.Code ?? e.code ?? e.name ?? null, attempts: attempts ?? null}
  // The SDK names resets "TimeoutError" too; a real timeout says so in its message.
  if (e.name === 'TimeoutError' && /timed out|timeout/i.test(text))
    return {message: `${text}${tries}`, data, hint: `The remote did not answer in time (idle limit ${timeoutMs} ms); check the network, or raise \`remote.<name>.timeout\` (ms) for a slow store, and run the command again: completed transfers are not repeated.`}
  if (st !== undefined) return {message: `${st} ${e.Code ?? e.name ?? 'error'}: ${text}${tries}`, data}
  return {message: `${text}${e.code && !text.includes(e.code) ? ` (${e.code})` : ''}${tries}`, data}
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** A Buffer over the SDK's bytes without copying them (Buffer.from(Uint8Array) would copy a GiB on a clone). */
function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)
}

/** Copies a response body into `target`; the bytes read (fewer when cut short). More than it holds is an error. */
async function readInto(body: AsyncIterable<Uint8Array>, target: Buffer): Promise<Buffer> {
  let n = 0
  for await (const piece of body) {
    if (n + piece.length > target.length) throw new Error(`the answer is longer than the ${target.length} bytes asked for`)
    target.set(piece, n)
    n += piece.length
  }
  return target.subarray(0, n)
}

export class S3Transport implements Transport {
  readonly display: string
  private readonly client: S3Client
  private readonly concurrency: number
  private readonly timeoutMs: number
  /** Ranged reads into a caller's buffer without the SDK's per-64 KiB Buffers (raw-get.ts); dropped after RAW_MISSES_MAX fallbacks. */
  private raw: RawGetPool | undefined
  private rawMisses = 0
  /** Ranged reads answered by the raw path / by the SDK (tests and diagnostics). */
  readonly reads = {raw: 0, sdk: 0}

  constructor(private readonly loc: S3Location) {
    this.display = `s3://${loc.bucket}${loc.prefix ? '/' + loc.prefix : ''}${loc.endpoint ? ` (${loc.endpoint.replace(/\/\/[^/@]*@/, '//***@')})` : ''}`
    this.concurrency = loc.concurrency ?? 8
    this.timeoutMs = loc.timeoutMs ?? IDLE_TIMEOUT_MS
    this.client = new S3Client({
      region: loc.region ?? defaultRegion(loc.profile),
      ...(loc.endpoint ? {endpoint: loc.endpoint} : {}),
      ...(loc.profile ? {profile: loc.profile} : {}),
      forcePathStyle: loc.pathStyle ?? Boolean(loc.endpoint),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Standard, not adaptive: after one SlowDown the adaptive mode's client-side rate limiter can
      // hold every later request of the command to about one every two seconds.
      retryMode: 'standard',
      maxAttempts: MAX_ATTEMPTS,
      requestHandler: {connectionTimeout: CONNECT_TIMEOUT_MS, socketTimeout: this.timeoutMs},
    })
    this.raw = loc.rawReads === false ? undefined : new RawGetPool(this.timeoutMs, CONNECT_TIMEOUT_MS)
  }

  private key(k: string): string {
    return this.loc.prefix ? `${this.loc.prefix}/${k}` : k
  }

  private fail(what: string, err: unknown): Error {
    return remoteIoError(this.display, what, err, describeFailure(err, this.timeoutMs))
  }

  /**
   * A GET whose body is read whole, into `into` when given (a ranged read the caller sized: the
   * SDK's own collection would allocate a fresh buffer per answer, and fresh memory costs a page
   * fault per 4 KiB here, ~1 s per GiB). The SDK retries a request until its headers arrive; a body
   * that breaks off later (a reset mid-transfer, a truncated answer) is fetched again here.
   */
  private async read(key: string, range?: {start: number; end: number}, into?: Buffer): Promise<RemoteObject> {
    const Range = range ? `bytes=${range.start}-${range.end - 1}` : undefined
    for (let attempt = 1; ; attempt++) {
      const res = await this.client.send(new GetObjectCommand({Bucket: this.loc.bucket, Key: this.key(key), Range}))
      try {
        const want = range ? range.end - range.start : res.ContentLength
        const body = into && want !== undefined && into.length >= want ? await readInto(res.Body as AsyncIterable<Uint8Array>, into.subarray(0, want)) : asBuffer(await res.Body!.transformToByteArray())
        if (want !== undefined && body.length !== want) throw new Error(`the answer was cut short (${body.length} of ${want} bytes)`)
        return {body, etag: res.ETag ?? ''}
      } catch (err) {
        if (attempt >= BODY_ATTEMPTS) throw Object.assign(err as Error, {$metadata: {attempts: attempt}})
        await sleep(Math.random() * 100 * 2 ** attempt)
      }
    }
  }

  async get(key: string): Promise<RemoteObject | undefined> {
    try {
      return await this.read(key)
    } catch (err) {
      if (isMissing(err)) return undefined
      throw this.fail(`reading ${key}`, err)
    }
  }

  async getRange(key: string, start: number, end: number, into?: Buffer): Promise<Buffer> {
    if (into && this.raw && into.length >= end - start) {
      const got = await this.rawRange(key, start, end, into)
      if (got) return got
    }
    try {
      this.reads.sdk++
      return (await this.read(key, {start, end}, into)).body
    } catch (err) {
      throw this.fail(`reading ${key} [${start}, ${end})`, err)
    }
  }

  /**
   * The SDK builds and signs the GET (endpoint, addressing style, region, credentials chain), a
   * middleware takes the signed request before it is sent, and raw-get.ts sends it. Null on any
   * miss: the caller then reads through the SDK, which retries and reports errors.
   */
  private async rawRange(key: string, start: number, end: number, into: Buffer): Promise<Buffer | null> {
    const raw = this.raw!
    const cmd = new GetObjectCommand({Bucket: this.loc.bucket, Key: this.key(key), Range: `bytes=${start}-${end - 1}`})
    cmd.middlewareStack.add(
      () => async (args) => {
        const r = args.request as SignedGet
        throw new SignedRequestTaken({protocol: r.protocol, hostname: r.hostname, port: r.port, path: r.path, query: r.query ?? {}, headers: r.headers})
      },
      {step: 'deserialize', name: 'blTakeSignedRequest', priority: 'low'},
    )
    let result: RawResult = {status: 0}
    try {
      await this.client.send(cmd)
    } catch (err) {
      if (!(err instanceof SignedRequestTaken)) return null // the SDK's own trouble: its path reports it
      result = await raw.get(err.request, end - start, into).catch((): RawResult => ({status: 0}))
    }
    if ('body' in result) {
      this.reads.raw++
      this.rawMisses = 0
      return result.body
    }
    if (result.status === 0 && ++this.rawMisses >= RAW_MISSES_MAX && this.raw) {
      this.raw.close()
      this.raw = undefined
    }
    return null
  }

  async put(key: string, body: Buffer, cond: PutCondition = {}): Promise<string> {
    const conditions = {...(cond.ifMatch ? {IfMatch: cond.ifMatch} : {}), ...(cond.ifNoneMatch ? {IfNoneMatch: '*'} : {})}
    try {
      if (body.length >= MULTIPART_MIN && !cond.ifMatch) return await this.putMultipart(key, body, cond)
      const res = await this.client.send(new PutObjectCommand({Bucket: this.loc.bucket, Key: this.key(key), Body: body, ContentLength: body.length, ...conditions}))
      return res.ETag ?? ''
    } catch (err) {
      if ((cond.ifMatch || cond.ifNoneMatch) && isPrecondition(err, cond)) throw new PreconditionFailedError(key)
      if (err instanceof PreconditionFailedError) throw err
      throw this.fail(`writing ${key}`, err)
    }
  }

  /** Parts upload in parallel (bounded); an upload that fails is aborted, leaving nothing behind. */
  private async putMultipart(key: string, body: Buffer, cond: PutCondition): Promise<string> {
    const Key = this.key(key)
    const {UploadId} = await this.client.send(new CreateMultipartUploadCommand({Bucket: this.loc.bucket, Key}))
    try {
      const count = Math.ceil(body.length / PART_SIZE)
      const parts: Array<{ETag: string; PartNumber: number}> = new Array(count)
      let next = 0
      const worker = async (): Promise<void> => {
        while (next < count) {
          const i = next++
          const chunk = body.subarray(i * PART_SIZE, Math.min(body.length, (i + 1) * PART_SIZE))
          const res = await this.client.send(new UploadPartCommand({Bucket: this.loc.bucket, Key, UploadId, PartNumber: i + 1, Body: chunk, ContentLength: chunk.length}))
          parts[i] = {ETag: res.ETag ?? '', PartNumber: i + 1}
        }
      }
      await Promise.all(Array.from({length: Math.min(this.concurrency, count)}, worker))
      const res = await this.client.send(new CompleteMultipartUploadCommand({Bucket: this.loc.bucket, Key, UploadId, MultipartUpload: {Parts: parts}, ...(cond.ifNoneMatch ? {IfNoneMatch: '*'} : {})}))
      return res.ETag ?? ''
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({Bucket: this.loc.bucket, Key, UploadId})).catch(() => undefined)
      throw err
    }
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.listWithInfo(prefix)).map((o) => o.key)
  }

  async listWithInfo(prefix: string): Promise<KeyInfo[]> {
    const out: KeyInfo[] = []
    const base = this.loc.prefix ? this.loc.prefix + '/' : ''
    let token: string | undefined
    try {
      do {
        const res = await this.client.send(new ListObjectsV2Command({Bucket: this.loc.bucket, Prefix: base + prefix, ContinuationToken: token}))
        for (const o of res.Contents ?? []) if (o.Key) out.push({key: o.Key.slice(base.length), size: o.Size ?? 0, modified: o.LastModified?.getTime() ?? 0})
        token = res.IsTruncated ? res.NextContinuationToken : undefined
      } while (token)
    } catch (err) {
      throw this.fail(`listing ${prefix || '/'}`, err)
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  }

  async delete(keys: string[]): Promise<void> {
    // One DeleteObject each: DeleteObjects needs a Content-MD5 that not every compatible store accepts.
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const k = keys[next++]!
        try {
          await this.client.send(new DeleteObjectCommand({Bucket: this.loc.bucket, Key: this.key(k)}))
        } catch (err) {
          if (!isMissing(err)) throw this.fail(`deleting ${k}`, err)
        }
      }
    }
    await Promise.all(Array.from({length: Math.min(this.concurrency, keys.length)}, worker))
  }

  /** Resolves credentials through the SDK's chain (without printing them). */
  async checkCredentials(): Promise<{ok: true} | {ok: false; message: string}> {
    try {
      const provider = this.client.config.credentials as () => Promise<{accessKeyId?: string}>
      const c = await provider()
      return c?.accessKeyId ? {ok: true} : {ok: false, message: 'no access key resolved'}
    } catch (err) {
      return {ok: false, message: ((err as Error).message ?? String(err)).split('\n')[0]!}
    }
  }

  /** The server's clock (its Date header on a cheap request), for skew checks. */
  async serverTime(): Promise<Date | undefined> {
    let date: string | undefined
    const name = 'bl-capture-date'
    this.client.middlewareStack.add(
      (next) => async (args) => {
        const res = await next(args)
        const headers = (res.response as {headers?: Record<string, string>})?.headers
        date = headers?.date ?? headers?.Date
        return res
      },
      {step: 'deserialize', name, override: true},
    )
    try {
      await this.client.send(new ListObjectsV2Command({Bucket: this.loc.bucket, Prefix: this.key('BLREPO'), MaxKeys: 1}))
    } catch {
      // reachability is reported by its own check
    } finally {
      this.client.middlewareStack.remove(name)
    }
    const d = date ? new Date(date) : undefined
    return d && !Number.isNaN(d.getTime()) ? d : undefined
  }

  /** Server-side copy, when both remotes are in the same S3 service (endpoint and region). */
  async copyFrom(src: Transport, key: string): Promise<boolean> {
    if (!(src instanceof S3Transport) || src.loc.endpoint !== this.loc.endpoint || (src.loc.region ?? 'us-east-1') !== (this.loc.region ?? 'us-east-1')) return false
    const source = `${src.loc.bucket}/${src.key(key).split('/').map(encodeURIComponent).join('/')}`
    try {
      await this.client.send(new CopyObjectCommand({Bucket: this.loc.bucket, Key: this.key(key), CopySource: source}))
      return true
    } catch (err) {
      throw this.fail(`copying ${key} from ${src.display}`, err)
    }
  }

  close(): void {
    this.raw?.close()
    this.client.destroy()
  }
}
