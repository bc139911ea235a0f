/**
 * Self-test of the S3 test server (test/support/s3-server.ts) through the real AWS SDK v3:
 * byte-exact round trips, AWS conditional-write semantics (and their absence with
 * `conditional: false`), and each injectable fault.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import {s3ClientConfig, s3Env, startS3Server, type S3TestServer} from '../support/s3-server.ts'

const MiB = 1024 * 1024
const md5 = (b: Buffer): string => `"${crypto.createHash('md5').update(b).digest('hex')}"`

function client(server: S3TestServer, maxAttempts = 1): S3Client {
  return new S3Client(s3ClientConfig(server, {maxAttempts}))
}

async function put(c: S3Client, server: S3TestServer, key: string, body: Buffer | string, cond: {IfMatch?: string; IfNoneMatch?: string} = {}): Promise<string> {
  const r = await c.send(new PutObjectCommand({Bucket: server.bucket, Key: key, Body: body, ...cond}))
  return r.ETag!
}

async function get(c: S3Client, server: S3TestServer, key: string, extra: {IfMatch?: string; IfNoneMatch?: string; Range?: string} = {}): Promise<Buffer> {
  const r = await c.send(new GetObjectCommand({Bucket: server.bucket, Key: key, ...extra}))
  return Buffer.from(await r.Body!.transformToByteArray())
}

/** Runs `fn` and returns the S3 error it throws (fails if it does not throw). */
async function s3Error(fn: () => Promise<unknown>): Promise<S3ServiceException> {
  try {
    await fn()
  } catch (e) {
    assert.ok(e instanceof S3ServiceException, `expected an S3 service error, got ${String(e)}`)
    return e
  }
  assert.fail('expected an error')
}

/** Runs `fn` and returns the network error it throws (not an S3 answer). */
async function netError(fn: () => Promise<unknown>): Promise<Error & {code?: string}> {
  try {
    await fn()
  } catch (e) {
    const err = e as Error & {code?: string; $metadata?: {httpStatusCode?: number}}
    assert.equal(err.$metadata?.httpStatusCode, undefined, `expected a network error, got HTTP ${err.$metadata?.httpStatusCode} ${err.name}`)
    return err
  }
  assert.fail('expected an error')
}

describe('S3 test server', {concurrency: 1}, () => {
  let s: S3TestServer
  let c: S3Client
  let cr: S3Client // with retries

  before(async () => {
    s = await startS3Server()
    c = client(s)
    cr = client(s, 4)
  })
  after(async () => {
    c.destroy()
    cr.destroy()
    await s.stop()
  })

  describe('round trips', () => {
    it('puts and gets a 5 MiB random object byte-exactly', async () => {
      const data = crypto.randomBytes(5 * MiB)
      const etag = await put(c, s, 'rt/single.bin', data)
      assert.equal(etag, md5(data))
      const back = await get(c, s, 'rt/single.bin')
      assert.ok(back.equals(data))
      const range = await get(c, s, 'rt/single.bin', {Range: 'bytes=1000-1999'})
      assert.ok(range.equals(data.subarray(1000, 2000)))
    })

    it('round-trips a 12 MiB object (spooled to a file inside the proxy)', async () => {
      const data = crypto.randomBytes(12 * MiB)
      assert.equal(await put(c, s, 'rt/large.bin', data), md5(data))
      assert.ok((await get(c, s, 'rt/large.bin')).equals(data))
      await new Promise((r) => setTimeout(r, 20))
      assert.deepEqual(fs.readdirSync(path.join(s.directory, '..', 'spool')), [])
    })

    it('assembles a 3 x 5 MiB multipart upload byte-exactly', async () => {
      const parts = [0, 1, 2].map(() => crypto.randomBytes(5 * MiB))
      const key = 'rt/multi.bin'
      const {UploadId} = await c.send(new CreateMultipartUploadCommand({Bucket: s.bucket, Key: key}))
      const done = await Promise.all(parts.map(async (p, i) => {
        const r = await c.send(new UploadPartCommand({Bucket: s.bucket, Key: key, UploadId, PartNumber: i + 1, Body: p}))
        assert.equal(r.ETag, md5(p))
        return {PartNumber: i + 1, ETag: r.ETag}
      }))
      const fin = await c.send(new CompleteMultipartUploadCommand({Bucket: s.bucket, Key: key, UploadId, MultipartUpload: {Parts: done}}))
      const all = Buffer.concat(parts)
      // s3rver quirk: the multipart ETag is the MD5 of the whole object, not AWS's "<md5s>-3".
      assert.equal(fin.ETag, md5(all))
      const head = await c.send(new HeadObjectCommand({Bucket: s.bucket, Key: key}))
      assert.equal(head.ContentLength, all.length)
      assert.ok((await get(c, s, key)).equals(all))
    })

    it('lists keys under a prefix', async () => {
      const r = await c.send(new ListObjectsV2Command({Bucket: s.bucket, Prefix: 'rt/'}))
      assert.deepEqual(r.Contents?.map((o) => o.Key).sort(), ['rt/large.bin', 'rt/multi.bin', 'rt/single.bin'])
    })

    it('never stores a body cut short (s3rver alone would keep a truncated file)', async () => {
      await put(c, s, 'rt/atomic', 'old contents')
      const u = new URL(s.endpoint)
      await new Promise<void>((resolve) => {
        const r = http.request({host: u.hostname, port: u.port, method: 'PUT', path: `/${s.bucket}/rt/atomic`, headers: {'content-length': 1000}})
        r.on('error', () => resolve())
        r.write(Buffer.alloc(500, 1), () => setTimeout(() => {
          r.destroy()
          resolve()
        }, 50))
      })
      await new Promise((r) => setTimeout(r, 50))
      assert.equal((await get(c, s, 'rt/atomic')).toString(), 'old contents')
    })
  })

  describe('conditional writes', () => {
    it('If-None-Match: * creates once, then 412 PreconditionFailed', async () => {
      await put(c, s, 'cond/create', 'first', {IfNoneMatch: '*'})
      const e = await s3Error(() => put(c, s, 'cond/create', 'second', {IfNoneMatch: '*'}))
      assert.equal(e.name, 'PreconditionFailed')
      assert.equal(e.$metadata.httpStatusCode, 412)
      assert.equal((await get(c, s, 'cond/create')).toString(), 'first')
    })

    it('If-Match: the current ETag wins, a stale one gets 412', async () => {
      const e1 = await put(c, s, 'cond/cas', 'v1')
      const e2 = await put(c, s, 'cond/cas', 'v2', {IfMatch: e1})
      const e = await s3Error(() => put(c, s, 'cond/cas', 'v3', {IfMatch: e1}))
      assert.equal(e.name, 'PreconditionFailed')
      assert.equal(e.$metadata.httpStatusCode, 412)
      assert.equal((await get(c, s, 'cond/cas')).toString(), 'v2')
      // Unquoted ETags are accepted too.
      await put(c, s, 'cond/cas', 'v3', {IfMatch: e2.replace(/"/g, '')})
      assert.equal((await get(c, s, 'cond/cas')).toString(), 'v3')
    })

    it('If-Match on a missing key: 404 NoSuchKey like AWS (412 with ifMatchOnMissing)', async () => {
      const e = await s3Error(() => put(c, s, 'cond/none', 'x', {IfMatch: '"0123"'}))
      assert.equal(e.name, 'NoSuchKey')
      assert.equal(e.$metadata.httpStatusCode, 404)
      const s412 = await startS3Server({ifMatchOnMissing: 'PreconditionFailed'})
      const c412 = client(s412)
      try {
        const e2 = await s3Error(() => put(c412, s412, 'cond/none', 'x', {IfMatch: '"0123"'}))
        assert.equal(e2.name, 'PreconditionFailed')
      } finally {
        c412.destroy()
        await s412.stop()
      }
      await s3Error(() => get(c, s, 'cond/none'))
    })

    it('4 concurrent PUTs with the same If-Match: exactly one wins', async () => {
      const base = await put(c, s, 'cond/race', 'base')
      const bodies = ['a', 'b', 'c', 'd'].map((x) => `writer ${x}`)
      const results = await Promise.allSettled(bodies.map((b) => put(c, s, 'cond/race', b, {IfMatch: base})))
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []))
      assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)))
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as S3ServiceException).$metadata.httpStatusCode, 412)
      assert.equal((await get(c, s, 'cond/race')).toString(), bodies[won[0]])
    })

    it('4 concurrent create-only PUTs: exactly one wins', async () => {
      const results = await Promise.allSettled([0, 1, 2, 3].map((i) => put(c, s, 'cond/race-new', `w${i}`, {IfNoneMatch: '*'})))
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
    })

    it('CompleteMultipartUpload honours If-None-Match: *', async () => {
      const key = 'cond/mpu'
      await put(c, s, key, 'exists')
      const {UploadId} = await c.send(new CreateMultipartUploadCommand({Bucket: s.bucket, Key: key}))
      const p = await c.send(new UploadPartCommand({Bucket: s.bucket, Key: key, UploadId, PartNumber: 1, Body: 'part'}))
      const e = await s3Error(() => c.send(new CompleteMultipartUploadCommand({Bucket: s.bucket, Key: key, UploadId, IfNoneMatch: '*', MultipartUpload: {Parts: [{PartNumber: 1, ETag: p.ETag}]}})))
      assert.equal(e.$metadata.httpStatusCode, 412)
      assert.equal((await get(c, s, key)).toString(), 'exists')
    })

    it('GET/HEAD: If-Match mismatch 412, If-None-Match match 304', async () => {
      const etag = await put(c, s, 'cond/read', 'r')
      assert.equal((await get(c, s, 'cond/read', {IfMatch: etag})).toString(), 'r')
      assert.equal((await s3Error(() => get(c, s, 'cond/read', {IfMatch: '"nope"'}))).$metadata.httpStatusCode, 412)
      assert.equal((await s3Error(() => c.send(new HeadObjectCommand({Bucket: s.bucket, Key: 'cond/read', IfMatch: '"nope"'})))).$metadata.httpStatusCode, 412)
      assert.equal((await s3Error(() => get(c, s, 'cond/read', {IfNoneMatch: etag}))).$metadata.httpStatusCode, 304)
      assert.equal((await get(c, s, 'cond/read', {IfNoneMatch: '"other"'})).toString(), 'r')
    })

    it('conditional: false ignores preconditions, like plain s3rver', async () => {
      const plain = await startS3Server({conditional: false})
      const cp = client(plain)
      try {
        await put(cp, plain, 'k', 'one', {IfNoneMatch: '*'})
        await put(cp, plain, 'k', 'two', {IfNoneMatch: '*'})
        await put(cp, plain, 'k', 'three', {IfMatch: '"stale"'})
        await put(cp, plain, 'missing', 'four', {IfMatch: '"stale"'})
        assert.equal((await get(cp, plain, 'k')).toString(), 'three')
        assert.equal((await get(cp, plain, 'missing')).toString(), 'four')
      } finally {
        cp.destroy()
        await plain.stop()
      }
      // ...and it can be flipped at run time.
      s.conditional = false
      try {
        await put(c, s, 'cond/create', 'overwritten', {IfNoneMatch: '*'})
      } finally {
        s.conditional = true
      }
    })
  })

  describe('faults', () => {
    it('reset: the connection is cut before any answer; retries recover', async () => {
      s.faults.set({kind: 'reset', op: 'PutObject'})
      const e = await netError(() => put(c, s, 'f/reset', 'x'))
      assert.match(`${e.code} ${e.message}`, /ECONNRESET|EPIPE|socket hang up/)
      s.faults.clear()
      await s3Error(() => get(c, s, 'f/reset')) // never written

      s.faults.set({kind: 'reset', op: 'PutObject', times: 1})
      await put(cr, s, 'f/reset', 'y')
      assert.equal(s.faults.injected, 1)
      s.faults.clear()
      assert.equal((await get(c, s, 'f/reset')).toString(), 'y')
    })

    for (const [kind, code] of [['500', 'InternalError'], ['503', 'SlowDown']] as const) {
      it(`${kind}: S3 XML error ${code}; retries recover`, async () => {
        s.faults.set({kind, method: 'GET', path: '/f/err'})
        await put(c, s, `f/err${kind}`, 'ok') // PUT does not match the filter
        const e = await s3Error(() => get(c, s, `f/err${kind}`))
        assert.equal(e.name, code)
        assert.equal(e.$metadata.httpStatusCode, Number(kind))
        s.faults.set({kind, method: 'GET', path: '/f/err', times: 1})
        assert.equal((await get(cr, s, `f/err${kind}`)).toString(), 'ok')
        assert.equal(s.faults.injected, 1)
        s.faults.clear()
      })
    }

    it('slow: the answer is held back for delayMs', async () => {
      await put(c, s, 'f/slow', 'slow')
      s.faults.set({kind: 'slow', delayMs: 300, op: 'GetObject'})
      const t0 = Date.now()
      assert.equal((await get(c, s, 'f/slow')).toString(), 'slow')
      assert.ok(Date.now() - t0 >= 290, `took ${Date.now() - t0} ms`)
      // A client with a shorter deadline gives up.
      await assert.rejects(c.send(new GetObjectCommand({Bucket: s.bucket, Key: 'f/slow'}), {abortSignal: AbortSignal.timeout(100)}))
      s.faults.clear()
    })

    it('drop-response: the write is committed, the answer lost', async () => {
      s.faults.set({kind: 'drop-response', op: 'PutObject', path: '/f/drop'})
      const data = crypto.randomBytes(64 * 1024)
      await netError(() => put(c, s, 'f/drop', data))
      s.faults.clear()
      assert.ok((await get(c, s, 'f/drop')).equals(data))

      // The classic trap: a create-only write whose answer is lost, retried by the SDK, fails its
      // own precondition.
      s.faults.set({kind: 'drop-response', op: 'PutObject', times: 1})
      const e = await s3Error(() => put(cr, s, 'f/drop-new', 'mine', {IfNoneMatch: '*'}))
      assert.equal(e.$metadata.httpStatusCode, 412)
      s.faults.clear()
      assert.equal((await get(c, s, 'f/drop-new')).toString(), 'mine')
    })

    it('every N counts only requests matching the filter', async () => {
      s.requests.clear()
      s.faults.set({kind: '500', every: 2, op: 'PutObject', path: '/f/every/'})
      const outcomes: string[] = []
      for (let i = 0; i < 4; i++) {
        await get(c, s, 'f/slow') // not counted
        try {
          await put(c, s, `f/every/${i}`, 'x')
          outcomes.push('ok')
        } catch (e) {
          outcomes.push((e as S3ServiceException).name)
        }
      }
      assert.deepEqual(outcomes, ['ok', 'InternalError', 'ok', 'InternalError'])
      assert.equal(s.faults.matched, 4)
      assert.equal(s.faults.injected, 2)
      s.faults.clear()
      assert.equal(s.requests.count({op: 'PutObject'}), 4)
      assert.equal(s.requests.count({op: 'GetObject'}), 4)
      assert.deepEqual(s.requests.entries.filter((r) => r.fault).map((r) => [r.method, r.path, r.status]), [
        ['PUT', `/${s.bucket}/f/every/1`, 500],
        ['PUT', `/${s.bucket}/f/every/3`, 500],
      ])
    })
  })

  describe('child processes', () => {
    it('a child reaches the server with s3Env()', async () => {
      const env = s3Env(s)
      assert.deepEqual(Object.keys(env).sort(), ['AWS_ACCESS_KEY_ID', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY'])
      await put(c, s, 'child/in', 'from parent')
      const script = `
        import {S3Client, GetObjectCommand, PutObjectCommand} from '@aws-sdk/client-s3'
        const [endpoint, bucket] = process.argv.slice(-2)
        const c = new S3Client({endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED'})
        const r = await c.send(new GetObjectCommand({Bucket: bucket, Key: 'child/in'}))
        const text = await r.Body.transformToString()
        await c.send(new PutObjectCommand({Bucket: bucket, Key: 'child/out', Body: text + ' and back'}))
      `
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, s.endpoint, s.bucket], {
        cwd: new URL('../..', import.meta.url),
        env: {PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env},
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (b: Buffer) => (stderr += b))
      const code = await new Promise((r) => child.on('close', r))
      assert.equal(code, 0, stderr)
      assert.equal((await get(c, s, 'child/out')).toString(), 'from parent and back')
    })
  })
})
