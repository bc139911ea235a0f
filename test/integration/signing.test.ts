/**
 * OpenPGP keys and signed commits through the real binary, against real GnuPG 2.2 in a temporary
 * GNUPGHOME: keys made by gpg sign bl commits, keys made by bl verify in gpg, forged commits,
 * expired and revoked keys (the same verdicts GnuPG reaches), log --show-signature, and the key
 * store's round trip and file modes. The suites run side by side (async spawns throughout).
 * Set-up a test does not examine (the start commit, keys it only signs with, signed commits it
 * only verifies, config) runs in-process (inproc-trust.ts); the gpg side is always real GnuPG.
 */
import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import {commitId, decodeCommit, encodeCommit} from '../../src/core/objects/commit.ts'
import {collect, jA, makeTmp, okA, rmrf, Sandbox, withJson, type RunOptions, type RunResult, initRepo} from './helpers.ts'
import {commitIP, trust} from './inproc-trust.ts'

const PW = 'correct horse battery staple'
const WITH_PW: RunOptions = {env: {BL_KEY_PASSPHRASE: PW}}

// ---- GnuPG in a throwaway home ----------------------------------------------------------------

const gnupgHome = makeTmp('bl-gnupg-')
fs.chmodSync(gnupgHome, 0o700)
const gpgEnv = {...process.env, GNUPGHOME: gnupgHome, LC_ALL: 'C'}

function run(cmd: string, args: string[], input?: string | Buffer): Promise<RunResult> {
  const child = spawn(cmd, args, {env: gpgEnv, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']})
  if (input !== undefined) {
    child.stdin!.on('error', () => {}) // gpg may exit before reading it all; its exit code tells
    child.stdin!.end(input)
  }
  return collect(child)
}

let gpgQueue: Promise<unknown> = Promise.resolve()

/**
 * gpg in batch mode, passphrase via loopback (what gpg needs to make or export protected keys).
 * One at a time: concurrent loopback requests to one gpg-agent can fail with "Bad passphrase".
 */
function gpg(args: string[], input?: string | Buffer): Promise<RunResult> {
  const r = gpgQueue.then(() => run('gpg', ['--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', PW, ...args], input))
  gpgQueue = r.catch(() => undefined)
  return r
}

async function gpgOk(args: string[], input?: string | Buffer): Promise<RunResult> {
  const r = await gpg(args, input)
  if (r.code !== 0) throw new Error(`gpg ${args.join(' ')} exited ${r.code}\n${r.stderr}`)
  return r
}

/** Makes an Ed25519 signing key (like `gpg --quick-gen-key <uid> ed25519 sign <expire>`); returns its fingerprint. */
async function gpgKey(uid: string, opts: {fakedTime?: string} = {}): Promise<string> {
  const faked = opts.fakedTime ? ['--faked-system-time', opts.fakedTime] : []
  await gpgOk([...faked, '--quick-gen-key', uid, 'ed25519', 'sign', 'never'])
  const email = /<(.+)>/.exec(uid)![1]!
  const list = await gpgOk(['--with-colons', '--list-keys', email])
  return /^fpr:+([0-9A-F]{40}):/m.exec(list.stdout)![1]!.toLowerCase()
}

/** `gpg --status-fd 1 --verify sig data`: the status lines (GOODSIG, BADSIG, EXPKEYSIG, REVKEYSIG, VALIDSIG ...). */
async function gpgVerify(sigFile: string, dataFile: string): Promise<{code: number | null; status: string}> {
  const r = await run('gpg', ['--batch', '--status-fd', '1', '--verify', sigFile, dataFile])
  return {code: r.code, status: r.stdout}
}

const sandboxes: Sandbox[] = []
function sandbox(): Sandbox {
  const s = new Sandbox()
  sandboxes.push(s)
  return s
}

after(async () => {
  await run('gpgconf', ['--kill', 'all'])
  rmrf(gnupgHome)
  for (const s of sandboxes) s.cleanup()
})

let template: Promise<Sandbox> | undefined

/** A repository with one unsigned commit (a copy of one made once: fewer process starts). */
async function repo(): Promise<Sandbox> {
  template ??= (async () => {
    const t = sandbox()
    initRepo(t)
    t.write('data.csv', 'id,label\n1,cat\n')
    await trust(t).commitAll('unsigned start')
    return t
  })()
  const t = await template
  const s = sandbox()
  fs.cpSync(t.dir, s.dir, {recursive: true})
  return s
}

/** Runs a command expected to fail under --json: asserts the exit code and error code, returns the error. */
async function fails(s: Sandbox, args: string[], exit: number, code: string, opts: RunOptions = {}): Promise<any> {
  const r = await s.runAsync(withJson(args), opts)
  assert.equal(r.code, exit, `bl ${args.join(' ')}: exit ${r.code}, want ${exit}\n${r.stdout}\n${r.stderr}`)
  const doc = r.json()
  assert.equal(doc.ok, false)
  assert.equal(doc.error.code, code, JSON.stringify(doc.error))
  return doc.error
}

/** Appends `message` to data.csv and runs `bl commit -a -S -m <message>` (passphrase from the environment); returns the id. */
async function signedCommit(s: Sandbox, message: string, extra: string[] = []): Promise<string> {
  s.write('data.csv', `${fs.readFileSync(s.p('data.csv'), 'utf8')}${message}\n`)
  const res = await jA(s, ['commit', '-a', '-S', '-m', message, ...extra], WITH_PW)
  assert.match(res.signedBy, /^[0-9a-f]{40}$/)
  return res.id
}

/** signedCommit's set-up twin (the same commit made in-process), for tests about what is done with the signature. */
async function signedCommitIP(s: Sandbox, message: string): Promise<string> {
  s.write('data.csv', `${fs.readFileSync(s.p('data.csv'), 'utf8')}${message}\n`)
  const res = await commitIP(s, message, {all: true, sign: true}, WITH_PW)
  assert.match(res.signedBy ?? '', /^[0-9a-f]{40}$/)
  return res.id
}

describe('signed commits', {concurrency: true}, () => {
  it('(a) a key made by gpg, imported into bl, signs a commit that bl verify-commit (and gpg) accept', async () => {
    const fpr = await gpgKey('Grace Hopper <grace@example.com>')
    const secret = (await gpgOk(['--export-secret-keys', '--armor', fpr])).stdout
    const pub = (await gpgOk(['--export', '--armor', fpr])).stdout
    const s = await repo()
    // Both exports in one file, read from stdin: one key, public and secret merged.
    const imp = s.bl(withJson(['key', 'import', '-']), {input: pub + secret})
    assert.equal(imp.code, 0, imp.stderr)
    assert.deepEqual(imp.json().result.imported, [{fingerprint: fpr, userIds: ['Grace Hopper <grace@example.com>'], public: 'new', secret: 'new'}])
    // Importing it again changes nothing.
    s.write('../grace.asc', secret)
    const again = await jA(s, ['key', 'import', '../grace.asc'])
    assert.deepEqual(again.imported[0], {fingerprint: fpr, userIds: ['Grace Hopper <grace@example.com>'], public: 'unchanged', secret: 'unchanged'})

    // No passphrase and no terminal: a typed error before anything is written.
    s.write('data.csv', 'id,label\n1,cat\n2,dog\n')
    await fails(s, ['commit', '-a', '-S', '-m', 'needs a passphrase'], 1, 'PASSPHRASE_REQUIRED')
    await fails(s, ['commit', '-a', '-S', '-m', 'wrong passphrase'], 1, 'BAD_PASSPHRASE', {env: {BL_KEY_PASSPHRASE: 'nope'}})
    assert.equal((await jA(s, ['log'])).length, 1)

    const id = await signedCommit(s, 'signed by grace')
    const v = await jA(s, ['verify-commit', id])
    assert.equal(v.status, 'good')
    assert.equal(v.commit, id)
    assert.equal(v.fingerprint, fpr)
    assert.equal(v.signingKey, fpr)
    assert.equal(v.userId, 'Grace Hopper <grace@example.com>')
    assert.equal(v.keyId, fpr.slice(-16))
    const text = await okA(s, ['verify-commit'])
    assert.match(text.stdout, new RegExp(`^Signature: good from "Grace Hopper <grace@example.com>" \\(key ${fpr.toUpperCase()}, made `))

    // GnuPG agrees on bl's payload and signature.
    const sig = path.join(s.base, 'sig.asc')
    const payload = path.join(s.base, 'payload.bin')
    fs.writeFileSync(sig, (await okA(s, ['show', '--signature', id])).stdout)
    fs.writeFileSync(payload, (await okA(s, ['show', '--raw', id])).stdoutBuf)
    const g = await gpgVerify(sig, payload)
    assert.equal(g.code, 0, g.status)
    assert.match(g.status, new RegExp(`VALIDSIG ${fpr.toUpperCase()} `))
  })

  it('(b) a key made by bl, exported into gpg, makes gpg --verify accept show --signature over show --raw', async () => {
    const s = await repo()
    const key = await jA(s, ['key', 'generate', '--name', 'Bl Maker', '--email', 'maker@example.com'], WITH_PW)
    assert.match(key.fingerprint, /^[0-9a-f]{40}$/)
    assert.equal(key.algorithm, 'eddsaLegacy ed25519Legacy')
    assert.equal(key.hasSecret, true)
    const id = await signedCommit(s, 'signed by bl')
    const exported = (await okA(s, ['key', 'export', 'maker@example.com'])).stdout
    assert.match(exported, /^-----BEGIN PGP PUBLIC KEY BLOCK-----/)
    await gpgOk(['--import'], exported)

    const sigText = (await okA(s, ['show', '--signature', id])).stdout
    assert.match(sigText, /^-----BEGIN PGP SIGNATURE-----\n[\s\S]+-----END PGP SIGNATURE-----\n$/)
    const raw = (await okA(s, ['show', '--raw', id])).stdoutBuf
    // The payload is the commit's encoding without its signature: 'C', version 1, flag 0 at the end.
    assert.equal(raw[0], 0x43)
    assert.equal(raw[1], 1)
    assert.equal(raw[raw.length - 1], 0)
    const sig = path.join(s.base, 'sig.asc')
    const payload = path.join(s.base, 'payload.bin')
    fs.writeFileSync(sig, sigText)
    fs.writeFileSync(payload, raw)
    const good = await gpgVerify(sig, payload)
    assert.equal(good.code, 0, good.status)
    assert.match(good.status, /GOODSIG [0-9A-F]{16} Bl Maker <maker@example.com>/)
    assert.match(good.status, new RegExp(`VALIDSIG ${key.fingerprint.toUpperCase()} `))
    // ...and rejects the signature over different bytes.
    fs.writeFileSync(payload, Buffer.concat([raw.subarray(0, -2), Buffer.from([raw[raw.length - 2]! ^ 1, 0])]))
    const bad = await gpgVerify(sig, payload)
    assert.notEqual(bad.code, 0)
    assert.match(bad.status, /BADSIG/)
    // An unsigned commit has no signature to show.
    const unsigned = await fails(s, ['show', '--signature', 'HEAD~1'], 10, 'UNSIGNED_COMMIT')
    // The whole verification, as verify-commit reports it (exit-codes.md, exit 10).
    assert.deepEqual(unsigned.data, (await fails(s, ['verify-commit', 'HEAD~1'], 10, 'UNSIGNED_COMMIT')).data)
    assert.equal(unsigned.data.status, 'unsigned')
  })

  it('(c) a commit altered in the store after signing (message or tree; same signature) is a bad signature', async () => {
    const s = await repo()
    await trust(s).keyGenerate('Forge Victim', 'victim@example.com', {noPassphrase: true})
    const id = await signedCommitIP(s, 'the real message')
    assert.equal((await jA(s, ['verify-commit', id])).status, 'good')

    const db = new Database(path.join(s.dir, '.bl', 'bl.db'))
    const forged: Record<string, string> = {}
    try {
      const row = db.prepare('SELECT kind, data FROM objects WHERE id = ?').get(Buffer.from(id, 'hex')) as {kind: number; data: Buffer}
      const c = decodeCommit(row.data)
      assert.ok(c.signature, 'the stored commit carries its signature')
      const parentRow = db.prepare('SELECT data FROM objects WHERE id = ?').get(Buffer.from(c.parents[0]!, 'hex')) as {data: Buffer}
      const parent = decodeCommit(parentRow.data)
      for (const [what, change] of [
        ['message', {message: 'a forged message\n'}],
        ['tree', {tree: parent.tree}],
      ] as const) {
        const f = {...c, ...change}
        forged[what] = commitId(f)
        db.prepare('INSERT INTO objects(id, kind, data) VALUES (?, ?, ?)').run(Buffer.from(forged[what]!, 'hex'), row.kind, encodeCommit(f))
      }
      // The branch now points at the forged commit, as if a remote had sent it.
      db.prepare("UPDATE refs SET oid = ? WHERE name = 'refs/heads/main'").run(Buffer.from(forged.message!, 'hex'))
    } finally {
      db.close()
    }
    for (const rev of ['HEAD', forged.tree!]) {
      const e = await fails(s, ['verify-commit', rev], 10, 'BAD_SIGNATURE')
      assert.equal(e.data.status, 'bad')
      assert.match(e.data.reason, /does not match/)
    }
    const t = await s.runAsync(['verify-commit', 'HEAD'])
    assert.equal(t.code, 10)
    assert.match(t.stderr, /^error: commit [0-9a-f]{12}: bad signature from "Forge Victim <victim@example.com>"/m)
    assert.match(t.stderr, /^hint: /m)
    const log = await jA(s, ['log', '--show-signature'])
    assert.equal(log[0].message, 'a forged message\n')
    assert.deepEqual(log.map((e: any) => e.signature.status), ['bad', 'unsigned'])

    // Rewriting the bytes in place under the same id is caught earlier, by the object's hash.
    const db2 = new Database(path.join(s.dir, '.bl', 'bl.db'))
    try {
      const row = db2.prepare('SELECT data FROM objects WHERE id = ?').get(Buffer.from(id, 'hex')) as {data: Buffer}
      const c = decodeCommit(row.data)
      db2.prepare('UPDATE objects SET data = ? WHERE id = ?').run(encodeCommit({...c, message: 'in place\n'}), Buffer.from(id, 'hex'))
    } finally {
      db2.close()
    }
    await fails(s, ['verify-commit', id], 6, 'CORRUPT_OBJECT')
  })

  it('(d) a key that had expired when the signature was made gives "expired", as gpg says EXPKEYSIG', async () => {
    // Created in 2020 without expiry; the commit is signed now; then (in 2021, by the owner's
    // clock) the key's expiry is set to 2021-01-02: the signature postdates the expiry.
    const fpr = await gpgKey('Old Timer <old@example.com>', {fakedTime: '20200101T000000!'})
    const s = await repo()
    s.write('../old.asc', (await gpgOk(['--export-secret-keys', '--armor', fpr])).stdout)
    await trust(s).keyImport('../old.asc')
    const id = await signedCommitIP(s, 'signed before the expiry change')
    assert.equal((await jA(s, ['verify-commit', id])).status, 'good')

    await gpgOk(['--faked-system-time', '20210101T000000!', '--quick-set-expire', fpr, '1d'])
    s.write('../old-pub.asc', (await gpgOk(['--export', '--armor', fpr])).stdout)
    const imp = await jA(s, ['key', 'import', '../old-pub.asc'])
    assert.equal(imp.imported[0].public, 'updated')
    const e = await fails(s, ['verify-commit', id], 10, 'EXPIRED_SIGNING_KEY')
    assert.equal(e.data.status, 'expired')
    assert.equal(e.data.fingerprint, fpr)
    assert.equal(e.data.keyExpires, Date.UTC(2021, 0, 2) / 1000)
    assert.match(e.data.reason, /expired on 2021-01-02T00:00:00Z, before the signature was made/)
    const [k] = await jA(s, ['key', 'list'])
    assert.deepEqual([k.expires, k.expired, k.revoked, k.canSign], [Date.UTC(2021, 0, 2) / 1000, true, false, false])
    // An expired key no longer signs.
    s.write('data.csv', 'changed\n')
    await fails(s, ['commit', '-a', '-S', '-m', 'too late'], 5, 'KEY_UNUSABLE', WITH_PW)

    // GnuPG reports the same signature as made by an expired key.
    fs.writeFileSync(path.join(s.base, 'sig.asc'), (await okA(s, ['show', '--signature', id])).stdout)
    fs.writeFileSync(path.join(s.base, 'payload.bin'), (await okA(s, ['show', '--raw', id])).stdoutBuf)
    const g = await gpgVerify(path.join(s.base, 'sig.asc'), path.join(s.base, 'payload.bin'))
    assert.match(g.status, /EXPKEYSIG/)
  })

  it('(d) a revoked key gives "revoked" (bare revocation certificate from openpgp-revocs.d), as gpg says REVKEYSIG', async () => {
    const fpr = await gpgKey('Revo Cation <revoked@example.com>')
    const s = await repo()
    s.write('../rev-secret.asc', (await gpgOk(['--export-secret-keys', '--armor', fpr])).stdout)
    await trust(s).keyImport('../rev-secret.asc')
    const id = await signedCommitIP(s, 'signed before the revocation')
    assert.equal((await jA(s, ['verify-commit', id])).status, 'good')

    // GnuPG's revocation certificate has its armor line escaped with ':' against accidental import.
    const cert = fs.readFileSync(path.join(gnupgHome, 'openpgp-revocs.d', `${fpr.toUpperCase()}.rev`), 'utf8')
    s.write('../raw.rev', cert)
    await fails(s, ['key', 'import', '../raw.rev'], 2, 'INVALID_KEY')
    const usable = cert.replace(/^:-----BEGIN PGP PUBLIC KEY BLOCK-----/m, '-----BEGIN PGP PUBLIC KEY BLOCK-----')
    s.write('../key.rev', usable)
    const imp = await jA(s, ['key', 'import', '../key.rev'])
    assert.deepEqual(imp.revoked, [fpr])

    const e = await fails(s, ['verify-commit', id], 10, 'REVOKED_SIGNING_KEY')
    assert.equal(e.data.status, 'revoked')
    assert.equal(e.data.fingerprint, fpr)
    assert.equal(e.data.keyRevocation.reason, 'no reason')
    const [k] = await jA(s, ['key', 'list'])
    assert.equal(k.revoked, true)
    s.write('data.csv', 'changed\n')
    await fails(s, ['commit', '-a', '-S', '-m', 'revoked'], 5, 'KEY_UNUSABLE', WITH_PW)

    await gpgOk(['--import'], usable)
    fs.writeFileSync(path.join(s.base, 'sig.asc'), (await okA(s, ['show', '--signature', id])).stdout)
    fs.writeFileSync(path.join(s.base, 'payload.bin'), (await okA(s, ['show', '--raw', id])).stdoutBuf)
    const g = await gpgVerify(path.join(s.base, 'sig.asc'), path.join(s.base, 'payload.bin'))
    assert.match(g.status, /REVKEYSIG/)
  })

  it('(e) log --show-signature (--json and text): good, unsigned; commit.sign, --no-sign, user.signingKey', async () => {
    const s = await repo()
    await fails(s, ['commit', '--allow-empty', '-S', '-m', 'no key yet'], 1, 'NO_SIGNING_KEY')
    const a = await trust(s, WITH_PW).keyGenerate('Ann', 'ann@example.com')
    const b = await trust(s, WITH_PW).keyGenerate('Bob', 'bob@example.com')
    // Two secret keys and no choice: ask which.
    await fails(s, ['commit', '--allow-empty', '-S', '-m', 'which key?'], 1, 'NO_SIGNING_KEY', WITH_PW)
    await trust(s).config('commit.sign', 'true')
    await trust(s).config('user.signingKey', b.fingerprint.slice(0, 10))
    await okA(s, ['commit', '--allow-empty', '-m', 'signed by config'], WITH_PW)
    await okA(s, ['commit', '--allow-empty', '--no-sign', '-m', 'not signed'], WITH_PW)
    await okA(s, ['commit', '--allow-empty', '--key', 'ann@example.com', '-m', 'signed by ann'], WITH_PW)

    const log = await jA(s, ['log', '--show-signature'])
    assert.deepEqual(
      log.map((e: any) => [e.message.trim(), e.signed, e.signature.status, e.signature.fingerprint, e.signature.userId]),
      [
        ['signed by ann', true, 'good', a.fingerprint, 'Ann <ann@example.com>'],
        ['not signed', false, 'unsigned', null, null],
        ['signed by config', true, 'good', b.fingerprint, 'Bob <bob@example.com>'],
        ['unsigned start', false, 'unsigned', null, null],
      ],
    )
    assert.equal(log[0].signature.reason, null)
    assert.deepEqual(log[0].signature.notes, [])
    assert.equal(typeof log[0].signature.created, 'number')

    const text = (await okA(s, ['log', '--show-signature'])).stdout
    assert.match(text, new RegExp(`^Signature: good from "Ann <ann@example.com>" \\(key ${a.fingerprint.toUpperCase()}, made `, 'm'))
    assert.equal(text.match(/^Signature: none$/gm)?.length, 2)
    const oneline = (await okA(s, ['log', '--oneline', '--show-signature', '-n', '2'])).stdout.split('\n')
    assert.match(oneline[0]!, /^Signature: good from "Ann/)
    assert.match(oneline[2]!, /^Signature: none$/)
  })

  it('key generate refuses a lifetime that does not fit OpenPGP\'s 32-bit expiry (it wrapped), and keeps the longest that does', async () => {
    const s = await repo()
    for (const e of ['137y', '49711d', '7102w', '1658m', '99999999999999999999y']) {
      const err = await fails(s, ['key', 'generate', '--name', 'X', '--email', 'x@example.com', '--no-passphrase', '--expires', e], 2, 'INVALID_ARGUMENT')
      assert.match(err.hint, /49710d \(136y\)/, e)
    }
    assert.deepEqual(await jA(s, ['key', 'list']), [])
    await jA(s, ['key', 'generate', '--name', 'Long', '--email', 'long@example.com', '--no-passphrase', '--expires', '136y'])
    const [k] = await jA(s, ['key', 'list'])
    assert.ok(Math.abs(k.expires - k.created - 136 * 365 * 86400) < 5, 'stored as asked, not wrapped')
  })

  it('(f) key list / export / delete round trip; 0700 directory, 0600 files; unknown key after delete', async () => {
    const s = await repo()
    // An empty passphrase needs the explicit flag; without a terminal a passphrase must come from the environment.
    await fails(s, ['key', 'generate', '--name', 'X', '--email', 'x@example.com'], 2, 'INVALID_ARGUMENT', {env: {BL_KEY_PASSPHRASE: ''}})
    await fails(s, ['key', 'generate', '--name', 'X', '--email', 'x@example.com'], 1, 'PASSPHRASE_REQUIRED')
    // An address OpenPGP's user ID check rejects (bl's own check lets it through) is a usage error, not an internal one.
    await fails(s, ['key', 'generate', '--name', 'X', '--email', 'x@y', '--no-passphrase'], 2, 'INVALID_ARGUMENT')
    const k = await jA(s, ['key', 'generate', '--name', 'Round Trip', '--email', 'rt@example.com', '--expires', '2y'], WITH_PW)
    const keysDir = path.join(s.configDir, 'keys')
    assert.equal(fs.statSync(keysDir).mode & 0o777, 0o700)
    assert.deepEqual(fs.readdirSync(keysDir).sort(), [`${k.fingerprint}.pub.asc`, `${k.fingerprint}.sec.asc`])
    for (const f of fs.readdirSync(keysDir)) assert.equal(fs.statSync(path.join(keysDir, f)).mode & 0o777, 0o600, f)
    assert.ok(!fs.readdirSync(s.dir).includes('keys') && !fs.readdirSync(path.join(s.dir, '.bl')).some((f) => f.endsWith('.asc')), 'keys never go into the repository')

    const list = await jA(s, ['key', 'list'])
    assert.equal(list.length, 1)
    assert.deepEqual(
      {fingerprint: list[0].fingerprint, userIds: list[0].userIds, hasSecret: list[0].hasSecret, revoked: list[0].revoked, expired: list[0].expired},
      {fingerprint: k.fingerprint, userIds: ['Round Trip <rt@example.com>'], hasSecret: true, revoked: false, expired: false},
    )
    assert.ok(Math.abs(list[0].expires - list[0].created - 2 * 365 * 86400) < 5)
    const text = (await okA(s, ['key', 'list'])).stdout
    assert.match(text, new RegExp(`^sec   eddsaLegacy ed25519Legacy \\d{4}-\\d\\d-\\d\\d \\[expires: \\d{4}-\\d\\d-\\d\\d\\]\\n      ${k.fingerprint.toUpperCase()}\\nuid   Round Trip <rt@example.com>\\n$`))

    const id = await signedCommitIP(s, 'round trip')
    // Key ids: long key id, prefix, email, 0x form; too short or ambiguous ones are refused.
    for (const q of ['<rt@example.com>', `0x${k.keyId}`]) assert.equal((await jA(s, ['key', 'export', q])).fingerprint, k.fingerprint, q)
    await fails(s, ['key', 'export', 'abc'], 2, 'INVALID_ARGUMENT')
    await fails(s, ['key', 'export', 'nobody@example.com'], 4, 'KEY_NOT_FOUND')
    const pub = (await okA(s, ['key', 'export', k.keyId])).stdout
    const sec = (await okA(s, ['key', 'export', k.fingerprint.slice(0, 8).toUpperCase(), '--secret'])).stdout
    assert.match(pub, /^-----BEGIN PGP PUBLIC KEY BLOCK-----\n/)
    assert.match(sec, /^-----BEGIN PGP PRIVATE KEY BLOCK-----\n/)
    assert.equal(pub, fs.readFileSync(path.join(keysDir, `${k.fingerprint}.pub.asc`), 'utf8'))

    // Deleting a secret key needs --force.
    await fails(s, ['key', 'delete', k.fingerprint], 5, 'KEY_HAS_SECRET')
    assert.deepEqual(await jA(s, ['key', 'delete', k.fingerprint, '--secret-only', '--force']), {fingerprint: k.fingerprint, userIds: ['Round Trip <rt@example.com>'], deletedPublic: false, deletedSecret: true})
    assert.deepEqual(fs.readdirSync(keysDir), [`${k.fingerprint}.pub.asc`])
    assert.equal((await jA(s, ['verify-commit', id])).status, 'good', 'the public key still verifies')
    await fails(s, ['commit', '--allow-empty', '-S', '-m', 'no secret'], 1, 'NO_SIGNING_KEY', WITH_PW)
    await jA(s, ['key', 'delete', 'rt@example.com'])
    assert.deepEqual(await jA(s, ['key', 'list']), [])
    const unknown = await fails(s, ['verify-commit', id], 10, 'UNKNOWN_SIGNING_KEY')
    assert.equal(unknown.data.status, 'unknown-key')
    assert.equal(unknown.data.keyId, k.keyId)
    assert.equal(unknown.data.fingerprint, k.fingerprint)

    // Re-importing the exports restores both parts, byte for byte usable again.
    s.write('../backup.asc', sec + pub)
    const imp = await jA(s, ['key', 'import', '../backup.asc'])
    assert.deepEqual(imp.imported, [{fingerprint: k.fingerprint, userIds: ['Round Trip <rt@example.com>'], public: 'new', secret: 'new'}])
    for (const f of fs.readdirSync(keysDir)) assert.equal(fs.statSync(path.join(keysDir, f)).mode & 0o777, 0o600, f)
    await signedCommit(s, 'signed again')
    await fails(s, ['key', 'import', '../nothing-here.asc'], 4, 'PATH_NOT_FOUND')
    s.write('../junk.asc', 'not a key at all\n')
    await fails(s, ['key', 'import', '../junk.asc'], 2, 'INVALID_KEY')
  })
})

