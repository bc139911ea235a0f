/**
 * A remote in S3 or an S3-compatible store: the one wrapper around @aws-sdk/client-s3.
 * Credentials come from the SDK's default chain (environment, shared config and profiles, SSO,
 * instance metadata) and are never stored or printed. Checksums are computed and validated only
 * "when required", so bodies go out plain (some S3-compatible servers store aws-chunked framing
 * verbatim), retries are adaptive, and large bodies go as parallel multipart uploads.
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
} from '@aws-sdk/client-s3'
import {PreconditionFailedError, remoteIoError, type PutCondition, type RemoteObject, type Transport} from './transport.js'

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
}

/** Bodies above this go as multipart uploads of PART_SIZE parts. */
const MULTIPART_MIN = 16 * 1024 * 1024
const PART_SIZE = 8 * 1024 * 1024

interface SdkError {
  name?: string
  Code?: string
  $metadata?: {httpStatusCode?: number}
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

/** A Buffer over the SDK's bytes without copying them (Buffer.from(Uint8Array) would copy a GiB on a clone). */
function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)
}

export class S3Transport implements Transport {
  readonly display: string
  private readonly client: S3Client
  private readonly concurrency: number

  constructor(private readonly loc: S3Location) {
    this.display = `s3://${loc.bucket}${loc.prefix ? '/' + loc.prefix : ''}${loc.endpoint ? ` (${loc.endpoint.replace(/\/\/[^/@]*@/, '//***@')})` : ''}`
    this.concurrency = loc.concurrency ?? 8
    this.client = new S3Client({
      region: loc.region ?? defaultRegion(loc.profile),
      ...(loc.endpoint ? {endpoint: loc.endpoint} : {}),
      ...(loc.profile ? {profile: loc.profile} : {}),
      forcePathStyle: loc.pathStyle ?? Boolean(loc.endpoint),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      retryMode: 'adaptive',
      maxAttempts: 6,
    })
  }

  private key(k: string): string {
    return this.loc.prefix ? `${this.loc.prefix}/${k}` : k
  }

  async get(key: string): Promise<RemoteObject | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({Bucket: this.loc.bucket, Key: this.key(key)}))
      const body = asBuffer(await res.Body!.transformToByteArray())
      return {body, etag: res.ETag ?? ''}
    } catch (err) {
      if (isMissing(err)) return undefined
      throw remoteIoError(this.display, `reading ${key}`, err)
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Buffer> {
    try {
      const res = await this.client.send(new GetObjectCommand({Bucket: this.loc.bucket, Key: this.key(key), Range: `bytes=${start}-${end - 1}`}))
      return asBuffer(await res.Body!.transformToByteArray())
    } catch (err) {
      throw remoteIoError(this.display, `reading ${key} [${start}, ${end})`, err)
    }
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
      throw remoteIoError(this.display, `writing ${key}`, err)
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
    const out: string[] = []
    const base = this.loc.prefix ? this.loc.prefix + '/' : ''
    let token: string | undefined
    try {
      do {
        const res = await this.client.send(new ListObjectsV2Command({Bucket: this.loc.bucket, Prefix: base + prefix, ContinuationToken: token}))
        for (const o of res.Contents ?? []) if (o.Key) out.push(o.Key.slice(base.length))
        token = res.IsTruncated ? res.NextContinuationToken : undefined
      } while (token)
    } catch (err) {
      throw remoteIoError(this.display, `listing ${prefix || '/'}`, err)
    }
    return out.sort()
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
          if (!isMissing(err)) throw remoteIoError(this.display, `deleting ${k}`, err)
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
      throw remoteIoError(this.display, `copying ${key} from ${src.display}`, err)
    }
  }

  close(): void {
    this.client.destroy()
  }
}
