/**
 * Remotes through the real binary, against a directory remote and against a real S3-compatible
 * HTTP server (s3rver behind the conditional-write proxy of test/support/s3-targets.server.ts, driven by
 * the real AWS SDK): round trip, only missing objects travel, fetch-first on a lost race (4
 * concurrent pushers, no commit lost), the lost-response case, faults retried, corrupted remote
 * objects refused, the conditional-write probe, credentials never stored or printed.
 */
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import {jA, okA, Sandbox, sleep, withJson, initRepo} from './helpers.ts'
// Set-up commits are made in this process (the core operations of `bl add -A` + `bl commit`): what these tests examine is the transport.
import {commitFiles, setup} from './inproc.ts'
// So are set-up remotes, pushes, clones, tags, branches and resets (inproc-remote.ts); the pushes,
// clones, fetches and pulls a test is about, or whose output or effect it checks, run as `bl`.
import {cloneInProcess, remoteSetup} from './inproc-remote.ts'
import {ops} from './inproc-history.ts'
import {s3Env, startS3Server} from '../support/s3-server.ts'
import {useRemoteTargets, type Target} from '../support/remote-targets.ts'

const targets = useRemoteTargets('bl-remote-')
const dirTarget = targets.dir
const s3Target = targets.s3

async function sandbox(t: Target): Promise<Sandbox> {
  const s = new Sandbox(t.env())
  initRepo(s)
  return s
}

/** Clones into a fresh sandbox; returns it with its work tree at `dir`. */
async function cloneOf(t: Target, urlArgs: string[], env: Record<string, string> = {}): Promise<Sandbox> {
  const s = new Sandbox({...t.env(), ...env})
  await okA(s, ['clone', '-q', urlArgs[0]!, s.dir, ...urlArgs.slice(1)], {cwd: s.base})
  return s
}

/** A clone made in this process as `bl clone -q` makes it, where the clone is set-up (the tests about clone run it as `bl`). */
async function cloneOfIP(t: Target, urlArgs: string[]): Promise<Sandbox> {
  const s = new Sandbox(t.env())
  await cloneInProcess(s, [urlArgs[0]!, s.dir, ...urlArgs.slice(1)])
  return s
}

for (const t of [dirTarget, s3Target]) {
  describe(`remotes over ${t.name}`, () => {
    it('push, clone elsewhere: files byte-identical, branch and upstream set, status clean', async () => {
      const a = await sandbox(t)
      const big = crypto.randomBytes(3_000_000)
      const csv = Array.from({length: 30_000}, (_, i) => `${i},sensor-${i % 17},${(i * 0.37).toFixed(3)}`).join('\n') + '\n'
      // An executable, a symlink and two paths with one content: the clone writes files while they
      // download (staged) and renames them into place; each of these takes another path there.
      fs.symlinkSync('table.csv', path.join(a.dir, 'link'))
      a.write('run.sh', '#!/bin/sh\n')
      fs.chmodSync(path.join(a.dir, 'run.sh'), 0o755)
      const c1 = await commitFiles(a, {'images/big.bin': big, 'images/copy.bin': big, 'table.csv': csv, 'empty.txt': ''}, 'first')
      const url = t.url('repo-a')
      await remoteSetup(a).remoteAdd('origin', ...url)
      const pushed = await jA(a, ['push', '-u'])
      assert.equal(pushed.refs[0].status, 'created')
      assert.ok(pushed.objects > 0)
      assert.equal((await jA(a, ['ls-remote']))[0].commit, c1)

      const b = new Sandbox(t.env())
      // ls-remote of a URL, outside any repository, with the options to reach it (--endpoint, ...).
      assert.equal((await jA(b, ['ls-remote', ...url], {cwd: b.base}))[0].commit, c1)
      const cloned = await jA(b, ['clone', url[0]!, b.dir, ...url.slice(1)], {cwd: b.base})
      // run.sh, big.bin and table.csv came from the download; copy.bin (big.bin's content again),
      // the empty file (nothing to download) and the symlink were written the usual way.
      assert.equal(cloned.staged, 3)
      assert.deepEqual(b.read('images/big.bin'), big)
      assert.deepEqual(b.read('images/copy.bin'), big)
      assert.equal(b.read('table.csv').toString(), csv)
      assert.equal(b.read('empty.txt').length, 0)
      assert.equal(fs.readlinkSync(path.join(b.dir, 'link')), 'table.csv')
      assert.equal(fs.statSync(path.join(b.dir, 'run.sh')).mode & 0o111, 0o111, 'the exec bit survives the clone')
      assert.equal(fs.statSync(path.join(b.dir, 'table.csv')).mode & 0o111, 0)
      assert.deepEqual(fs.readdirSync(path.join(b.dir, '.bl')).filter((n) => n.startsWith('stage-')), [], 'no staged file is left behind')
      assert.equal((await jA(b, ['log']))[0].id, c1)
      assert.equal((await jA(b, ['status'])).clean, true)
      const fsck = await jA(b, ['fsck'])
      assert.deepEqual(fsck.problems, [])
      assert.equal(fsck.ok, true)
      assert.equal((await jA(b, ['status'])).branch, 'main')
      assert.equal((await okA(b, ['config', 'branch.main.remote'])).stdout.trim(), 'origin', 'clone sets the upstream')
      // Remote-tracking branches are listed and resolve as revisions, as in Git.
      assert.deepEqual((await jA(b, ['branch', '-r'])).map((x: any) => [x.name, x.remote]), [['origin/main', true]])
      assert.deepEqual((await jA(b, ['branch', '-a'])).map((x: any) => x.name), ['main', 'origin/main'])
      assert.equal((await jA(b, ['log', '-n', '1', 'origin/main']))[0].id, c1)
      a.cleanup()
      b.cleanup()
    })

    it('only missing objects travel: a one-row edit of a big CSV uploads about one chunk; fetch brings O(change)', async () => {
      const a = await sandbox(t)
      const rows = Array.from({length: 200_000}, (_, i) => `${i},${(i * 7919) % 100_003},name-${i}`).join('\n') + '\n'
      await commitFiles(a, {'data.csv': rows}, 'csv')
      const url = t.url('repo-b')
      await remoteSetup(a).remoteAdd('origin', ...url)
      const first = await remoteSetup(a).push('-u')
      const b = await cloneOfIP(t, url)
      const edited = rows.replace('\n100000,', '\n100000,EDITED,')
      await commitFiles(a, {'data.csv': edited}, 'edit one row')
      const second = await jA(a, ['push'])
      assert.ok(second.bytes < 600_000, `incremental push sent ${second.bytes} bytes (first push ${first.bytes})`)
      assert.ok(second.objects <= 6, `sent ${second.objects} objects`)
      const f = await jA(b, ['fetch'])
      assert.ok(f.bytes < 600_000, `fetch received ${f.bytes} bytes`)
      assert.equal(f.updated[0].ref, 'refs/remotes/origin/main')
      await okA(b, ['pull', '-q', '--ff-only'])
      assert.equal(b.read('data.csv').toString(), edited)
      a.cleanup()
      b.cleanup()
    })

    it('a push that lost the race fails with FETCH_FIRST (exit 5); after pull + push both commits are there', async () => {
      const a = await sandbox(t)
      await commitFiles(a, {'a.txt': 'a\n'}, 'base')
      const url = t.url('repo-c')
      await remoteSetup(a).remoteAdd('origin', ...url)
      await remoteSetup(a).push('-q', '-u')
      const b = await cloneOfIP(t, url)
      const ca = await commitFiles(a, {'from-a.txt': 'A\n'}, 'a work')
      const cb = await commitFiles(b, {'from-b.txt': 'B\n'}, 'b work')
      await remoteSetup(a).push('-q')
      assert.deepEqual((await jA(b, ['status'])).upstream, {ref: 'origin/main', ahead: 1, behind: 0, gone: false})
      const r = await b.runAsync(withJson(['push']))
      assert.equal(r.code, 5, r.stdout + r.stderr)
      assert.equal(r.json().error.code, 'FETCH_FIRST')
      await okA(b, ['fetch', '-q'])
      assert.deepEqual((await jA(b, ['status'])).upstream, {ref: 'origin/main', ahead: 1, behind: 1, gone: false})
      assert.match((await okA(b, ['status'])).stdout, /have diverged,\nand have 1 and 1 different commits each/)
      // Now the remote tip is known here: Git's non-fast-forward, not "fetch first".
      const nff = await b.runAsync(withJson(['push']))
      assert.equal(nff.code, 5, nff.stdout + nff.stderr)
      assert.equal(nff.json().error.code, 'NOT_FAST_FORWARD')
      assert.match(nff.json().error.message, /main and main on origin have diverged/)
      assert.match(nff.json().error.hint, /`bl merge origin\/main` on main/)
      await okA(b, ['pull', '-q'])
      await okA(b, ['push', '-q'])
      await okA(a, ['pull', '-q', '--ff-only'])
      const ids = (await jA(a, ['log'])).map((e: any) => e.id)
      assert.ok(ids.includes(ca) && ids.includes(cb), 'no commit lost')
      assert.equal(a.read('from-b.txt').toString(), 'B\n')
      a.cleanup()
      b.cleanup()
    })

    it('4 processes push different commits to one branch at once: one wins each round, none is lost', async () => {
      const seed = await sandbox(t)
      await commitFiles(seed, {'seed.txt': 'seed\n'}, 'seed')
      const url = t.url('repo-race')
      await remoteSetup(seed).remoteAdd('origin', ...url)
      await remoteSetup(seed).push('-q', '-u')
      const workers = await Promise.all(Array.from({length: 4}, () => cloneOfIP(t, url)))
      const mine: string[] = []
      for (const [i, w] of workers.entries()) mine.push(await commitFiles(w, {[`w${i}.bin`]: crypto.randomBytes(50_000)}, `worker ${i}`))
      let pending = workers.map((_, i) => i)
      for (let round = 0; pending.length > 0 && round < 6; round++) {
        const results = await Promise.all(pending.map((i) => workers[i]!.runAsync(withJson(['push']))))
        const won = pending.filter((_, k) => results[k]!.code === 0)
        const lost = pending.filter((_, k) => results[k]!.code !== 0)
        assert.equal(won.length, 1, `round ${round}: exactly one push wins (${results.map((r) => r.code).join(',')})`)
        for (const k of lost) {
          const res = results[pending.indexOf(k)]!
          assert.equal(res.code, 5)
          assert.equal(res.json().error.code, 'FETCH_FIRST')
          await okA(workers[k]!, ['pull', '-q'])
        }
        pending = lost
      }
      assert.deepEqual(pending, [])
      await okA(seed, ['pull', '-q', '--ff-only'])
      const ids = new Set((await jA(seed, ['log'])).map((e: any) => e.id))
      for (const c of mine) assert.ok(ids.has(c), `commit ${c.slice(0, 12)} is in the history`)
      for (let i = 0; i < 4; i++) assert.equal(seed.exists(`w${i}.bin`), true)
      seed.cleanup()
      for (const w of workers) w.cleanup()
    })

    it('fork shares the data server-side; pushes to the fork leave the source alone; upstream pulls work', async () => {
      const a = await sandbox(t)
      const payload = crypto.randomBytes(1_500_000)
      const c1 = await commitFiles(a, {'big.bin': payload}, 'source work')
      const srcUrl = t.url('fork-src')
      await remoteSetup(a).remoteAdd('origin', ...srcUrl)
      await remoteSetup(a).push('-q', '-u')
      const forkUrl = t.name === 's3' ? [`s3://${targets.server.bucket}/fork-dst`, ...srcUrl.slice(1)] : [srcUrl[0]! + '-fork']
      const packReads = (): number => targets.server.requests.count({op: 'GetObject', path: '/fork-src/packs/'})
      const before = packReads()
      const f = await jA(a, ['fork', srcUrl[0]!, forkUrl[0]!, ...srcUrl.slice(1)])
      assert.deepEqual(f.refs, [{ref: 'refs/heads/main', commit: c1}])
      assert.ok(f.packs >= 1)
      if (t.name === 's3') assert.ok(targets.server.requests.count({op: 'CopyObject'}) >= f.packs, 'objects are copied server-side')
      if (t.name === 's3') assert.equal(packReads(), before, 'no pack is downloaded')
      const b = await cloneOf(t, forkUrl)
      assert.deepEqual(b.read('big.bin'), payload)
      const c2 = await commitFiles(b, {'fork-only.txt': 'mine\n'}, 'fork work')
      await okA(b, ['push', '-q'])
      assert.equal((await jA(a, ['ls-remote']))[0].commit, c1, 'the source did not move')
      await remoteSetup(b).remoteAdd('upstream', ...srcUrl)
      const c3 = await commitFiles(a, {'upstream.txt': 'news\n'}, 'upstream news')
      await remoteSetup(a).push('-q')
      await okA(b, ['pull', '-q', 'upstream', 'main'])
      const ids = (await jA(b, ['log'])).map((e: any) => e.id)
      assert.ok(ids.includes(c2) && ids.includes(c3))
      a.cleanup()
      b.cleanup()
    })

    it('a corrupted object on the remote is refused and nothing enters the store', async () => {
      const a = await sandbox(t)
      await commitFiles(a, {'x.bin': crypto.randomBytes(200_000)}, 'x')
      const url = t.url('repo-corrupt')
      await remoteSetup(a).remoteAdd('origin', ...url)
      await remoteSetup(a).push('-q', '-u')
      corruptOnePack(t, url)
      const b = new Sandbox(t.env())
      const r = await b.runAsync(withJson(['clone', url[0]!, b.dir, ...url.slice(1)]), {cwd: b.base})
      assert.equal(r.code, 6, r.stdout + r.stderr)
      assert.equal(r.json().error.code, 'CORRUPT_REMOTE')
      assert.equal(fs.existsSync(path.join(b.dir, '.bl')), false, 'a failed clone leaves nothing behind')
      a.cleanup()
      b.cleanup()
    })
  })
}

/** Flips bytes inside the data pack (the biggest .pack) on the remote. */
function corruptOnePack(t: Target, url: string[]): void {
  const packDir = t.name === 's3' ? path.join(targets.server.directory, targets.server.bucket, 'repo-corrupt', 'packs') : path.join(url[0]!, 'packs')
  const packs = fs.readdirSync(packDir).filter((f) => f.endsWith('.pack') || f.endsWith('.pack._S3rver_object'))
  const files = packs.map((f) => path.join(packDir, f)).filter((f) => fs.statSync(f).isFile())
  const biggest = files.sort((x, y) => fs.statSync(y).size - fs.statSync(x).size)[0]!
  const buf = fs.readFileSync(biggest)
  for (let i = 1000; i < 1100; i++) buf[i] = buf[i]! ^ 0xff
  fs.writeFileSync(biggest, buf)
}

// Side by side: each test has its own sandboxes and remotes, and none injects server faults.
describe('remote configuration and S3 specifics', {concurrency: true}, () => {
  it('remote add/list/set-url/get-url/remove; credentials in URLs are refused and never printed', async () => {
    const s = new Sandbox()
    initRepo(s)
    await okA(s, ['remote', 'add', 'origin', 's3://bucket/prefix', '--endpoint', 'http://127.0.0.1:9', '--path-style', '--region', 'eu-west-1'])
    const list = await jA(s, ['remote', 'list'])
    assert.deepEqual(list.map((r: any) => [r.name, r.url, r.endpoint, r.region, r.pathStyle]), [['origin', 's3://bucket/prefix', 'http://127.0.0.1:9', 'eu-west-1', true]])
    const bad = await s.runAsync(withJson(['remote', 'add', 'leak', 'https://AKIAXXXX:supersecret@example.com/repo']))
    assert.equal(bad.code, 2)
    assert.ok(!bad.stdout.includes('supersecret') && !bad.stderr.includes('supersecret'))
    assert.equal((await s.runAsync(['remote', 'add', 'origin', '/tmp/x'])).code, 5, 'a second origin is refused')
    await okA(s, ['remote', 'set-url', 'origin', 's3://other/p'])
    assert.equal((await okA(s, ['remote', 'get-url', 'origin'])).stdout, 's3://other/p\n')
    await okA(s, ['remote', 'remove', 'origin'])
    assert.equal((await s.runAsync(['remote', 'get-url', 'origin'])).code, 4, 'no such remote')
    assert.deepEqual(await jA(s, ['remote', 'list']), [])
    assert.equal((await s.runAsync(['push', 'origin'])).code, 4, 'unknown remote')
    const cfg = fs.readdirSync(s.dir + '/.bl')
    assert.ok(cfg.length > 0)
    s.cleanup()
  })

  it('clone and fork read a relative remote path from where they run, and record it absolute', async () => {
    const a = await sandbox(dirTarget)
    await commitFiles(a, {'a.txt': 'one\n'}, 'one')
    const remoteDir = dirTarget.url('repo-relative')[0]!
    await remoteSetup(a).remoteAdd('origin', remoteDir)
    await remoteSetup(a).push('-q', '-u')
    const b = new Sandbox()
    const rel = path.relative(b.base, remoteDir)
    await okA(b, ['clone', '-q', rel, 'copy'], {cwd: b.base})
    assert.equal(fs.readFileSync(path.join(b.base, 'copy', 'a.txt'), 'utf8'), 'one\n')
    const forkDir = path.join(b.base, 'fork')
    await okA(b, ['fork', rel, 'fork'], {cwd: b.base})
    assert.equal(JSON.parse(fs.readFileSync(path.join(forkDir, 'BLREPO'), 'utf8')).forkedFrom, remoteDir)
    a.cleanup()
    b.cleanup()
  })

  it('clone checks out another branch, with a warning, when the remote\'s default branch does not exist', async () => {
    const a = await sandbox(dirTarget)
    await commitFiles(a, {'a.txt': 'on feat\n'}, 'one')
    await setup(a).branch('feat')
    const url = dirTarget.url('repo-no-default')
    await remoteSetup(a).remoteAdd('origin', ...url)
    // The first push names the current branch (main) as the default, but sends only feat.
    await remoteSetup(a).push('-q', 'origin', 'feat')
    const b = new Sandbox()
    const r = await b.runAsync(['clone', url[0]!, b.dir], {cwd: b.base})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /warning: the remote's default branch main does not exist; checking out feat/)
    assert.equal((await jA(b, ['status'])).branch, 'feat')
    assert.equal(b.read('a.txt').toString(), 'on feat\n')
    a.cleanup()
    b.cleanup()
  })

  it('push --delete needs a name, deletes a tag by its short name, and refuses a ref the remote lacks', async () => {
    const a = await sandbox(dirTarget)
    await commitFiles(a, {'a.txt': '1\n'}, 'one')
    await remoteSetup(a).remoteAdd('origin', ...dirTarget.url('repo-delete'))
    await remoteSetup(a).push('-q', '-u')
    await remoteSetup(a).tag('v1')
    await remoteSetup(a).push('-q', '--tags')
    const remoteRefs = async (): Promise<string[]> => (await jA(a, ['ls-remote'])).map((r: any) => r.ref).sort()
    assert.deepEqual(await remoteRefs(), ['refs/heads/main', 'refs/tags/v1'])
    // Git refuses a --delete without refs; it must never default to the current branch.
    const bare = await a.runAsync(withJson(['push', '--delete']))
    assert.equal(bare.code, 2, bare.stdout + bare.stderr)
    assert.equal(bare.json().error.code, 'INVALID_ARGUMENT')
    const missing = await a.runAsync(withJson(['push', 'origin', '--delete', 'nosuch']))
    assert.equal(missing.code, 4, missing.stdout + missing.stderr)
    assert.equal(missing.json().error.code, 'REF_NOT_FOUND')
    assert.deepEqual(await remoteRefs(), ['refs/heads/main', 'refs/tags/v1'])
    const del = await jA(a, ['push', 'origin', '--delete', 'v1'])
    assert.deepEqual(del.refs.map((r: any) => [r.ref, r.status]), [['refs/tags/v1', 'deleted']])
    assert.deepEqual(await remoteRefs(), ['refs/heads/main'])
    a.cleanup()
  })

  it('a tag pushed to a name without refs/ is a tag there, unless the remote has a branch of that name (Git\'s rule)', async () => {
    const a = await sandbox(dirTarget)
    const c1 = await commitFiles(a, {'a.txt': '1\n'}, 'one')
    await remoteSetup(a).remoteAdd('origin', ...dirTarget.url('repo-tag-dst'))
    await remoteSetup(a).push('-q', '-u')
    await remoteSetup(a).tag('v1')
    const c2 = await commitFiles(a, {'a.txt': '2\n'}, 'two')
    await remoteSetup(a).tag('v2')
    await okA(a, ['push', '-q', 'origin', 'v1:v1', 'v2:main'])
    const refs = Object.fromEntries((await jA(a, ['ls-remote'])).map((r: any) => [r.ref, r.commit]))
    assert.deepEqual(refs, {'refs/heads/main': c2, 'refs/tags/v1': c1})
    a.cleanup()
  })

  it('push refuses invalid destination ref names (BAD_REF_NAME) before writing anything; fetch skips such remote refs', async () => {
    const a = await sandbox(dirTarget)
    await commitFiles(a, {'a.txt': '1\n'}, 'one')
    const [dir] = dirTarget.url('repo-badref')
    await remoteSetup(a).remoteAdd('origin', dir!)
    // One of each kind (the name rules themselves are bl branch's, tested there).
    for (const dst of ['a..b', 'main/', 'main.lock', 'refs/other/x']) {
      const r = await a.runAsync(withJson(['push', 'origin', `main:${dst}`]))
      assert.equal(r.code, 2, `${dst}: ${r.stdout}${r.stderr}`)
      assert.equal(r.json().error.code, 'BAD_REF_NAME', dst)
    }
    assert.equal(fs.existsSync(dir!), false, 'nothing was written to the remote')
    await remoteSetup(a).push('-q', 'origin', 'main')
    // A ref an old client wrote under an invalid name: fetch warns and skips it.
    fs.copyFileSync(path.join(dir!, 'refs', 'heads', 'main'), path.join(dir!, 'refs', 'heads', 'a..b'))
    const b = await cloneOfIP(dirTarget, [dir!])
    const f = await b.runAsync(['fetch'])
    assert.equal(f.code, 0, f.stderr)
    assert.match(f.stderr, /warning: ignoring refs\/heads\/a\.\.b on origin: not a valid ref name/)
    assert.deepEqual((await jA(b, ['branch', '-r'])).map((x: any) => x.name), ['origin/main'])
    a.cleanup()
    b.cleanup()
  })

  it('push sources are revisions as in Git: <commit>:main, HEAD~1:main; a bare revision needs a destination', async () => {
    const a = await sandbox(dirTarget)
    const c1 = await commitFiles(a, {'a.txt': '1\n'}, 'one')
    const c2 = await commitFiles(a, {'a.txt': '2\n'}, 'two')
    await remoteSetup(a).remoteAdd('origin', ...dirTarget.url('repo-revsrc'))
    await okA(a, ['push', '-q', 'origin', 'HEAD'])
    const remoteMain = async (): Promise<string> => (await jA(a, ['ls-remote'])).find((x: any) => x.ref === 'refs/heads/main').commit
    assert.equal(await remoteMain(), c2)
    // signing.md's repair: `bl push --force origin <last good commit>:main`.
    const full = await jA(a, ['push', '--force', 'origin', `${c1}:main`])
    assert.deepEqual(full.refs.map((x: any) => [x.ref, x.status]), [['refs/heads/main', 'forced']])
    assert.equal(await remoteMain(), c1)
    await okA(a, ['push', '-q', 'origin', `${c2.slice(0, 10)}:main`])
    assert.equal(await remoteMain(), c2)
    await okA(a, ['push', '-q', '--force', 'origin', 'HEAD~1:refs/heads/old'])
    assert.equal((await jA(a, ['ls-remote'])).find((x: any) => x.ref === 'refs/heads/old').commit, c1)
    const bare = await a.runAsync(withJson(['push', 'origin', c1]))
    assert.equal(bare.code, 2, bare.stdout + bare.stderr)
    assert.equal(bare.json().error.code, 'INVALID_ARGUMENT')
    assert.match(bare.json().error.hint, new RegExp(`bl push origin ${c1}:<branch>`))
    const unknown = await a.runAsync(withJson(['push', 'origin', 'nosuch:main']))
    assert.equal(unknown.code, 4, unknown.stdout + unknown.stderr)
    assert.equal(unknown.json().error.code, 'REF_NOT_FOUND')
    // A bare tag name pushes the tag, as in Git.
    await remoteSetup(a).tag('v1', c1)
    assert.deepEqual((await jA(a, ['push', 'origin', 'v1'])).refs.map((x: any) => x.ref), ['refs/tags/v1'])
    a.cleanup()
  })

  it('a push behind a remote tip known here is a non-fast-forward (exit 5), not "fetch first"', async () => {
    const a = await sandbox(dirTarget)
    await commitFiles(a, {'a.txt': '1\n'}, 'one')
    const c2 = await commitFiles(a, {'a.txt': '2\n'}, 'two')
    await remoteSetup(a).remoteAdd('origin', ...dirTarget.url('repo-nff'))
    await remoteSetup(a).push('-q', '-u')
    await setup(a).branch('old', 'HEAD~1')
    const r = await a.runAsync(withJson(['push', 'origin', 'old:main']))
    assert.equal(r.code, 5, r.stdout + r.stderr)
    const e = r.json().error
    assert.equal(e.code, 'NOT_FAST_FORWARD')
    assert.match(e.message, /the tip of old is behind main on origin/)
    assert.doesNotMatch(e.message + e.hint, /don't have|Fetch first/)
    assert.match(e.hint, /`bl push --force origin old:main`/)
    assert.equal((await jA(a, ['ls-remote']))[0].commit, c2)
    a.cleanup()
  })

  it('remote rename moves the settings, tracking branches, upstreams and cached indexes (Git\'s remote rename)', async () => {
    const a = await sandbox(dirTarget)
    await commitFiles(a, {'a.txt': '1\n'}, 'one')
    const [url] = dirTarget.url('repo-rename')
    const [backupUrl] = dirTarget.url('repo-rename-backup')
    await remoteSetup(a).remoteAdd('origin', url!)
    await remoteSetup(a).remoteAdd('backup', backupUrl!)
    await remoteSetup(a).push('-q', '-u', 'origin', 'main')
    assert.equal((await a.runAsync(withJson(['remote', 'rename', 'origin', 'backup']))).json().error.code, 'REMOTE_EXISTS')
    assert.equal((await a.runAsync(['remote', 'rename', 'nosuch', 'x'])).code, 4)
    assert.deepEqual(await jA(a, ['remote', 'rename', 'origin', 'upstream']), {from: 'origin', to: 'upstream', refs: 1})
    assert.deepEqual((await jA(a, ['remote', 'list'])).map((r: any) => [r.name, r.url]), [['backup', backupUrl], ['upstream', url]])
    assert.deepEqual((await jA(a, ['branch', '-r'])).map((b: any) => b.name), ['upstream/main'])
    assert.deepEqual((await jA(a, ['status'])).upstream, {ref: 'upstream/main', ahead: 0, behind: 0, gone: false})
    // What was known about the remote is kept under its new name: no index is read again.
    const db = new Database(path.join(a.dir, '.bl', 'bl.db'), {readonly: true})
    const cached = db.prepare('SELECT remote, count(*) AS n FROM remote_packs GROUP BY remote').all() as Array<{remote: string; n: number}>
    db.close()
    assert.deepEqual(cached.map((r) => r.remote), ['upstream'])
    // A plain push goes to the renamed upstream.
    const c2 = await commitFiles(a, {'a.txt': '2\n'}, 'two')
    await okA(a, ['push', '-q'])
    assert.deepEqual((await jA(a, ['ls-remote', 'upstream'])).map((x: any) => [x.ref, x.commit]), [['refs/heads/main', c2]])
    assert.deepEqual((await jA(a, ['status'])).upstream, {ref: 'upstream/main', ahead: 0, behind: 0, gone: false})
    a.cleanup()
  })

  it('branch -u sets the upstream of a branch, --unset-upstream forgets it (Git\'s)', async () => {
    const a = await sandbox(dirTarget)
    const c1 = await commitFiles(a, {'a.txt': '1\n'}, 'one')
    await remoteSetup(a).remoteAdd('origin', ...dirTarget.url('repo-upstream'))
    await remoteSetup(a).push('-q', '-u', 'origin', 'main')
    await setup(a).switchNew('topic')
    assert.equal((await jA(a, ['status'])).upstream, null)
    assert.deepEqual(await jA(a, ['branch', '-u', 'origin/main']), {branch: 'topic', upstream: 'origin/main'})
    assert.deepEqual((await jA(a, ['status'])).upstream, {ref: 'origin/main', ahead: 0, behind: 0, gone: false})
    // @{u} / <branch>@{upstream} name the remote-tracking branch (Git's); main's tip is c1.
    assert.equal((await jA(a, ['log', '-n', '1', '@{u}']))[0].id, c1)
    assert.equal((await jA(a, ['log', '-n', '1', 'topic@{upstream}']))[0].id, c1)
    const missing = await a.runAsync(withJson(['branch', '-u', 'origin/nosuch']))
    assert.equal(missing.json().error.code, 'REF_NOT_FOUND')
    assert.deepEqual(await jA(a, ['branch', '--unset-upstream']), {branch: 'topic', upstream: null})
    assert.equal((await jA(a, ['status'])).upstream, null)
    const noUp = (await a.runAsync(withJson(['log', '@{u}']))).json().error
    assert.equal(noUp.code, 'UNKNOWN_REVISION')
    assert.match(noUp.message, /no upstream configured for branch 'topic'/)
    assert.match(noUp.hint, /branch -u/)
    const again = await a.runAsync(withJson(['branch', '--unset-upstream', 'topic']))
    assert.deepEqual([again.code, again.json().error.code], [2, 'INVALID_ARGUMENT'])
    a.cleanup()
  })

  it('a plain push from a branch whose upstream has another name is refused (Git\'s push.default=simple), not sent to a new branch', async () => {
    const a = await sandbox(dirTarget)
    const c1 = await commitFiles(a, {'a.txt': '1\n'}, 'one')
    await remoteSetup(a).remoteAdd('origin', ...dirTarget.url('repo-simple'))
    await remoteSetup(a).push('-q', '-u')
    // A topic branch started from origin/main tracks origin/main.
    await setup(a).switchNew('fix', 'origin/main')
    const c2 = await commitFiles(a, {'a.txt': '2\n'}, 'fix')
    const r = await a.runAsync(withJson(['push']))
    assert.equal(r.code, 2, r.stdout + r.stderr)
    const e = r.json().error
    assert.equal(e.code, 'INVALID_ARGUMENT')
    assert.match(e.message, /upstream branch main of fix does not match its name/)
    assert.match(e.hint, /`bl push origin HEAD:main`.*`bl push origin fix`/)
    assert.deepEqual((await jA(a, ['ls-remote'])).map((x: any) => [x.ref, x.commit]), [['refs/heads/main', c1]], 'nothing was pushed')
    // Naming the remote branch, or pushing to another remote, is a push as asked.
    await okA(a, ['push', '-q', 'origin', 'HEAD:main'])
    assert.deepEqual((await jA(a, ['status'])).upstream, {ref: 'origin/main', ahead: 0, behind: 0, gone: false})
    assert.equal((await jA(a, ['ls-remote']))[0].commit, c2)
    a.cleanup()
  })

  it('two sources for one remote branch are refused before any ref moves; the same refspec twice pushes once', async () => {
    const a = await sandbox(dirTarget)
    const c1 = await commitFiles(a, {'a.txt': '1\n'}, 'one')
    await remoteSetup(a).remoteAdd('origin', ...dirTarget.url('repo-dup-dst'))
    await setup(a).branch('old')
    const c2 = await commitFiles(a, {'a.txt': '2\n'}, 'two')
    const r = await a.runAsync(withJson(['push', 'origin', 'old:dup', 'main:dup']))
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.equal(r.json().error.code, 'INVALID_ARGUMENT')
    assert.match(r.json().error.message, /dup on origin would receive from more than one source \(old:dup, main:dup\)/)
    const twice = await jA(a, ['push', 'origin', 'main', 'main', 'old:dup'])
    assert.deepEqual(twice.refs.map((x: any) => [x.ref, x.new, x.status]), [['refs/heads/main', c2, 'created'], ['refs/heads/dup', c1, 'created']])
    assert.deepEqual((await jA(a, ['branch', '-r'])).map((x: any) => x.name), ['origin/dup', 'origin/main'])
    a.cleanup()
  })

  it('switch <name> creates a branch tracking the one remote branch of that name; a branch started from origin/x tracks it', async () => {
    const a = await sandbox(dirTarget)
    await commitFiles(a, {'a.txt': '1\n'}, 'one')
    const url = dirTarget.url('repo-guess')
    await remoteSetup(a).remoteAdd('origin', ...url)
    await remoteSetup(a).push('-q', '-u')
    await setup(a).switchNew('exp')
    const exp = await commitFiles(a, {'e.txt': 'e\n'}, 'exp')
    await remoteSetup(a).push('-q', 'origin', 'exp')
    const b = await cloneOfIP(dirTarget, url)
    const sw = await jA(b, ['switch', 'exp'])
    assert.deepEqual([sw.branch, sw.created, sw.tracking, sw.commit], ['exp', true, 'origin/exp', exp])
    assert.equal((await jA(b, ['status'])).upstream.ref, 'origin/exp')
    // log decorates remote-tracking branches too, as Git does.
    assert.deepEqual((await jA(b, ['log', '-n', '1']))[0].refs, ['HEAD -> exp', 'origin/exp'])
    assert.match((await okA(b, ['switch', '-c', 'exp2', 'origin/exp'])).stdout, /branch 'exp2' set up to track 'origin\/exp'/)
    assert.equal((await jA(b, ['status'])).upstream.ref, 'origin/exp')
    // branch -v names the upstream and how far the branch is from it; --json has it as `upstream`.
    await commitFiles(b, {'x.txt': 'x\n'}, 'ahead')
    assert.deepEqual((await jA(b, ['branch'])).find((x: any) => x.name === 'exp2').upstream, {ref: 'origin/exp', ahead: 1, behind: 0, gone: false})
    assert.match((await okA(b, ['branch', '-v'])).stdout, /^\* exp2 [0-9a-f]{12} \[origin\/exp: ahead 1\] ahead$/m)
    await okA(b, ['branch', 'exp3', 'origin/exp'])
    await setup(b).switch('exp3')
    assert.equal((await jA(b, ['status'])).upstream.ref, 'origin/exp')
    // Neither a branch nor a remote branch: still an unknown revision.
    const r = await b.runAsync(withJson(['switch', 'nosuch']))
    assert.equal(r.code, 4)
    a.cleanup()
    b.cleanup()
  })

  it('push --tags rejects a tag the remote holds elsewhere ("already exists") and still pushes the other tags', async () => {
    const a = await sandbox(dirTarget)
    const c1 = await commitFiles(a, {'a.txt': '1\n'}, 'one')
    await remoteSetup(a).remoteAdd('origin', ...dirTarget.url('repo-tags'))
    await remoteSetup(a).tag('v1')
    await remoteSetup(a).push('-q', '--tags', 'origin', 'main')
    const c2 = await commitFiles(a, {'a.txt': '2\n'}, 'two')
    await remoteSetup(a).tag('v1', 'HEAD', {force: true})
    await remoteSetup(a).tag('v2')
    const r = await a.runAsync(withJson(['push', '--tags', 'origin', 'main']))
    assert.equal(r.code, 5, r.stdout + r.stderr)
    const e = r.json().error
    assert.equal(e.code, 'FETCH_FIRST')
    assert.match(e.message, /tag v1 already exists on origin/)
    const refs = new Map((await jA(a, ['ls-remote'])).map((x: any) => [x.ref, x.commit]))
    assert.equal(refs.get('refs/tags/v1'), c1, 'the remote tag did not move')
    assert.equal(refs.get('refs/tags/v2'), c2, 'the new tag was pushed')
    assert.equal(refs.get('refs/heads/main'), c2, 'the branch was pushed')
    // In text mode the refs that went are listed before the error, as Git lists them.
    await remoteSetup(a).tag('v3')
    const t = await a.runAsync(['push', '--tags', 'origin', 'main'])
    assert.equal(t.code, 5, t.stdout + t.stderr)
    assert.match(t.stdout, /^ \* v3: created/m)
    assert.doesNotMatch(t.stdout, /v1/)
    assert.match(t.stderr, /^error: tag v1 already exists on origin/m)
    a.cleanup()
  })

  it('bl reflog origin/main shows the remote\'s push history from its audit log, force-pushes included', async () => {
    const a = await sandbox(dirTarget)
    const c1 = await commitFiles(a, {'a.txt': '1\n'}, 'one')
    const url = dirTarget.url('repo-audit')
    await remoteSetup(a).remoteAdd('origin', ...url)
    await remoteSetup(a).push('-q', '-u')
    const c2 = await commitFiles(a, {'a.txt': '2\n'}, 'two')
    await remoteSetup(a).push('-q')
    await remoteSetup(a).resetHard(c1)
    const c3 = await commitFiles(a, {'a.txt': '3\n'}, 'three (rewritten)')
    const refused = await a.runAsync(['push'])
    assert.equal(refused.code, 5, 'dropping remote commits needs --force')
    await okA(a, ['push', '-q', '--force'])
    const log = await jA(a, ['reflog', 'origin/main'])
    assert.deepEqual(
      log.map((e: any) => [e.old, e.new]),
      [
        [c2, c3],
        [c1, c2],
        [null, c1],
      ],
    )
    assert.deepEqual(log.map((e: any) => e.message.split(' by ')[0]), ['forced push', 'push', 'create'])
    assert.match((await okA(a, ['reflog', 'origin/main'])).stdout, /origin\/main #0: forced push by Test/)
    assert.deepEqual([log[0].remote, log[0].ref], ['origin', 'refs/heads/main'])
    a.cleanup()
  })

  it('bl reflog <remote>/<name>: REF_NOT_FOUND for a name with no history there; tags as <remote>/tags/<tag>', async () => {
    const a = await sandbox(dirTarget)
    const c1 = await commitFiles(a, {'a.txt': '1\n'}, 'one')
    await remoteSetup(a).remoteAdd('origin', ...dirTarget.url('repo-audit-tags'))
    await remoteSetup(a).push('-q', '-u')
    await remoteSetup(a).tag('v9')
    await remoteSetup(a).push('-q', 'origin', 'refs/tags/v9')
    const missing = await a.runAsync(withJson(['reflog', 'origin/nosuch']))
    assert.equal(missing.code, 4, missing.stdout + missing.stderr)
    assert.equal(missing.json().error.code, 'REF_NOT_FOUND')
    for (const name of ['origin/tags/v9', 'origin/refs/tags/v9']) {
      const log = await jA(a, ['reflog', name])
      assert.deepEqual(log.map((e: any) => [e.ref, e.old, e.new, e.message.split(' by ')[0]]), [['refs/tags/v9', null, c1, 'create']], name)
    }
    assert.equal((await jA(a, ['reflog', 'origin/main'])).length, 1)
    a.cleanup()
  })

  it('fetch reports a rewritten remote branch as a forced update, not a fast-forward', async () => {
    const a = await sandbox(dirTarget)
    const c1 = await commitFiles(a, {'a.txt': '1\n'}, 'one')
    const url = dirTarget.url('repo-forced-fetch')
    await remoteSetup(a).remoteAdd('origin', ...url)
    await remoteSetup(a).push('-q', '-u')
    const b = await cloneOfIP(dirTarget, url)
    const c2 = await commitFiles(a, {'a.txt': '2\n'}, 'two')
    await remoteSetup(a).push('-q')
    const ff = await jA(b, ['fetch'])
    assert.deepEqual(ff.updated, [{ref: 'refs/remotes/origin/main', old: c1, new: c2}])
    await remoteSetup(a).resetHard(c1)
    const c3 = await commitFiles(a, {'a.txt': '3\n'}, 'three')
    await remoteSetup(a).push('-q', '--force')
    const r = await okA(b, ['fetch'])
    assert.match(r.stdout, new RegExp(`\\+ ${c2.slice(0, 12)}\\.\\.\\.${c3.slice(0, 12)} origin/main \\(forced update\\)`))
    assert.equal((await jA(b, ['log', '-n', '1', 'origin/main']))[0].id, c3)
    a.cleanup()
    b.cleanup()
  })

  it('pull --rebase (and pull.rebase) replays local commits on the fetched branch, leaving out what a force-push removed (fork point); rebase alone uses @{upstream}; --autostash', async () => {
    const a = await sandbox(dirTarget)
    const c1 = await commitFiles(a, {'a.txt': '1\n'}, 'one')
    const url = dirTarget.url('repo-pull-rebase')
    await remoteSetup(a).remoteAdd('origin', ...url)
    await remoteSetup(a).push('-q', '-u')
    const b = await cloneOfIP(dirTarget, url)
    const c2 = await commitFiles(a, {'x.txt': 'x\n'}, 'two')
    await remoteSetup(a).push('-q')
    const l1 = await commitFiles(b, {'y.txt': 'y\n'}, 'local one')
    const p1 = await jA(b, ['pull', '--rebase'])
    assert.equal(p1.mode, 'rebase')
    assert.equal(p1.merge, undefined)
    assert.deepEqual(p1.rebase.done.map((d: any) => d.from), [l1])
    const log1 = await jA(b, ['log'])
    assert.deepEqual(log1.map((e: any) => e.message), ['local one\n', 'two\n', 'one\n'], 'no merge commit: the local commit sits on the fetched one')
    assert.equal(log1[1].id, c2)
    assert.equal(b.read('x.txt').toString(), 'x\n')

    // The remote's "two" is rewritten and force-pushed. Replaying the old "two" would conflict on
    // x.txt; its fork point (origin/main's reflog still has it) keeps it out of the replay.
    await remoteSetup(a).resetHard(c1)
    const c2b = await commitFiles(a, {'x.txt': 'x rewritten\n'}, 'two, rewritten')
    await remoteSetup(a).push('-q', '--force')
    await okA(b, ['fetch', '-q'])
    assert.equal((await okA(b, ['merge-base', '--fork-point', 'origin/main'])).stdout.trim(), c2)
    await ops(b).config('pull.rebase', 'yes')
    const p2 = await jA(b, ['pull'])
    assert.equal(p2.mode, 'rebase', 'pull.rebase makes a plain pull rebase')
    assert.deepEqual(p2.rebase.done.length, 1)
    const log2 = await jA(b, ['log'])
    assert.deepEqual(log2.map((e: any) => e.message), ['local one\n', 'two, rewritten\n', 'one\n'])
    assert.equal(log2[1].id, c2b)
    assert.equal(b.read('x.txt').toString(), 'x rewritten\n')

    // `bl rebase` with no upstream: the branch's upstream.
    const c3 = await commitFiles(a, {'w.txt': 'w\n'}, 'three')
    await remoteSetup(a).push('-q')
    await okA(b, ['fetch', '-q'])
    const rb = await jA(b, ['rebase'])
    assert.equal(rb.done.length, 1)
    assert.equal(await ops(b).rev('HEAD~1'), c3)

    // pull.ff only wins over the configured rebase (as --ff-only); --no-rebase merges whatever pull.rebase says.
    await commitFiles(a, {'v.txt': 'v\n'}, 'four')
    await remoteSetup(a).push('-q')
    await ops(b).config('pull.ff', 'only')
    const onlyFf = await b.runAsync(withJson(['pull']))
    assert.equal(onlyFf.code, 5, onlyFf.stdout + onlyFf.stderr)
    assert.equal(onlyFf.json().error.code, 'NOT_FAST_FORWARD')
    await ops(b).config('pull.ff', 'true')
    const onlyFlag = await b.runAsync(withJson(['pull', '--no-rebase', '--ff-only']))
    assert.equal(onlyFlag.json().error?.code, 'NOT_FAST_FORWARD', onlyFlag.stdout + onlyFlag.stderr)
    const p3 = await jA(b, ['pull', '--no-rebase'])
    assert.equal(p3.mode, 'merge')
    assert.equal(p3.merge.status, 'merged')

    // A local change refuses a rebasing pull before it fetches, unless --autostash sets it aside.
    await commitFiles(a, {'u.txt': 'u\n'}, 'five')
    await remoteSetup(a).push('-q')
    b.write('y.txt', 'dirty\n')
    const dirty = await b.runAsync(withJson(['pull']))
    assert.equal(dirty.code, 5, dirty.stdout + dirty.stderr)
    assert.equal(dirty.json().error.code, 'LOCAL_CHANGES')
    assert.match(dirty.json().error.message, /cannot pull with rebase/)
    const stashed = await jA(b, ['pull', '--autostash'])
    assert.equal(stashed.rebase.autostash.status, 'applied')
    assert.equal(b.read('y.txt').toString(), 'dirty\n')
    assert.equal(b.read('u.txt').toString(), 'u\n')
    // A bad pull.rebase is named.
    await ops(b).config('pull.rebase', 'sometimes')
    const bad = await b.runAsync(withJson(['pull']))
    assert.equal(bad.code, 2, bad.stdout + bad.stderr)
    assert.equal(bad.json().error.code, 'BAD_CONFIG')
    a.cleanup()
    b.cleanup()
  })

  it('the audit log keeps the order of updates made within one second (delete and re-create)', async () => {
    const a = await sandbox(dirTarget)
    const c1 = await commitFiles(a, {'a.txt': '1\n'}, 'one')
    await remoteSetup(a).remoteAdd('origin', ...dirTarget.url('repo-audit-order'))
    await remoteSetup(a).push('-q', '-u')
    for (let i = 0; i < 3; i++) {
      await okA(a, ['push', '-q', 'origin', '--delete', 'main'])
      await okA(a, ['push', '-q', 'origin', 'main'])
    }
    const log = await jA(a, ['reflog', 'origin/main'])
    assert.equal(log.length, 7)
    // Newest first: each entry starts where the one before it (next in the list) ended.
    for (let i = 0; i + 1 < log.length; i++) assert.equal(log[i].old, log[i + 1].new, `entries ${i} and ${i + 1}: ${JSON.stringify(log.map((e: any) => [e.old, e.new]))}`)
    assert.deepEqual([log[0].new, log.at(-1).old], [c1, null])
    a.cleanup()
  })

  it('bl doctor: all checks ok on a healthy S3 remote; an unreachable endpoint fails with a hint (exit 1)', async () => {
    const s = new Sandbox(s3Env(targets.server))
    initRepo(s)
    await remoteSetup(s).remoteAdd('origin', `s3://${targets.server.bucket}/doctor`, '--endpoint', targets.server.endpoint, '--path-style')
    const res = await jA(s, ['doctor'])
    assert.deepEqual(
      res.checks.map((c: any) => [c.check, c.status]),
      [
        ['credentials', 'ok'],
        ['endpoint', 'ok'],
        ['repository', 'warn'],
        ['permissions', 'ok'],
        ['conditional-writes', 'ok'],
        ['clock', 'ok'],
      ],
    )
    assert.match(res.checks[0].detail, /environment \(AWS_ACCESS_KEY_ID\)/)
    await remoteSetup(s).remoteAdd('dead', 's3://nowhere/x', '--endpoint', 'http://127.0.0.1:9', '--path-style')
    const dead = await s.runAsync(withJson(['doctor', 'dead']), {env: {AWS_MAX_ATTEMPTS: '1'}})
    assert.equal(dead.code, 1, dead.stdout + dead.stderr)
    const err = dead.json().error
    assert.equal(err.code, 'CHECKS_FAILED')
    assert.equal(err.data.checks.find((c: any) => c.check === 'endpoint').status, 'fail')
    assert.match(err.hint, /endpoint/)
    // An endpoint that answers "no such bucket" is told apart from one that does not answer.
    await remoteSetup(s).remoteAdd('nobucket', 's3://no-such-bucket-here/x', '--endpoint', targets.server.endpoint, '--path-style')
    const nb = await s.runAsync(withJson(['doctor', 'nobucket']), {env: {AWS_MAX_ATTEMPTS: '1'}})
    assert.equal(nb.code, 1, nb.stdout + nb.stderr)
    const endpoint = nb.json().error.data.checks.find((c: any) => c.check === 'endpoint')
    assert.equal(endpoint.status, 'fail')
    assert.match(endpoint.detail, /bucket does not exist/)
    assert.match(endpoint.hint, /Create the bucket/)
    s.cleanup()
  })

  it('the probe flags a store that ignores conditional writes, and push warns', async () => {
    const loose = await startS3Server({conditional: false})
    try {
      const s = new Sandbox(s3Env(loose))
      initRepo(s)
      await commitFiles(s, {'a.txt': 'a\n'}, 'a')
      await remoteSetup(s).remoteAdd('origin', `s3://${loose.bucket}/loose`, '--endpoint', loose.endpoint, '--path-style')
      const r = await okA(s, ['push', '-u'])
      assert.match(r.stderr, /ignores conditional writes/)
      assert.equal((await jA(s, ['remote', 'list']))[0].conditionalWrites, false)
      assert.match((await okA(s, ['remote', 'list'])).stdout, /unprotected/)
      s.cleanup()
    } finally {
      await loose.stop()
    }
  })

})

// One at a time: these inject faults into the S3 test server every other test here uses.
describe('S3 faults injected by the test server', () => {
  // 500s, 503 SlowDown (with its long backoff), timeouts and lost answers at every Nth request are
  // test/hardening/faults.test.ts's; this keeps the server-side injection of the S3 test server honest.
  it('survives connection resets on every 3rd request; a lost response after a committed ref write still succeeds', async () => {
    const a = await sandbox(s3Target)
    await commitFiles(a, {'f1.bin': crypto.randomBytes(400_000), 'f2.csv': 'x,y\n'.repeat(50_000)}, 'one')
    const url = s3Target.url('repo-faults')
    await remoteSetup(a).remoteAdd('origin', ...url)
    for (const kind of ['reset'] as const) {
      targets.server.faults.set({kind, every: 3})
      await commitFiles(a, {[`${kind}.bin`]: crypto.randomBytes(100_000)}, `with ${kind}`)
      await okA(a, ['push', '-q', '-u'])
      assert.ok(targets.server.faults.injected > 0, `${kind} faults were injected`)
      targets.server.faults.clear()
    }
    // The ref write is committed but its response is lost: the retry sees 412 and checks the nonce.
    targets.server.faults.set({kind: 'drop-response', every: 1, times: 1, method: 'PUT', path: '/refs/heads/'})
    const last = await commitFiles(a, {'after.txt': 'after\n'}, 'after')
    await okA(a, ['push', '-q'])
    assert.equal(targets.server.faults.injected, 1, 'the ref write lost its response once')
    targets.server.faults.clear()
    assert.equal((await jA(a, ['ls-remote'])).find((r: any) => r.ref === 'refs/heads/main').commit, last)
    const b = await cloneOf(s3Target, url)
    assert.equal(b.read('after.txt').toString(), 'after\n')
    a.cleanup()
    b.cleanup()
  })

  it('a clone killed mid-download resumes when run again: chunks stored before the kill are not downloaded again', async () => {
    const a = await sandbox(s3Target)
    const files: Record<string, Buffer> = {}
    for (let i = 0; i < 6; i++) files[`f${i}.bin`] = crypto.randomBytes(3_000_000)
    await commitFiles(a, files, 'data')
    const url = s3Target.url('repo-resume')
    await remoteSetup(a).remoteAdd('origin', ...url)
    await remoteSetup(a).push('-q')
    const b = new Sandbox(s3Target.env())
    const dir = path.join(b.base, 'copy')
    // One transfer at a time; the metadata pack and the first range arrive, then every pack read hangs.
    let packGets = 0
    targets.server.faults.set({kind: 'slow', delayMs: 8000, filter: (r) => r.method === 'GET' && /\.pack$/.test(r.key ?? '') && ++packGets > 2})
    const child = b.spawn(['clone', '-q', '--concurrency', '1', url[0]!, dir, ...url.slice(1)], {cwd: b.base})
    const exited = new Promise((resolve) => child.on('exit', resolve))
    const storedChunks = (): number => {
      try {
        const db = new Database(path.join(dir, '.bl', 'bl.db'), {readonly: true, fileMustExist: true})
        try {
          return (db.prepare('SELECT count(*) AS n FROM chunks').get() as {n: number}).n
        } finally {
          db.close()
        }
      } catch {
        return 0 // not created yet, or busy
      }
    }
    const deadline = Date.now() + 6000
    while (storedChunks() === 0 && Date.now() < deadline) await sleep(50)
    const kept = storedChunks()
    child.kill('SIGKILL')
    await exited
    targets.server.faults.clear()
    assert.ok(kept > 0, 'chunks that arrived before the stall were committed')
    const total = Object.values(files).reduce((n, f) => n + f.length, 0)
    const again = await jA(b, ['clone', url[0]!, dir, ...url.slice(1)], {cwd: b.base})
    assert.ok(again.bytes < total, `the resumed clone downloaded ${again.bytes} bytes of ${total}`)
    for (const [p, v] of Object.entries(files)) assert.ok(fs.readFileSync(path.join(dir, p)).equals(v), p)
    assert.equal((await b.runAsync(['fsck', '-q'], {cwd: dir})).code, 0)
    assert.equal((await jA(b, ['status'], {cwd: dir})).clean, true)
    a.cleanup()
    b.cleanup()
  })
})
