/**
 * What bl needs from a remote store: whole and ranged reads, writes (optionally conditional on the
 * current ETag, or create-only), listing and deletion. S3 (s3-transport.ts) and a plain directory
 * (dir-transport.ts) implement it; everything above works the same on both.
 */
import {BlError} from '../errors.js'

export interface RemoteObject {
  body: Buffer
  etag: string
}

export interface KeyInfo {
  key: string
  size: number
  modified: number
}

export interface PutCondition {
  /** Replace only if the object's ETag is still this (compare-and-swap). */
  ifMatch?: string
  /** Create only: fail if the object exists. */
  ifNoneMatch?: boolean
}

export interface Transport {
  /** The remote's location for messages, with any secret redacted. */
  readonly display: string
  get(key: string): Promise<RemoteObject | undefined>
  /**
   * Bytes [start, end) of an object; read into `into` (at least end - start bytes, returned as a
   * view of it) when given, so a transfer can reuse its buffers.
   */
  getRange(key: string, start: number, end: number, into?: Buffer): Promise<Buffer>
  /** Writes `body`; returns the new ETag. A failed condition throws PreconditionFailedError. */
  put(key: string, body: Buffer, cond?: PutCondition): Promise<string>
  /** Keys under `prefix`, relative to the remote's root. */
  list(prefix: string): Promise<string[]>
  /** Keys under `prefix` with their size and last-modified time (ms since the epoch, the store's clock). */
  listWithInfo(prefix: string): Promise<KeyInfo[]>
  delete(keys: string[]): Promise<void>
  /**
   * Copies `key` from `src` into this remote without the bytes passing through bl (S3 CopyObject
   * within one service, a hard link or reflink between directories). False when the two remotes
   * can't do that (different services or kinds).
   */
  copyFrom(src: Transport, key: string): Promise<boolean>
  close(): void
}

/** A conditional write lost: the object changed (or appeared, or vanished) since it was read. */
export class PreconditionFailedError extends Error {
  constructor(readonly key: string) {
    super(`precondition failed for ${key}`)
    this.name = 'PreconditionFailedError'
  }
}

/** Replaces `user:password@` and query-string credentials in a URL (for every message and log). */
export function redactUrl(url: string): string {
  return url
    .replace(/\/\/[^/@\s]*@/, '//***@')
    .replace(/([?&](?:X-Amz-[A-Za-z-]+|Signature|AWSAccessKeyId|sig|token|access_token)=)[^&\s]*/gi, '$1***')
}

/** What a transport knows about a failure beyond its message (S3: status, error code, attempts made). */
export interface RemoteFailure {
  /** One line, without credentials or presigned URLs. */
  message: string
  hint?: string
  data?: Record<string, unknown>
}

const REMOTE_HINT = 'Check the network and the remote (`bl remote list`); the command can be run again: completed transfers are not repeated.'

export function remoteIoError(display: string, what: string, err: unknown, failure?: RemoteFailure): BlError {
  const msg = redactUrl(failure?.message ?? (err as Error)?.message ?? String(err)).split('\n')[0]
  return new BlError('REMOTE_ERROR', `remote ${display}: ${what} failed: ${msg}`, {hint: failure?.hint ?? REMOTE_HINT, data: {remote: display, ...failure?.data}, cause: err})
}
