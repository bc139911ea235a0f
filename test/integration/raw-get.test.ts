/**
 * Ranged reads of the S3 transport go out on raw keep-alive sockets (src/core/remote/raw-get.ts),
 * signed by the SDK. The server here checks every request's SigV4 signature by hand (s3rver, the
 * suite's usual server, does not), so a raw request that differs from what the SDK signed fails
 * with 403. Then: whatever the raw path can't take (an error status, chunked framing, a cut body)
 * is read again through the SDK with the same result, and a store the raw path keeps missing on
 * stops being tried.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import net, {type AddressInfo} from 'node:net'
import {S3Transport} from '../../src/core/remote/s3-transport.ts'
import {connectHost, parseHead, RawGetPool, type SignedGet} from '../../src/core/remote/raw-get.ts'

const ACCESS = 'AKIDRAWTEST'
const SECRET = 'raw-test-secret'
const REGION = 'eu-west-3'
const BUCKET = 'raw-bucket'
const DATA = crypto.randomBytes(3 * 1024 * 1024 + 12345)

const hmac = (key: Buffer | string, s: string): Buffer => crypto.createHmac('sha256', key).update(s).digest()
const sha256 = (s: string): string => crypto.createHash('sha256').update(s).digest('hex')
const uriEncode = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** AWS Signature Version 4 for S3, checked from the request as it arrived (written from the spec, not with the SDK). */
function signatureValid(req: http.IncomingMessage): boolean {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization ?? ''))
  if (!auth || auth[1] !== ACCESS || auth[3] !== REGION) return false
  const [, , day, , signedList, signature] = auth
  const url = req.url!
  const q = url.indexOf('?')
  const rawPath = q < 0 ? url : url.slice(0, q)
  const pairs = q < 0 ? [] : url.slice(q + 1).split('&').filter(Boolean).map((p) => p.split('=').map((x) => uriEncode(decodeURIComponent(x ?? ''))))
  pairs.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : 1))
  const canonicalQuery = pairs.map(([k, v]) => `${k}=${v ?? ''}`).join('&')
  const names = signedList!.split(';')
  const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('')
  const payload = String(req.headers['x-amz-content-sha256'] ?? '')
  const canonical = [req.method, rawPath, canonicalQuery, canonicalHeaders, signedList, payload].join('\n')
  const date = String(req.headers['x-amz-date'] ?? '')
  const toSign = ['AWS4-HMAC-SHA256', date, `${day}/${REGION}/s3/aws4_request`, sha256(canonical)].join('\n')
  const key = hmac(hmac(hmac(hmac(`AWS4${SECRET}`, day!), REGION), 's3'), 'aws4_request')
  return hmac(key, toSign).toString('hex') === signature
}

/** A self-signed certificate for 127.0.0.1 (test only; valid until 2126). */
const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgb7V8BfULh/SFX7PK
tF8+6al/J2a4yfZufrNRYnQWM8KhRANCAAQAMgvugTADnFS11wqTyQySZkZ+p/lp
YldDwSHDt+awDBNV34gfVkMHIMsKFlVozc+oztDlYEN+Zz/B7GjiloUz
-----END PRIVATE KEY-----
`
const TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUDM8R/rR5ZTBIIkVgu8LqM4FDl+gwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTIwNTIzNTg1MVoYDzIxMjYxMTEx
MjM1ODUxWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQAMgvugTADnFS11wqTyQySZkZ+p/lpYldDwSHDt+awDBNV34gfVkMH
IMsKFlVozc+oztDlYEN+Zz/B7GjiloUzo2QwYjAdBgNVHQ4EFgQUctD2bJQFeWTb
5NaKkzEqJLGrX8wwHwYDVR0jBBgwFoAUctD2bJQFeWTb5NaKkzEqJLGrX8wwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
IBIgR17Z4Jfd/ES3A8Sz4x3Jf0QBgzmBToXZPlmZHYpNAiEA9QfNq/1tTO8IQuDl
WLlfxXzJp8qXxSlIOWcGaqCMyX0=
-----END CERTIFICATE-----
`

type Mode = 'ok' | 'chunked' | 'fail-every-2nd' | 'cut-every-2nd'

describe('raw ranged reads of the S3 transport', {concurrency: 1}, () => {
  let server: http.Server
  let tlsServer: https.Server
  let endpoint = ''
  let tlsEndpoint = ''
  let mode: Mode = 'ok'
  let gets = 0
  let badSignatures = 0
  const saved = {...process.env}

  before(async () => {
    // The SDK's default credential chain (the transport never takes keys as arguments).
    Object.assign(process.env, {AWS_ACCESS_KEY_ID: ACCESS, AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: REGION})
    delete process.env.AWS_SESSION_TOKEN
    delete process.env.AWS_PROFILE
    const handler: http.RequestListener = (req, res) => {
      gets++
      if (!signatureValid(req)) {
        badSignatures++
        res.writeHead(403, {'content-type': 'application/xml'}).end('<Error><Code>SignatureDoesNotMatch</Code><Message>bad signature</Message></Error>')
        return
      }
      const key = decodeURIComponent(req.url!.split('?')[0]!).replace(`/${BUCKET}/`, '')
      if (!key.startsWith('dir/a b+c ü')) return void res.writeHead(404).end('<Error><Code>NoSuchKey</Code><Message>no</Message></Error>')
      const m = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''))
      const [start, end] = m ? [Number(m[1]), Number(m[2]) + 1] : [0, DATA.length]
      const body = DATA.subarray(start, end)
      if (mode === 'fail-every-2nd' && gets % 2 === 0) return void res.writeHead(500).end('<Error><Code>InternalError</Code><Message>try again</Message></Error>')
      if (mode === 'chunked') {
        res.writeHead(206, {'content-range': `bytes ${start}-${end - 1}/${DATA.length}`, 'transfer-encoding': 'chunked'})
        return void res.end(body)
      }
      res.writeHead(206, {'content-length': body.length, 'content-range': `bytes ${start}-${end - 1}/${DATA.length}`, etag: '"x"'})
      if (mode === 'cut-every-2nd' && gets % 2 === 0) {
        res.write(body.subarray(0, body.length >> 1))
        setTimeout(() => res.socket?.destroy(), 20)
        return
      }
      res.end(body)
    }
    server = http.createServer(handler)
    tlsServer = https.createServer({key: TLS_KEY, cert: TLS_CERT}, handler)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r))
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    tlsEndpoint = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`
  })
  after(async () => {
    process.env = saved
    for (const s of [server, tlsServer]) {
      s.closeAllConnections()
      await new Promise((r) => s.close(r))
    }
  })

  const transport = (at = endpoint): S3Transport => new S3Transport({bucket: BUCKET, prefix: 'dir', endpoint: at, pathStyle: true, region: REGION, timeoutMs: 5000})
  const ranges = Array.from({length: 12}, (_, i) => [i * 250_000, i * 250_000 + 200_000 + i * 1000] as const)

  async function readAll(t: S3Transport): Promise<void> {
    const into = Buffer.alloc(1024 * 1024)
    for (const [start, end] of ranges) {
      const got = await t.getRange('a b+c ü.pack', start, end, into)
      assert.ok(got.equals(DATA.subarray(start, end)), `bytes [${start}, ${end}) match`)
    }
  }

  it('the server rejects a request whose signature does not match (the check below is not vacuous)', async () => {
    gets = 0
    badSignatures = 0
    const res = await fetch(`${endpoint}/${BUCKET}/dir/x`, {headers: {authorization: `AWS4-HMAC-SHA256 Credential=${ACCESS}/20260101/${REGION}/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`, 'x-amz-date': '20260101T000000Z'}})
    assert.equal(res.status, 403)
    assert.equal(badSignatures, 1)
  })

  it('reads ranges over raw sockets, byte-exact, each request signed as the SDK signed it (a key with a space, a plus and a non-ASCII letter)', async () => {
    mode = 'ok'
    gets = 0
    badSignatures = 0
    const t = transport()
    try {
      await readAll(t)
      assert.deepEqual(t.reads, {raw: ranges.length, sdk: 0})
      assert.equal(badSignatures, 0)
      assert.equal(gets, ranges.length, 'one request per range')
    } finally {
      t.close()
    }
  })

  it('reads over TLS the same way (node:tls reads into the reused buffer too)', async () => {
    mode = 'ok'
    gets = 0
    badSignatures = 0
    // The test certificate is self-signed: both the SDK and the raw path take Node's TLS defaults.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'
    const t = transport(tlsEndpoint)
    try {
      await readAll(t)
      assert.deepEqual(t.reads, {raw: ranges.length, sdk: 0})
      assert.equal(badSignatures, 0)
    } finally {
      t.close()
      delete process.env.NODE_TLS_REJECT_UNAUTHORIZED
    }
  })

  for (const m of ['fail-every-2nd', 'cut-every-2nd'] as const) {
    it(`${m}: a read the raw path can't finish is read again through the SDK, with the same bytes`, async () => {
      mode = m
      gets = 0
      badSignatures = 0
      const t = transport()
      try {
        await readAll(t)
        assert.ok(t.reads.sdk > 0 && t.reads.raw > 0, `both paths answered: ${JSON.stringify(t.reads)}`)
        assert.equal(t.reads.raw + t.reads.sdk, ranges.length)
        assert.equal(badSignatures, 0)
      } finally {
        t.close()
      }
    })
  }

  it('a store whose answers the raw path never takes (chunked framing) is read through the SDK, and after 8 misses raw reads stop', async () => {
    mode = 'chunked'
    gets = 0
    const t = transport()
    try {
      await readAll(t)
      assert.deepEqual(t.reads, {raw: 0, sdk: ranges.length})
      assert.equal(gets, 8 + ranges.length, '8 raw attempts, then the SDK alone')
    } finally {
      t.close()
      mode = 'ok'
    }
  })

  it('parses a response head: status, length, chunked framing, keep-alive, range', () => {
    assert.deepEqual(parseHead('HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nContent-Range: bytes 0-9/20\r\nETag: "x"'), {status: 206, length: 10, chunked: false, keepAlive: true, contentRange: 'bytes 0-9/20'})
    assert.deepEqual(parseHead('HTTP/1.1 200 OK\r\ncontent-length: 5\r\nConnection: close'), {status: 200, length: 5, chunked: false, keepAlive: false})
    assert.deepEqual(parseHead('HTTP/1.0 200 OK\r\nContent-Length: 5'), {status: 200, length: 5, chunked: false, keepAlive: false})
    assert.deepEqual(parseHead('HTTP/1.1 206 x\r\nTransfer-Encoding: chunked'), {status: 206, length: undefined, chunked: true, keepAlive: true})
    assert.ok(Number.isNaN(parseHead('HTTP/1.1 206 x\r\nContent-Length: 1e3').length))
    assert.ok(Number.isNaN(parseHead('HTTP/1.1 206 x\r\nContent-Length: 5\r\nContent-Length: 6').length), 'two different lengths')
    assert.equal(parseHead('HTTP/1.1 206 x\r\nContent-Length: 5\r\nContent-Length: 5').length, 5)
    assert.equal(parseHead('garbage').status, 0)
    assert.equal(connectHost('[::1]'), '::1')
    assert.equal(connectHost('bucket.s3.eu-west-3.amazonaws.com'), 'bucket.s3.eu-west-3.amazonaws.com')
  })

  describe('the socket pool against crafted answers', () => {
    /** A TCP server answering each request on a connection with the next canned reply (null: close the connection instead). */
    async function canned(replies: Array<Array<string | null>>): Promise<{port: number; connections: () => number; stop: () => Promise<void>}> {
      let conns = 0
      const srv = net.createServer((sock) => {
        const script = replies[conns++] ?? []
        let n = 0
        let buf = ''
        sock.on('data', (d) => {
          buf += d.toString('latin1')
          while (buf.includes('\r\n\r\n')) {
            buf = buf.slice(buf.indexOf('\r\n\r\n') + 4)
            const reply = script[n++]
            if (reply === null || reply === undefined) return void sock.destroy()
            sock.write(reply)
          }
        })
      })
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
      return {port: (srv.address() as AddressInfo).port, connections: () => conns, stop: () => new Promise((r) => srv.close(() => r()))}
    }
    const get = (port: number, range = 'bytes=10-14'): SignedGet => ({protocol: 'http:', hostname: '127.0.0.1', port, path: '/b/k', query: {'x-id': 'GetObject'}, headers: {range, 'x-amz-date': '20260101T000000Z'}})
    const ok = (start: number, body: string, extra = ''): string => `HTTP/1.1 206 Partial Content\r\nContent-Length: ${body.length}\r\nContent-Range: bytes ${start}-${start + body.length - 1}/100\r\n${extra}\r\n${body}`

    it('takes a 206 of exactly the asked range; another range, a second length or an error status is not taken', async () => {
      const s = await canned([[ok(10, 'hello')], [ok(11, 'hello')], ['HTTP/1.1 206 x\r\nContent-Length: 5\r\nContent-Length: 7\r\nContent-Range: bytes 10-14/100\r\n\r\nhello'], ['HTTP/1.1 503 Slow Down\r\nContent-Length: 0\r\n\r\n']])
      const pool = new RawGetPool(2000, 2000)
      try {
        const into = Buffer.alloc(16)
        const first = await pool.get(get(s.port), 5, into)
        assert.ok('body' in first && first.body.toString() === 'hello')
        pool.close() // next requests on new connections, in script order
        const pool2 = new RawGetPool(2000, 2000)
        assert.deepEqual(await pool2.get(get(s.port), 5, into), {status: 0}, 'bytes 11-15 are not the range asked')
        assert.deepEqual(await pool2.get(get(s.port), 5, into), {status: 0}, 'two Content-Length values')
        assert.deepEqual(await pool2.get(get(s.port), 5, into), {status: 503})
        pool2.close()
      } finally {
        await s.stop()
      }
    })

    it('a kept-alive connection the server closed before answering is retried once on a new one', async () => {
      const s = await canned([[ok(10, 'hello'), null], [ok(10, 'world')]])
      const pool = new RawGetPool(2000, 2000)
      try {
        const into = Buffer.alloc(16)
        const a = await pool.get(get(s.port), 5, into)
        assert.ok('body' in a && a.body.toString() === 'hello')
        const b = await pool.get(get(s.port), 5, into)
        assert.ok('body' in b && b.body.toString() === 'world', JSON.stringify(b))
        assert.equal(s.connections(), 2)
      } finally {
        pool.close()
        await s.stop()
      }
    })
  })
})
