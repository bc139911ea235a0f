/**
 * Secrets (issue 9): no credential, signed-URL parameter or passphrase ever appears in what bl
 * prints (human, --json, BL_DEBUG traces, errors), in the repository, in the user config or on the
 * remote; secret key files are 0600 in a 0700 directory. Each secret is a unique canary string,
 * and every byte bl printed or wrote is searched for it.
 */
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {BIN, jA, okA, Sandbox, withJson, type RunResult} from '../integration/helpers.ts'
import {useRemoteTargets} from '../support/remote-targets.ts'

const targets = useRemoteTargets('bl-secrets-')

const CANARY = {
  secretKey: 'blCanarySecretAccessKey0123456789',
  sessionToken: 'blCanarySessionToken9876543210',
  passphrase: 'blCanaryPassphrase4242',
  wrongPassphrase: 'blCanaryWrongPassphrase1717',
  urlPassword: 'blCanaryUrlPassword7777',
  signature: 'blCanaryAmzSignature5555',
  urlToken: 'blCanaryUrlSecurityToken3131',
}

/** Every file below `dir` (following no links), as [path, bytes]. */
function filesUnder(dir: string): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = []
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, {withFileTypes: true})) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) out.push([p, fs.readFileSync(p)])
    }
  }
  if (fs.existsSync(dir)) walk(dir)
  return out
}

function leaks(where: string, bytes: Buffer | string): string[] {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes)
  return Object.entries(CANARY)
    .filter(([, v]) => b.includes(v) || b.includes(Buffer.from(v, 'utf16le')))
    .map(([k]) => `${k} in ${where}`)
}

describe('secrets', () => {
  it('credentials, signed URLs and passphrases appear in no output, error, debug trace, repository or remote', {timeout: 240_000}, async () => {
    const server = targets.server
    // The test server checks the access key id only; the secret and the token are ours to choose.
    const env = {
      AWS_ACCESS_KEY_ID: server.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CANARY.secretKey,
      AWS_SESSION_TOKEN: CANARY.sessionToken,
      AWS_REGION: server.region,
      BL_KEY_PASSPHRASE: CANARY.passphrase,
      BL_DEBUG: '1',
    }
    const s = new Sandbox(env)
    const clone = new Sandbox(env)
    const outputs: Array<[string, RunResult]> = []
    const run = async (sb: Sandbox, args: string[], opts: {cwd?: string; env?: Record<string, string>} = {}): Promise<RunResult> => {
      const r = await sb.runAsync(args, opts)
      outputs.push([`bl ${args.join(' ')}`, r])
      return r
    }
    const both = async (sb: Sandbox, args: string[], opts: {cwd?: string; env?: Record<string, string>} = {}): Promise<RunResult[]> => [await run(sb, args, opts), await run(sb, withJson(args), opts)]
    const remoteUrl = `s3://${server.bucket}/secrets`
    try {
      // A normal day: a protected signing key, a signed commit, push, fetch, clone, inspection.
      await run(s, ['init'])
      const key = await jA(s, ['key', 'generate', '--name', 'Canary', '--email', 'canary@example.com'])
      await okA(s, ['config', 'user.signingkey', key.fingerprint])
      s.write('data/a.csv', 'id,value\n1,2\n')
      await run(s, ['add', '-A'])
      const commit = await run(s, withJson(['commit', '-S', '-m', 'signed']))
      assert.equal(commit.code, 0, commit.stderr)
      await both(s, ['remote', 'add', 'origin', remoteUrl, '--endpoint', server.endpoint, '--path-style'])
      assert.equal((await run(s, ['push', '-u', 'origin', 'main'])).code, 0)
      await both(s, ['fetch', 'origin'])
      await both(s, ['ls-remote', 'origin'])
      await both(s, ['remote', 'list'])
      await both(s, ['status'])
      await both(s, ['log'])
      await both(s, ['verify-commit', 'HEAD'])
      await both(s, ['config', '--list'])
      await both(s, ['doctor', 'origin'])
      await both(s, ['fsck', 'origin', '--remote', '--read-data'])
      assert.equal((await run(clone, ['clone', remoteUrl, clone.dir, '--endpoint', server.endpoint, '--path-style'], {cwd: clone.base})).code, 0)

      // Bad input that carries a secret: refused, and the error shows it redacted.
      const refusals: string[][] = [
        ['remote', 'add', 'a', `s3://AKIAEXAMPLE:${CANARY.urlPassword}@${server.bucket}/x`],
        ['remote', 'add', 'b', `https://user:${CANARY.urlPassword}@example.com/x`],
        ['remote', 'add', 'c', `s3://${server.bucket}/x?X-Amz-Signature=${CANARY.signature}&X-Amz-Security-Token=${CANARY.urlToken}`],
        ['remote', 'add', 'd', `${remoteUrl}2`, '--endpoint', `http://user:${CANARY.urlPassword}@127.0.0.1:9`],
        ['remote', 'add', 'e', `${remoteUrl}2`, '--endpoint', `http://127.0.0.1:9/?X-Amz-Signature=${CANARY.signature}`],
        ['remote', 'set-url', 'origin', `s3://k:${CANARY.urlPassword}@${server.bucket}/x`],
        ['clone', `s3://k:${CANARY.urlPassword}@${server.bucket}/x`, 'elsewhere'],
        ['clone', `https://example.com/x?sig=${CANARY.signature}&token=${CANARY.urlToken}`, 'elsewhere'],
      ]
      for (const args of refusals) {
        for (const r of await both(s, args)) {
          assert.notEqual(r.code, 0, `bl ${args.join(' ')} was accepted`)
          assert.match(r.stderr + r.stdout, /\*\*\*|credentials|URL|endpoint/i, `bl ${args.join(' ')}: ${r.stderr}`)
        }
      }
      // Failures with a debug trace: an unreachable endpoint (the SDK's errors carry the request),
      // and a wrong passphrase.
      await okA(s, ['remote', 'add', 'dead', `${remoteUrl}3`, '--endpoint', 'http://127.0.0.1:9', '--path-style'])
      for (const r of await both(s, ['push', 'dead', 'main'], {env: {AWS_MAX_ATTEMPTS: '1'}})) assert.equal(r.code, 9, r.stderr)
      s.write('data/b.csv', 'x\n')
      await run(s, ['add', '-A'])
      for (const r of await both(s, ['commit', '-S', '-m', 'wrong passphrase'], {env: {BL_KEY_PASSPHRASE: CANARY.wrongPassphrase}})) {
        assert.notEqual(r.code, 0)
        assert.match(r.stdout + r.stderr, /BAD_PASSPHRASE|wrong passphrase/)
      }

      const found: string[] = []
      for (const [what, r] of outputs) found.push(...leaks(`${what} (stdout)`, r.stdout), ...leaks(`${what} (stderr)`, r.stderr))
      // What bl wrote: both repositories, the user config with the keyring, and the remote.
      for (const root of [s.base, clone.base, server.directory]) for (const [file, bytes] of filesUnder(root)) found.push(...leaks(file, bytes))
      assert.deepEqual(found, [])
      // The checks above saw real traffic: a debug trace was printed and the remote holds the push.
      assert.ok(outputs.some(([, r]) => /\n\s+at /.test(r.stderr)), 'BL_DEBUG printed a stack trace')
      assert.ok(filesUnder(server.directory).length > 3, 'the remote holds the push')

      // Secret key files: 0600 in a 0700 directory, never group/world readable.
      const keysDir = path.join(s.configDir, 'keys')
      assert.equal(fs.statSync(keysDir).mode & 0o777, 0o700)
      const keyFiles = fs.readdirSync(keysDir)
      assert.ok(keyFiles.some((f) => /sec|secret/i.test(f)), `a secret key file among ${keyFiles.join(', ')}`)
      for (const f of keyFiles) assert.equal(fs.statSync(path.join(keysDir, f)).mode & 0o777, 0o600, f)
    } finally {
      s.cleanup()
      clone.cleanup()
    }
  })

  it('a key imported while the umask is permissive is still written 0600', async () => {
    const a = new Sandbox()
    const b = new Sandbox()
    try {
      const key = await jA(a, ['key', 'generate', '--name', 'Umask', '--email', 'umask@example.com', '--no-passphrase'], {cwd: a.base})
      const armored = (await okA(a, ['key', 'export', key.fingerprint, '--secret'], {cwd: a.base})).stdout
      fs.writeFileSync(path.join(b.base, 'k.asc'), armored)
      // Under umask 000 every file bl creates would be 0666 if it relied on the umask.
      const r = spawnSync('sh', ['-c', 'umask 000; exec "$0" "$1" key import "$2"', process.execPath, BIN, path.join(b.base, 'k.asc')], {cwd: b.base, env: b.env()})
      assert.equal(r.status, 0, r.stderr.toString())
      const keysDir = path.join(b.configDir, 'keys')
      for (const f of fs.readdirSync(keysDir)) assert.equal(fs.statSync(path.join(keysDir, f)).mode & 0o777, 0o600, f)
    } finally {
      a.cleanup()
      b.cleanup()
    }
  })
})
