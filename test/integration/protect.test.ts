/**
 * Branch protection through the real binary: trusted signers (branch globs, validity windows),
 * rules enforced on commit and push (unsigned, untrusted, expired signer, force push, delete),
 * the owner-signed, hash-chained policy (first rule makes the first owner, non-owners refused, a
 * replaced policy on the remote ignored with a warning and repaired by an owner's push), and a
 * bypass — a ref written straight into the remote (directory and S3) — caught by fetch, pull and
 * `bl verify --branch`. Keys are made as `bl key generate --no-passphrase` makes them; set-up
 * that a test does not examine (keys, rules it then exercises, branches, the abort of a refused
 * merge, pushes and clones that only build the scenario, to a directory remote or S3) runs
 * in-process (inproc-trust.ts, inproc-remote.ts).
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {OpenPgpSigner} from '../../src/core/signing/openpgp-signer.ts'
import {decodePolicy, encodePolicy, policyId, policyPayload} from '../../src/core/protect/policy.ts'
import {jA, makeTmp, okA, rmrf, Sandbox, withJson, type RunResult, initRepo} from './helpers.ts'
import {setup} from './inproc.ts'
import {cloneInProcess, remoteSetup} from './inproc-remote.ts'
import {trust} from './inproc-trust.ts'
import {s3ClientConfig, s3Env, startS3Server, type S3TestServer} from '../support/s3-server.ts'

let server: S3TestServer
const cleanup: Array<() => void> = []
before(async () => {
  server = await startS3Server()
})
after(async () => {
  await server.stop()
  for (const c of cleanup) c()
})

function sandbox(env: Record<string, string> = {}): Sandbox {
  const s = new Sandbox(env)
  cleanup.push(() => s.cleanup())
  return s
}

function dirRemote(): string {
  const base = makeTmp('bl-protect-remote-')
  cleanup.push(() => rmrf(base))
  return path.join(base, 'repo')
}

/** `bl key generate --name <name> --email <name>@example.com --no-passphrase`, in-process; returns the fingerprint. */
async function key(s: Sandbox, name: string): Promise<string> {
  return (await trust(s).keyGenerate(name, `${name.toLowerCase()}@example.com`, {noPassphrase: true})).fingerprint
}

/** Writes `file`, stages everything (in-process) and runs `bl commit --json -m <msg> [extra]`: the commit is what is checked. */
async function commit(s: Sandbox, file: string, msg: string, extra: string[] = []): Promise<RunResult> {
  s.write(file, crypto.randomBytes(64).toString('hex'))
  await trust(s).addAll()
  return s.runAsync(withJson(['commit', '-m', msg, ...extra]))
}

async function head(s: Sandbox, rev = 'HEAD'): Promise<string> {
  return (await jA(s, ['log', '-n', '1', rev]))[0].id
}

/** Runs bl --json expecting a failure; returns the error envelope and stderr. */
async function fails(s: Sandbox, args: string[], exit: number): Promise<{code: string; message: string; data: any; stderr: string}> {
  const r = await s.runAsync(withJson(args))
  assert.equal(r.code, exit, `bl ${args.join(' ')}: expected exit ${exit}, got ${r.code}\n${r.stdout}\n${r.stderr}`)
  const doc = r.json()
  assert.equal(doc.ok, false)
  return {...doc.error, stderr: r.stderr}
}

/**
 * The owner repository, made once: key "Owner" (first owner, trusted signer for main), main
 * protected (require-signed, no-force-push, no-delete) on top of a commit from before the rule,
 * then a signed commit, pushed to a directory remote. Each test works on a copy. The rule, the
 * signer, the signed commit and the push that publishes the policy run as `bl` (tests check the
 * policy versions they made and that the push published it); the rest in-process.
 */
let template: Promise<{a: Sandbox; remote: string; owner: string}> | undefined
function makeTemplate(): Promise<{a: Sandbox; remote: string; owner: string}> {
  template ??= (async () => {
    const a = sandbox()
    const ta = trust(a)
    initRepo(a)
    a.write('data/base.csv', 'a,b\n1,2\n')
    await ta.commitAll('before any rule')
    const owner = await key(a, 'Owner')
    await ta.config('user.signingKey', owner)
    await okA(a, ['protect', 'set', 'main', '--require-signed', '--no-force-push', '--no-delete', '-q'])
    await okA(a, ['signers', 'add', owner, '--branches', 'main', '-q'])
    assert.equal((await commit(a, 'data/signed.csv', 'signed', ['-S'])).code, 0)
    const remote = dirRemote()
    await ta.remoteAdd('origin', remote)
    await okA(a, ['push', '-u', '-q'])
    return {a, remote, owner}
  })()
  return template
}

/**
 * A copy of the owner repository (and, for a directory remote, of its remote); an S3 remote gets a
 * first push (in-process: inproc-remote.ts gives the call the sandbox's S3 credentials).
 */
async function ownerRepo(urlArgs: string[] | null, env: Record<string, string> = {}): Promise<{a: Sandbox; owner: string; url: string[]}> {
  const t = await makeTemplate()
  const a = sandbox(env)
  fs.cpSync(t.a.dir, a.dir, {recursive: true})
  fs.cpSync(t.a.configDir, a.configDir, {recursive: true})
  let url = urlArgs
  if (!url) {
    url = [dirRemote()]
    fs.cpSync(t.remote, url[0]!, {recursive: true})
  }
  if (urlArgs) {
    await remoteSetup(a).remoteSetUrl('origin', ...url)
    await remoteSetup(a).push('-q')
  } else await trust(a).remoteSetUrl('origin', url[0]!)
  return {a, owner: t.owner, url}
}

/** `bl clone -q <url> <sandbox dir>` in a new sandbox: the clone is what is checked. */
async function cloneOf(url: string): Promise<Sandbox> {
  const s = sandbox()
  await okA(s, ['clone', '-q', url, s.dir], {cwd: s.base})
  return s
}

/** cloneOf()'s set-up twin for a directory remote: the clone made in-process. */
async function cloneIP(url: string): Promise<Sandbox> {
  const s = sandbox()
  await trust(s).clone(url, s.dir)
  return s
}

/** `bl clone -q <url> <sandbox dir> [remote flags]` of an S3 remote in a new sandbox, in-process (inproc-remote.ts): set-up. */
async function cloneS3IP(urlArgs: string[], env: Record<string, string>): Promise<Sandbox> {
  const s = sandbox(env)
  await cloneInProcess(s, [urlArgs[0]!, s.dir, ...urlArgs.slice(1)])
  return s
}

describe('branch protection', {concurrency: true}, () => {
  it('linear, merge-only, file and commit size limits and the message pattern are enforced on commit and push', async () => {
    const a = sandbox()
    const ta = trust(a)
    initRepo(a)
    a.write('base.txt', 'base\n')
    const start = await ta.commitAll('DATA-1 base')
    const owner = await key(a, 'Owner')
    await ta.config('user.signingKey', owner)
    await ta.protectSet('main', {linear: true, maxFileSize: '1K', messagePattern: '^DATA-[0-9]+ '})
    await ta.protectSet('release', {mergeOnly: true, maxCommitSize: '2K'})
    const checks = async (args: string[]): Promise<string[]> => (await fails(a, args, 11)).data.violations.map((v: any) => v.check)

    // main: a file over 1 KiB, then a message off the pattern, each refused before anything moves.
    a.write('big.bin', crypto.randomBytes(2048))
    await ta.addAll()
    assert.deepEqual(await checks(['commit', '-m', 'DATA-2 big file']), ['max-file-size'])
    a.write('big.bin', crypto.randomBytes(512))
    await ta.addAll()
    assert.deepEqual(await checks(['commit', '-m', 'no ticket']), ['message-pattern'])
    assert.equal(await head(a), start, 'nothing was committed')
    await okA(a, ['commit', '-q', '-m', 'DATA-2 small file'])

    // main is linear: a merge commit is refused.
    await ta.switchNew('topic')
    a.write('topic.txt', 'topic\n')
    await ta.commitAll('DATA-3 topic')
    await ta.switch('main')
    a.write('main.txt', 'main\n')
    await ta.commitAll('DATA-4 main')
    assert.deepEqual(await checks(['merge', 'topic', '-m', 'DATA-5 merge']), ['linear'])
    await ta.mergeAbort()

    // release takes merges only, each at most 2 KiB of changed files.
    await setup(a).branch('release', start)
    await ta.switch('release')
    a.write('direct.txt', 'direct\n')
    await ta.addAll()
    assert.deepEqual(await checks(['commit', '-m', 'direct change']), ['merge-only'])
    await ta.restoreStaged('direct.txt')
    fs.rmSync(path.join(a.dir, 'direct.txt'))
    const merged = await jA(a, ['merge', '--no-ff', 'topic', '-m', 'merge topic'])
    assert.equal(merged.status, 'merged', 'a small merge lands')
    await ta.switchNew('heavy', start)
    a.write('heavy.bin', crypto.randomBytes(3000))
    await ta.commitAll('heavy')
    await ta.switch('release')
    assert.deepEqual(await checks(['merge', '--no-ff', 'heavy', '-m', 'merge heavy']), ['max-commit-size'])
    await ta.mergeAbort()

    // The same rules on push: a commit that was never checked on this branch (pushed there from another) is refused.
    const remote = dirRemote()
    await ta.remoteAdd('origin', remote)
    await ta.push({remote: 'origin', refspecs: ['main', 'release']})
    const pushed = await fails(a, ['push', '--force', 'origin', 'heavy:release'], 11)
    assert.ok(pushed.data.violations.some((v: any) => v.check === 'merge-only'), JSON.stringify(pushed.data.violations))
    // The hint fits the rule that was broken: merge, not sign.
    const hint = (await a.runAsync(withJson(['push', '--force', 'origin', 'heavy:release']))).json().error.hint
    assert.match(hint, /`bl merge --no-ff <branch>`/)
    assert.doesNotMatch(hint, /bl commit -S|force push/)
  })
  it('a fork is another repository (the source\'s policy does not bind it, the owner can fetch it); setting a rule again waves no pushed topic branch onto main', async () => {
    const {a, url} = await ownerRepo(null)
    const fork = dirRemote()
    await okA(a, ['fork', url[0]!, fork])
    const m = await cloneIP(fork)
    assert.equal((await commit(m, 'data/m1.csv', 'unsigned on my fork')).code, 0)
    // The contributor follows the source too, which brings its policy here.
    await trust(m).remoteAdd('upstream', url[0]!)
    await okA(m, ['fetch', '-q', 'upstream'])
    assert.equal((await jA(m, ['protect', 'list'])).rules.length, 1, 'the source\'s policy is known here')
    // main tracks the fork, which the policy does not govern: commits, verify and pushes there go on.
    assert.equal((await commit(m, 'data/m2.csv', 'still unsigned')).code, 0, 'main tracks the fork')
    assert.equal((await jA(m, ['verify'])).violations.length, 0)
    await okA(m, ['push', '-q', 'origin', 'main'])
    assert.equal(fs.existsSync(path.join(fork, 'meta', 'policy')), false, 'a non-owner does not spread the policy to the fork')
    // The owner fetches the fork (its unsigned main is not the source's main), and anyone can clone it.
    await trust(a).remoteAdd('fork', fork)
    await okA(a, ['fetch', '-q', 'fork'])
    await cloneOf(fork)
    // Pushing to the source is checked by its rules: an unprotected topic branch goes, main refuses it...
    await okA(m, ['push', '-q', 'upstream', 'main:topic'])
    assert.equal((await fails(m, ['push', 'upstream', 'main:main'], 11)).code, 'PROTECTED_BRANCH')
    // ...also after the owner, who has fetched that topic, changes a flag of the rule.
    await trust(a).fetch()
    await okA(a, ['protect', 'set', 'main', '--require-signed', '--no-force-push', '--no-delete', '--max-file-size', '1G', '-q'])
    // The changed rule published and fetched (set-up): the push below is what is checked.
    await trust(a).push({remote: 'origin', refspecs: ['main']})
    await trust(m).fetch('upstream')
    const refused = await fails(m, ['push', 'upstream', 'main:main'], 11)
    assert.ok(refused.data.violations.some((v: any) => v.check === 'require-signed'), JSON.stringify(refused.data.violations))
    assert.equal((await jA(a, ['verify'])).violations.length, 0)
  })
  it('merge, cherry-pick and revert sign their commits with commit.sign, so they may land on a protected branch', async () => {
    const {a} = await ownerRepo(null)
    const ta = trust(a)
    await ta.switchNew('topic')
    assert.equal((await commit(a, 'data/topic.csv', 'topic work')).code, 0, 'topic is not protected')
    const topic = await ta.rev()
    await ta.switch('main')
    assert.equal((await commit(a, 'data/main.csv', 'main work', ['-S'])).code, 0)
    // Unsigned merge commit: refused on the protected branch, and nothing moved.
    const before = await ta.rev()
    const refused = await fails(a, ['merge', '--no-ff', 'topic', '-m', 'merge topic'], 11)
    assert.equal(refused.code, 'PROTECTED_BRANCH')
    assert.match(refused.stderr + refused.message, /protected/)
    await ta.mergeAbort()
    assert.equal(await head(a), before)
    // A rebase writes on a detached HEAD, but its commits are for main: refused the same way.
    const rebased = await fails(a, ['rebase', 'topic'], 11)
    assert.equal(rebased.code, 'PROTECTED_BRANCH')
    await okA(a, ['rebase', '--abort'])
    assert.equal(await head(a), before)
    assert.equal((await jA(a, ['status'])).branch, 'main')
    // With commit.sign the same merge is signed by the trusted key and lands.
    await ta.config('commit.sign', 'true')
    const merged = await jA(a, ['merge', '--no-ff', 'topic', '-m', 'merge topic'])
    assert.equal(merged.status, 'merged')
    assert.equal((await jA(a, ['verify-commit', merged.commit])).status, 'good')
    await ta.switch('topic')
    assert.equal((await commit(a, 'data/topic2.csv', 'more topic work')).code, 0)
    const pick = await ta.rev()
    await ta.switch('main')
    const picked = await jA(a, ['cherry-pick', pick])
    assert.equal((await jA(a, ['verify-commit', picked.done[0].to])).status, 'good')
    const reverted = await jA(a, ['revert', 'HEAD'])
    assert.equal((await jA(a, ['verify-commit', reverted.done[0].to])).status, 'good')
    assert.notEqual(topic, pick)
  })

  it('first rule makes the first owner; a clone adopts the policy; a non-owner cannot change it', async () => {
    const {a, owner, url: [url]} = await ownerRepo(null)
    const owners = await jA(a, ['owners', 'list'])
    assert.deepEqual(owners.owners.map((o: any) => o.fingerprint), [owner])
    assert.equal(owners.policy.seq, 2, 'protect set made version 1, signers add version 2')
    assert.equal(fs.existsSync(path.join(url, 'meta', 'policy')), true, 'push published the policy')

    const b = await cloneOf(url)
    const rules = await jA(b, ['protect', 'list'])
    assert.equal(rules.policy.id, owners.policy.id, 'the clone accepted and pinned the owner-signed policy')
    assert.equal(rules.rules[0].pattern, 'main')
    assert.equal(rules.rules[0].requireSigned, true)
    const other = await key(b, 'Other')
    // Removing the only owner is refused for ownership first: the "add another owner" hint is not theirs to follow.
    for (const args of [['protect', 'set', 'main'], ['protect', 'remove', 'main'], ['signers', 'add', other], ['owners', 'add', other], ['owners', 'remove', owner]]) {
      const e = await fails(b, args, 11)
      assert.equal(e.code, 'NOT_POLICY_OWNER', args.join(' '))
    }
    assert.equal((await jA(b, ['protect', 'list'])).policy.id, owners.policy.id, 'nothing changed')
    // The owner may not remove the only owner either, and is told how to go on.
    const only = await fails(a, ['owners', 'remove', owner], 2)
    assert.equal(only.code, 'INVALID_ARGUMENT')
    assert.match(only.message, /is the only owner/)
    // The owner makes the other key an owner; after a fetch the clone may change rules.
    fs.writeFileSync(path.join(a.base, 'other.asc'), await trust(b).keyExport(other))
    await trust(a).keyImport(path.join(a.base, 'other.asc'))
    await okA(a, ['owners', 'add', other, '-q'])
    await okA(a, ['push', '-q'])
    await okA(b, ['fetch', '-q'])
    assert.deepEqual((await jA(b, ['owners', 'list'])).owners.map((o: any) => o.fingerprint).sort(), [owner, other].sort())
    const set = await jA(b, ['protect', 'set', 'release/*', '--linear'])
    assert.equal(set.policy.signedBy, other)
  })

  it('refuses unsigned, untrusted and out-of-validity commits on commit and on push', async () => {
    const {a, url: [url]} = await ownerRepo(null)
    const ta = trust(a)
    const releaseOnly = await key(a, 'Release')
    const expired = await key(a, 'Expired')
    await ta.signersAdd(releaseOnly, {branches: ['release/*']})
    await ta.signersAdd(expired, {branches: ['main'], validUntil: '2020-01-01'})
    await ta.push()
    const tip = await ta.rev()

    // On commit: unsigned, a valid key that is not trusted for main, a signer whose validity ended.
    for (const [extra, expect] of [
      [[], /not signed/],
      [['--key', releaseOnly], /trusted signer only for release\/\*, not for main/],
      [['--key', expired], /stopped being trusted/],
    ] as Array<[string[], RegExp]>) {
      const r = await commit(a, 'data/x.csv', 'try', extra)
      assert.equal(r.code, 11, `commit ${extra.join(' ')}: ${r.stdout}`)
      const e = r.json().error
      assert.equal(e.code, 'PROTECTED_BRANCH')
      assert.equal(e.data.violations[0].check, 'require-signed')
      assert.match(e.data.violations[0].message, expect)
    }
    assert.equal(await head(a), tip, 'no commit was made')

    // On push: the same commits made on an unprotected branch, pushed to main.
    await ta.switchNew('topic')
    for (const [extra, expect] of [
      [[], /not signed/],
      [['--key', releaseOnly], /not for main/],
      [['--key', expired], /stopped being trusted/],
    ] as Array<[string[], RegExp]>) {
      await ta.resetHard(tip)
      assert.equal((await commit(a, 'data/y.csv', 'on topic', extra)).code, 0)
      const c = await ta.rev()
      const e = await fails(a, ['push', 'origin', 'topic:main'], 11)
      assert.equal(e.code, 'PROTECTED_BRANCH')
      const v = e.data.violations.find((x: any) => x.commit === c)
      assert.ok(v, `names commit ${c}: ${JSON.stringify(e.data.violations)}`)
      assert.equal(v.rule, 'main')
      assert.equal(v.check, 'require-signed')
      assert.match(v.message, expect)
      // One error line; each violation on a line of its own before it (text output).
      assert.doesNotMatch(e.message, /\n/)
      const text = await a.runAsync(['push', 'origin', 'topic:main'])
      assert.match(text.stderr, new RegExp(`^protect: ${c.slice(0, 12)} main: require-signed .*\\n(?:protect: .*\\n)*error: push to origin refused`, 'm'))
    }
    assert.equal((await jA(a, ['ls-remote'])).find((r: any) => r.ref === 'refs/heads/main').commit, tip, 'the remote main did not move')
    // The release signer is fine where it is trusted.
    await ta.resetHard(tip)
    assert.equal((await commit(a, 'data/z.csv', 'release', ['--key', releaseOnly])).code, 0)
    await okA(a, ['push', '-q', 'origin', 'topic:release/1'])
  })

  it('no-force-push and no-delete on push; a signed fast-forward passes', async () => {
    const {a, url: [url]} = await ownerRepo(null)
    const ta = trust(a)
    const base = await ta.rev()
    assert.equal((await commit(a, 'data/n.csv', 'next', ['-S'])).code, 0)
    const next = await ta.rev()
    await ta.push()
    await ta.resetHard(base)
    assert.equal((await commit(a, 'data/o.csv', 'rewritten', ['-S'])).code, 0)
    const e = await fails(a, ['push', '--force'], 11)
    assert.equal(e.code, 'PROTECTED_BRANCH')
    assert.ok(e.data.violations.some((v: any) => v.check === 'no-force-push' && v.rule === 'main'))
    const d = await fails(a, ['push', 'origin', '--delete', 'main'], 11)
    assert.ok(d.data.violations.some((v: any) => v.check === 'no-delete'))
    const hints = (await Promise.all([['push', '--force'], ['push', 'origin', '--delete', 'main']].map((args) => a.runAsync(withJson(args))))).map((r) => r.json().error.hint)
    assert.match(hints[0], /may not be rewritten/)
    assert.match(hints[1], /may not be deleted/)
    for (const h of hints) assert.doesNotMatch(h, /bl commit -S/)
    assert.equal((await jA(a, ['ls-remote'])).find((r: any) => r.ref === 'refs/heads/main').commit, next)
  })

  it('a removed owner cannot roll the policy back: a fork from before a published version is ignored, and the owner\'s push repairs it', async () => {
    const {a, owner, url: [url]} = await ownerRepo(null)
    const ta = trust(a)
    const b = await cloneIP(url)
    const mal = await key(b, 'Mal')
    fs.writeFileSync(path.join(a.base, 'mal.asc'), await trust(b).keyExport(mal))
    await ta.keyImport(path.join(a.base, 'mal.asc'))
    await ta.ownersAdd(mal)
    await ta.push()
    const file = path.join(url, 'meta', 'policy')
    const withMal = fs.readFileSync(file)
    await ta.ownersRemove(mal)
    await ta.push()
    const current = (await jA(a, ['protect', 'list'])).policy.id
    // Mal signs a successor of the last version he owned, without the rules, and writes it to the store.
    const p = decodePolicy(withMal)
    const fork = {...p, seq: p.seq + 1, prev: policyId(withMal), rules: [], signedBy: mal}
    const secret = await trust(b).keyExport(mal, {secret: true})
    const unlocked = await new OpenPgpSigner().unlock(secret, {date: new Date(), passphrase: async () => '', maxAttempts: 1})
    const bytes = encodePolicy({...fork, signature: await unlocked.sign(policyPayload(fork), new Date())})
    fs.writeFileSync(path.join(url, 'meta', 'policies', policyId(bytes)), bytes)
    fs.writeFileSync(file, bytes)
    const r = await a.runAsync(['fetch'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /warning: IGNORED the protection policy on origin.*would roll back the published version/)
    const after = await jA(a, ['owners', 'list'])
    assert.equal(after.policy.id, current, 'the policy in force stays')
    assert.deepEqual(after.owners.map((o: any) => o.fingerprint), [owner])
    assert.equal((await commit(a, 'data/u.csv', 'unsigned')).code, 11, 'main is still protected')
    const push = await a.runAsync(['push'])
    assert.equal(push.code, 0, push.stderr)
    assert.match(push.stderr, /replaced the protection policy on origin/)
    assert.equal(policyId(fs.readFileSync(file)), current)
  })

  it('a policy on the remote replaced by an unsigned or non-owner-signed one is ignored with a warning', async () => {
    const {a, url: [url]} = await ownerRepo(null)
    const b = await cloneIP(url)
    const pinned = (await jA(b, ['protect', 'list'])).policy.id
    const file = path.join(url, 'meta', 'policy')
    const real = fs.readFileSync(file)
    const p = decodePolicy(real)
    const relaxed = {...p, seq: p.seq + 1, prev: policyId(real), rules: []}

    // Unsigned: the same document without the signature field.
    const unsigned = JSON.parse(encodePolicy(relaxed).toString())
    delete unsigned.signature
    fs.writeFileSync(file, JSON.stringify(unsigned))
    let r = await b.runAsync(['fetch'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /warning: IGNORED the protection policy on origin/)
    assert.equal((await jA(b, ['protect', 'list'])).policy.id, pinned)

    // Signed by a key that is not an owner (a valid successor in every other respect).
    const intruder = await key(b, 'Intruder')
    const secret = await trust(b).keyExport(intruder, {secret: true})
    const signer = new OpenPgpSigner()
    const unlocked = await signer.unlock(secret, {date: new Date(), passphrase: async () => '', maxAttempts: 1})
    const forged = {...relaxed, signedBy: intruder}
    const bytes = encodePolicy({...forged, signature: await unlocked.sign(policyPayload(forged), new Date())})
    fs.writeFileSync(file, bytes)
    r = await b.runAsync(['fetch'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /IGNORED.*not an owner/)
    const after = await jA(b, ['protect', 'list'])
    assert.equal(after.policy.id, pinned, 'the last valid policy stays in force')
    assert.equal(after.rules.length, 1)
    // Still enforced: an unsigned commit on main is refused.
    assert.equal((await commit(b, 'data/u.csv', 'unsigned')).code, 11)

    // The owner's next push puts the valid policy back.
    r = await a.runAsync(['push'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /replaced the protection policy on origin/)
    assert.equal(policyId(fs.readFileSync(file)), pinned)
  })

  for (const kind of ['directory', 's3'] as const) {
    it(`a ref written straight into the remote (${kind}) is caught by fetch, pull and verify --branch`, async () => {
      const prefix = `bypass-${crypto.randomBytes(4).toString('hex')}`
      const env = kind === 's3' ? s3Env(server) : {}
      const {a, url} = await ownerRepo(kind === 's3' ? [`s3://${server.bucket}/${prefix}`, '--endpoint', server.endpoint, '--path-style'] : null, env)
      const good = await trust(a).rev()
      // Another client: an unsigned commit on an unprotected branch (allowed), pushed; the clone and
      // the push are set-up, in-process (inproc-remote.ts gives S3 calls the sandbox's credentials).
      const b = kind === 's3' ? await cloneS3IP(url, env) : await cloneIP(url[0]!)
      const tb = trust(b)
      await tb.switchNew('feature')
      assert.equal((await commit(b, 'data/evil.csv', 'unsigned change')).code, 0)
      const evil = await tb.rev()
      if (kind === 's3') await remoteSetup(b).push('-q', '-u', 'origin', 'feature')
      else await tb.push({remote: 'origin', refspecs: ['feature'], setUpstream: true})
      // ... then main moved to it by writing the ref object directly, as a client without bl could.
      const ref = Buffer.from(JSON.stringify({commit: evil, nonce: 'bypass'}) + '\n')
      if (kind === 's3') {
        const s3 = new S3Client(s3ClientConfig(server))
        await s3.send(new PutObjectCommand({Bucket: server.bucket, Key: `${prefix}/refs/heads/main`, Body: ref}))
        s3.destroy()
      } else fs.writeFileSync(path.join(url[0]!, 'refs', 'heads', 'main'), ref)

      const f = await fails(a, ['fetch'], 11)
      assert.equal(f.code, 'POLICY_VIOLATION')
      const v = f.data.violations.find((x: any) => x.commit === evil)
      assert.ok(v, JSON.stringify(f.data.violations))
      assert.equal(v.rule, 'main')
      assert.equal(v.check, 'require-signed')
      assert.doesNotMatch(f.message, /\n/)
      assert.match((await a.runAsync(['fetch'])).stderr, new RegExp(`^protect: ${evil.slice(0, 12)} main: require-signed`, 'm'))
      assert.equal(await head(a, 'origin/main'), good, 'origin/main was not moved')
      assert.equal(await head(a, 'origin/feature'), evil, 'other branches still update')
      const p = await fails(a, ['pull'], 11)
      assert.equal(p.code, 'POLICY_VIOLATION')
      assert.equal(await head(a), good, 'the local main was not moved')

      // bl verify audits a history holding the commit (the other clone moved its main without a commit).
      await tb.switch('main')
      await tb.resetHard(evil)
      const ver = await fails(b, ['verify', '--branch', 'main'], 11)
      assert.equal(ver.code, 'POLICY_VIOLATION')
      assert.deepEqual(ver.data.violations.map((x: any) => [x.commit, x.rule, x.check]), [[evil, 'main', 'require-signed']])
      const clean = await jA(a, ['verify', '--branch', 'main'])
      assert.equal(clean.violations.length, 0)
      assert.equal(clean.branches[0].checked, 1, 'the commit from before the rule is not audited')
      const all = await fails(a, ['verify', '--branch', 'main', '--all'], 11)
      assert.equal(all.data.violations.length, 1, '--all also audits the commit from before the rule')
      const fetched = (await a.runAsync(withJson(['fetch']))).json().error.hint
      assert.match(fetched, /were downloaded/)
      if (kind === 'directory') {
        // A clone that fails removes what it made: its hint does not send the user to inspect downloaded commits.
        const c = new Sandbox(env)
        cleanup.push(() => c.cleanup())
        const into = path.join(c.base, 'fresh-clone')
        const cl = await c.runAsync(withJson(['clone', url[0]!, into]), {cwd: c.base})
        assert.equal(cl.code, 11, cl.stdout + cl.stderr)
        assert.equal(fs.existsSync(into), false)
        assert.match(cl.json().error.hint, /Nothing of the clone was kept/)
        assert.doesNotMatch(cl.json().error.hint, /downloaded|bl show/)
        // A protected branch deleted straight on the remote: no commits came, origin/main stays.
        fs.rmSync(path.join(url[0]!, 'refs', 'heads', 'main'))
        const del = await fails(a, ['fetch'], 11)
        assert.ok(del.data.violations.some((x: any) => x.check === 'no-delete'), JSON.stringify(del.data.violations))
        const delHint = (await a.runAsync(withJson(['fetch']))).json().error.hint
        assert.doesNotMatch(delHint, /downloaded|bl show/)
        assert.match(delHint, /`bl push origin origin\/main:main`/)
      }
    })
  }
})
