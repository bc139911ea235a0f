/**
 * NODE_EXTRA_CA_CERTS under the launcher: bin/run.js keeps Node from parsing that bundle at every
 * start-up, and S3 over https adds its certificates when it connects (src/core/tls-trust.ts). The
 * S3 test server is put behind a TLS proxy whose certificate a private CA signed (openssl).
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import tls from 'node:tls'
import {s3Env, startS3Server, type S3TestServer} from '../support/s3-server.ts'
import {BIN, collect, inheritedEnv, makeTmp, rmrf, type RunResult} from './helpers.ts'

/** A private CA and a certificate it signed for 127.0.0.1. */
function makeCertificates(dir: string): {ca: string; key: string; cert: string} {
  const openssl = (...args: string[]): void => {
    const r = spawnSync('openssl', args, {cwd: dir, encoding: 'utf8'})
    assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.stderr}`)
  }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=bl test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign')
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1')
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf')
  return {ca: path.join(dir, 'ca.pem'), key: fs.readFileSync(path.join(dir, 'server.key'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'server.pem'), 'utf8')}
}

describe('NODE_EXTRA_CA_CERTS', () => {
  const tmp = makeTmp('bl-tls-')
  let server: S3TestServer
  let proxy: tls.Server
  let endpoint: string
  let ca: string

  before(async () => {
    server = await startS3Server()
    const certs = makeCertificates(tmp)
    ca = certs.ca
    const upstream = new URL(server.endpoint)
    proxy = tls.createServer({key: certs.key, cert: certs.cert}, (socket) => {
      const up = net.connect(Number(upstream.port), upstream.hostname)
      socket.pipe(up).pipe(socket)
      socket.on('error', () => up.destroy())
      up.on('error', () => socket.destroy())
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    endpoint = `https://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`
  })
  after(async () => {
    await new Promise((resolve) => proxy.close(resolve))
    await server.stop()
    rmrf(tmp)
  })

  /** The launcher itself (its sh prologue), as `bl` runs on a user's PATH. */
  const bl = (cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<RunResult> => {
    const env: NodeJS.ProcessEnv = {...inheritedEnv(), ...s3Env(server), BL_CONFIG_DIR: path.join(tmp, 'config'), BL_AUTHOR_NAME: 'T', BL_AUTHOR_EMAIL: 't@example.com', ...extra}
    for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k]
    return collect(spawn(BIN, args, {cwd, env}))
  }

  it('a push and a clone over https trust the CA it names, read only when they connect', async () => {
    const repo = path.join(tmp, 'repo')
    fs.mkdirSync(repo)
    const data = Buffer.alloc(3 * 1024 * 1024)
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i)
    fs.writeFileSync(path.join(repo, 'data.bin'), data)
    for (const args of [['init', '-q'], ['add', '-A'], ['commit', '-q', '-m', 'one'], ['remote', 'add', 'origin', `s3://${server.bucket}/tls`, '--endpoint', endpoint, '--path-style']]) {
      const r = await bl(repo, args)
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
    }
    const untrusted = await bl(repo, ['push', 'origin', 'main'], {NODE_EXTRA_CA_CERTS: undefined})
    assert.notEqual(untrusted.code, 0, 'without the CA the server is not trusted')
    assert.match(untrusted.stderr, /certificate|self.signed/i)
    const push = await bl(repo, ['push', 'origin', 'main'], {NODE_EXTRA_CA_CERTS: ca})
    assert.equal(push.code, 0, push.stderr)
    const copy = path.join(tmp, 'copy')
    const clone = await bl(tmp, ['clone', `s3://${server.bucket}/tls`, copy, '--endpoint', endpoint, '--path-style'], {NODE_EXTRA_CA_CERTS: ca})
    assert.equal(clone.code, 0, clone.stderr)
    assert.ok(fs.readFileSync(path.join(copy, 'data.bin')).equals(data))
  })

  it('is not read when bl starts, and child processes get it back', async () => {
    // Node reads the file at start-up and warns when it cannot; under the launcher it must not.
    const probe = path.join(tmp, 'env-probe.cjs')
    fs.writeFileSync(probe, "process.on('exit', () => process.stderr.write(`extra=${process.env.NODE_EXTRA_CA_CERTS} deferred=${process.env.BL_DEFERRED_EXTRA_CA_CERTS}\\n`))\n")
    const r = await bl(tmp, ['--version'], {NODE_EXTRA_CA_CERTS: path.join(tmp, 'missing.pem'), NODE_OPTIONS: `--require=${probe}`})
    assert.equal(r.code, 0, r.stderr)
    assert.doesNotMatch(r.stderr, /Ignoring extra certs/)
    assert.match(r.stderr, new RegExp(`extra=${path.join(tmp, 'missing.pem').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} deferred=undefined`))
    // The same file given to node directly is read (and warned about) at start-up: what the launcher saves.
    const direct = spawnSync(process.execPath, ['-e', '0'], {env: {...inheritedEnv(), NODE_EXTRA_CA_CERTS: path.join(tmp, 'missing.pem')}, encoding: 'utf8'})
    assert.match(direct.stderr, /Ignoring extra certs/)
  })
})
