/**
 * gc under concurrency: a local gc never collects what a running command has stored but not yet
 * made reachable; `gc --remote` deletes unreferenced packs only past the grace period, so a push in
 * flight is never broken, and a client whose cached indexes name collected packs re-sends what
 * they held; `fsck --remote` checks indexes and refs, and with --read-data re-hashes pack contents.
 */
import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import {DeleteObjectCommand, ListObjectsV2Command, S3Client} from '@aws-sdk/client-s3'
import {planPush, uploadPlan} from '../../src/core/remote/transfer.ts'
import {syncRemoteIndex} from '../../src/core/remote/remote-repo.ts'
import {openTransport, readRemote} from '../../src/core/remote/remotes.ts'
import {readRef} from '../../src/core/refs/refs.ts'
import {openRepo} from '../../src/core/repo.ts'
import {BIN, collect, jA, okA, prng, Sandbox, sleep, initRepo} from '../integration/helpers.ts'
import {commitFiles} from '../integration/inproc.ts'
import {useRemoteTargets} from '../support/remote-targets.ts'
import {s3ClientConfig} from '../support/s3-server.ts'

const targets = useRemoteTargets('bl-gcsafe-')
const sandboxes: Sandbox[] = []
after(() => sandboxes.forEach((s) => s.cleanup()))

function sandbox(): Sandbox {
  const s = new Sandbox()
  sandboxes.push(s)
  return s
}

const DAY = 24 * 3600 * 1000

/** Makes every file under `dir` look `ms` old (a directory remote's clock is the files' mtime). */
function age(dir: string, ms: number): void {
  const t = new Date(Date.now() - ms)
  for (const f of fs.readdirSync(dir)) fs.utimesSync(path.join(dir, f), t, t)
}

describe('local gc and running commands', () => {
  it('gc refuses while an add has stored chunks it has not staged yet; a killed add leaves nothing that blocks gc', async () => {
    const s = sandbox()
    initRepo(s)
    await commitFiles(s, {'keep.txt': 'keep\n'}, 'base')
    s.write('big.bin', prng(96 * 1024 * 1024, 'gc-lease'))
    const add = spawn(process.execPath, [BIN, 'add', 'big.bin'], {cwd: s.dir, env: s.env()})
    const done = collect(add)
    // Wait for its lease (it is taken before the first chunk is written), then freeze it mid-add.
    const db = new Database(path.join(s.dir, '.bl', 'bl.db'), {readonly: true, fileMustExist: true})
    let leased = false
    for (let i = 0; i < 400 && !leased; i++) {
      leased = (db.prepare('SELECT count(*) FROM leases').pluck().get() as number) > 0
      if (!leased) await sleep(10)
    }
    db.close()
    assert.ok(leased, 'the add took a lease')
    add.kill('SIGSTOP')
    try {
      const gc = await s.runAsync(['gc', '--json'])
      assert.equal(gc.code, 7, gc.stdout)
      assert.equal(gc.json().error.code, 'REPOSITORY_BUSY')
      assert.match(gc.json().error.message, /`bl add` \(pid \d+\)/)
    } finally {
      add.kill('SIGCONT')
    }
    assert.equal((await done).code, 0)
    await okA(s, ['commit', '-q', '-m', 'big'])
    assert.equal((await okA(s, ['fsck', '-q'])).code, 0)
    // Killed while holding the lease: the next gc sees a dead pid, drops the lease and runs.
    s.write('big2.bin', prng(64 * 1024 * 1024, 'gc-lease-2'))
    const killed = spawn(process.execPath, [BIN, 'add', 'big2.bin'], {cwd: s.dir, env: s.env()})
    const killedDone = collect(killed)
    await sleep(300)
    killed.kill('SIGKILL')
    await killedDone
    const gc = await jA(s, ['gc'])
    assert.ok(gc.objectsRemoved >= 0)
    assert.equal((await okA(s, ['fsck', '-q'])).code, 0)
    assert.equal(s.read('big.bin').length, 96 * 1024 * 1024)
  })
})

describe('local gc and a stopped operation', () => {
  it('gc keeps what a stopped merge or cherry-pick needs after the branch it came from is gone', async () => {
    const remote = path.join(sandbox().base, 'origin')
    const a = sandbox()
    initRepo(a)
    await commitFiles(a, {'f.txt': 'base\n'}, 'base')
    await okA(a, ['remote', 'add', 'origin', remote])
    await okA(a, ['push', '-q', '-u', 'origin', 'main'])
    const b = sandbox()
    await okA(b, ['clone', '-q', remote, b.dir], {cwd: b.base})
    await okA(b, ['switch', '-q', '-c', 'feat'])
    const feat = await commitFiles(b, {'f.txt': 'theirs\n', 'g.txt': 'only theirs\n'}, 'feat')
    await okA(b, ['push', '-q', 'origin', 'feat'])
    await okA(a, ['fetch', '-q'])
    await commitFiles(a, {'f.txt': 'ours\n'}, 'ours')
    // cherry-pick first: the merge commit it makes would keep feat reachable through the reflog.
    for (const op of [['cherry-pick', feat], ['merge', 'origin/feat']]) {
      const last = op[0] === 'merge'
      assert.equal((await a.runAsync(op)).code, 3, `${op[0]} stops on the conflict`)
      // The fetched branch goes (deleted there, pruned here); the stopped operation alone refers to its commit.
      await okA(b, ['push', '-q', 'origin', '--delete', 'feat'])
      await okA(a, ['fetch', '-q', '--prune'])
      await okA(a, ['gc', '-q'])
      assert.equal((await jA(a, ['fsck'])).ok, true)
      await okA(a, ['checkout', '--theirs', 'f.txt'])
      assert.equal(fs.readFileSync(path.join(a.dir, 'f.txt'), 'utf8'), 'theirs\n')
      await okA(a, ['add', 'f.txt'])
      await okA(a, [op[0]!, '--continue'])
      assert.equal((await jA(a, ['fsck'])).ok, true, `fsck after ${op[0]} --continue`)
      if (last) break
      await okA(a, ['reset', '-q', '--hard', 'HEAD~1'])
      await okA(b, ['push', '-q', 'origin', 'feat'])
      await okA(a, ['fetch', '-q'])
    }
  })
})

describe('gc --remote and fsck --remote (directory remote)', () => {
  it('keeps young unreferenced packs (a push in flight), collects old ones, and a client with stale indexes re-sends', async () => {
    const a = sandbox()
    initRepo(a)
    const url = targets.dir.url('origin')[0]!
    const packs = path.join(url, 'packs')
    await okA(a, ['remote', 'add', 'origin', url])
    await commitFiles(a, {'base.csv': 'id,v\n1,2\n'}, 'base')
    await okA(a, ['push', '-q', '-u', 'origin', 'main'])
    // A branch pushed, cloned by B, then deleted on the remote: its packs are dead.
    await okA(a, ['switch', '-q', '-c', 'tmp'])
    await commitFiles(a, {'tmp.bin': prng(300_000, 'tmp-branch')}, 'tmp')
    await okA(a, ['push', '-q', 'origin', 'tmp'])
    const b = sandbox()
    await okA(b, ['clone', '-q', url, b.dir], {cwd: b.base})
    await okA(b, ['branch', 'tmp', 'origin/tmp'])
    await okA(a, ['switch', '-q', 'main'])
    await okA(a, ['push', '-q', '--delete', 'origin', 'tmp'])

    // A push in flight: its packs are uploaded, its ref not moved yet.
    await okA(a, ['switch', '-q', '-c', 'wip'])
    await commitFiles(a, {'wip.bin': prng(200_000, 'wip')}, 'wip')
    const repo = openRepo({cwd: a.dir, env: {}, userConfigDir: a.configDir, now: () => new Date()})
    try {
      const t = await openTransport(readRemote(repo, 'origin'), a.dir)
      await syncRemoteIndex(repo.store, 'origin', t)
      await uploadPlan(repo.store, 'origin', t, planPush(repo.store, 'origin', [readRef(repo, 'refs/heads/wip')!]))
      t.close()
    } finally {
      repo.close()
    }
    const before = fs.readdirSync(packs).sort()
    const kept = await jA(a, ['gc', '--remote'])
    assert.equal(kept.deleted.length, 0, 'nothing is old enough to go')
    assert.ok(kept.young.length >= 2, `the dead tmp packs and the in-flight packs are young: ${JSON.stringify(kept)}`)
    assert.deepEqual(fs.readdirSync(packs).sort(), before)
    // The push completes: the packs it uploaded are still there, so the ref is whole.
    await okA(a, ['push', '-q', 'origin', 'wip'])
    assert.equal((await jA(a, ['fsck', '--remote', '--read-data'])).ok, true)

    // Everything a day and more old: the dead tmp packs go, the live ones stay.
    age(packs, 2 * DAY)
    const listed = fs.readdirSync(packs).sort()
    const dry = await jA(a, ['gc', '--remote', '--dry-run'])
    assert.ok(dry.deleted.length >= 1)
    assert.deepEqual(fs.readdirSync(packs).sort(), listed, 'a dry run deletes nothing')
    const collected = await jA(a, ['gc', '--remote'])
    assert.deepEqual(collected.deleted.map((d: {pack: string}) => d.pack).sort(), dry.deleted.map((d: {pack: string}) => d.pack).sort())
    assert.ok(collected.bytesFreed > 300_000, 'the tmp content is freed')
    for (const d of collected.deleted) assert.equal(fs.existsSync(path.join(packs, `${d.pack}.pack`)), false)
    const fsck = await jA(a, ['fsck', '--remote', '--read-data'])
    assert.equal(fsck.ok, true)
    assert.equal(fsck.packsRead, fsck.indexes)

    // B's cached indexes still list the collected packs: its push of tmp must re-send their objects.
    await okA(b, ['push', '-q', 'origin', 'tmp'])
    assert.deepEqual((await jA(a, ['fsck', '--remote'])).problems, [])
    const c = sandbox()
    await okA(c, ['clone', '-q', '--branch', 'tmp', url, c.dir], {cwd: c.base})
    assert.ok(c.read('tmp.bin').equals(prng(300_000, 'tmp-branch')))
  })

  it('fsck --remote finds a missing pack, a dangling ref and (with --read-data) flipped bytes', async () => {
    const a = sandbox()
    initRepo(a)
    const url = targets.dir.url('origin')[0]!
    await okA(a, ['remote', 'add', 'origin', url])
    await commitFiles(a, {'one.bin': prng(150_000, 'one')}, 'one')
    await okA(a, ['push', '-q', '-u', 'origin', 'main'])
    await commitFiles(a, {'two.bin': prng(150_000, 'two')}, 'two')
    await okA(a, ['push', '-q'])
    const packs = path.join(url, 'packs')
    const half = await jA(a, ['fsck', '--remote', '--read-data=50%'])
    assert.equal(half.packsRead, Math.ceil(half.indexes / 2), 'half the packs are read')
    assert.ok(half.indexes >= 4)
    const dataPack = fs
      .readdirSync(packs)
      .filter((f) => f.endsWith('.pack'))
      .map((f) => path.join(packs, f))
      .sort((x, y) => fs.statSync(y).size - fs.statSync(x).size)[0]!
    // A flipped byte inside a chunk: the indexes still check out; only reading the data finds it.
    const bytes = fs.readFileSync(dataPack)
    bytes[bytes.length - 100] ^= 0xff
    fs.writeFileSync(dataPack, bytes)
    assert.equal((await jA(a, ['fsck', '--remote'])).ok, true)
    const read = await a.runAsync(['fsck', '--remote', 'origin', '--read-data', '--json'])
    assert.equal(read.code, 6, read.stdout)
    const problems = read.json().error.data.problems as Array<{kind: string; message: string}>
    assert.ok(problems.some((p) => p.kind === 'data' && /does not hash to its name/.test(p.message)))
    assert.ok(problems.some((p) => p.kind === 'data' && /do not match its id|cannot decompress/.test(p.message)))
    // A published index whose pack is gone, and a ref to a commit that is on no pack.
    fs.rmSync(dataPack)
    fs.writeFileSync(path.join(url, 'refs', 'heads', 'ghost'), JSON.stringify({commit: 'ab'.repeat(32), nonce: '00'.repeat(12)}))
    const r = await a.runAsync(['fsck', '--remote'])
    assert.equal(r.code, 6)
    assert.match(r.stderr, /^pack: packs\/[0-9a-f]{64}\.pack is missing \(its index is published\)$/m)
    assert.match(r.stderr, /abababab/)
    assert.match(r.stderr, /^error: fsck --remote found \d+ problem\(s\) on origin$/m)
    const gc = await a.runAsync(['gc', '--remote'])
    assert.equal(gc.code, 6, 'gc refuses to collect on a damaged graph')
  })
})

describe('fsck --remote --repair', () => {
  /** The biggest pack of a directory remote: the one holding the file contents. */
  const dataPack = (url: string): string =>
    fs
      .readdirSync(path.join(url, 'packs'))
      .filter((f) => f.endsWith('.pack'))
      .map((f) => path.join(url, 'packs', f))
      .sort((x, y) => fs.statSync(y).size - fs.statSync(x).size)[0]!

  it('uploads again what a directory remote lost or damaged, from the repository that has it; a clone without the data says what it cannot restore', async () => {
    const a = sandbox()
    initRepo(a)
    const url = targets.dir.url('origin')[0]!
    await okA(a, ['remote', 'add', 'origin', url])
    await commitFiles(a, {'one.bin': prng(300_000, 'repair-one'), 'small.txt': 'small\n'}, 'one')
    await okA(a, ['push', '-q', '-u', 'origin', 'main'])
    await commitFiles(a, {'two.bin': prng(200_000, 'repair-two')}, 'two')
    await okA(a, ['push', '-q'])
    const healthy = await jA(a, ['fsck', '--remote', '--repair'])
    assert.deepEqual([healthy.ok, healthy.problems, healthy.repair.objects, healthy.repair.damagedPacks], [true, [], 0, []], 'nothing to repair on a healthy remote')

    // A clone that has only history (no file contents) cannot restore a lost data pack: it says
    // which objects are gone, and drops the index of the pack that no longer exists.
    const thin = sandbox()
    await okA(thin, ['clone', '-q', '--no-checkout', url, thin.dir], {cwd: thin.base})
    const lost = dataPack(url)
    const lostId = path.basename(lost, '.pack')
    fs.rmSync(lost)
    const failed = await thin.runAsync(['fsck', '--remote', '--repair', '--json'])
    assert.equal(failed.code, 6, failed.stdout)
    const err = failed.json().error
    assert.equal(err.code, 'CORRUPT_REMOTE')
    assert.deepEqual(err.data.repair.damagedPacks, [lostId])
    assert.deepEqual(err.data.repair.removedPacks, [lostId])
    assert.ok(err.data.repair.unrecoverable.length > 0 && err.data.repair.unrecoverable.every((u: {kind: string}) => u.kind === 'chunk'), JSON.stringify(err.data.repair))
    assert.ok(err.data.remaining.some((p: {kind: string}) => p.kind === 'missing'))
    assert.equal(fs.existsSync(path.join(url, 'packs', `${lostId}.idx`)), false, 'the index of a pack that is gone is deleted')

    // The repository that pushed it restores it: the remote passes a full read again.
    const fixed = await jA(a, ['fsck', '--remote', '--repair'])
    assert.equal(fixed.ok, true, JSON.stringify(fixed))
    assert.ok(fixed.problems.some((p: {kind: string}) => p.kind === 'missing'), 'it reports what it found')
    assert.ok(fixed.repair.objects >= 1 && fixed.repair.bytes >= 300_000, JSON.stringify(fixed.repair))
    assert.deepEqual(fixed.remaining, [])
    assert.equal((await jA(a, ['fsck', '--remote', '--read-data'])).ok, true)

    // Flipped bytes are found with --read-data, and the damaged pack is replaced.
    const pack = dataPack(url)
    const bytes = fs.readFileSync(pack)
    bytes[bytes.length - 100] ^= 0xff
    fs.writeFileSync(pack, bytes)
    const unread = await jA(a, ['fsck', '--remote', '--repair'])
    assert.deepEqual([unread.ok, unread.repair.objects], [true, 0], 'without --read-data the bytes are not looked at')
    const text = await a.runAsync(['fsck', '--remote', 'origin', '--repair', '--read-data'])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stderr, /^data: packs\/[0-9a-f]{64}\.pack does not hash to its name$/m)
    assert.match(text.stdout, /^Uploaded \d+ objects again in 1 pack/m)
    assert.match(text.stdout, /^ok: origin repaired \(\d+ problem\(s\) found, none left\)$/m)
    assert.equal((await jA(a, ['fsck', '--remote', '--read-data'])).ok, true)
    const c = sandbox()
    await okA(c, ['clone', '-q', url, c.dir], {cwd: c.base})
    assert.ok(c.read('one.bin').equals(prng(300_000, 'repair-one')))
    assert.ok(c.read('two.bin').equals(prng(200_000, 'repair-two')))
  })

  it('repairs an S3 remote whose data pack was deleted', async () => {
    const a = sandbox()
    a.defaultEnv = {...a.defaultEnv, ...targets.s3.env()}
    initRepo(a)
    await okA(a, ['remote', 'add', 'origin', ...targets.s3.url('repair')])
    await commitFiles(a, {'data.bin': prng(250_000, 'repair-s3')}, 'one')
    await okA(a, ['push', '-q', '-u', 'origin', 'main'])
    const server = targets.server
    const s3 = new S3Client(s3ClientConfig(server))
    try {
      const listed = await s3.send(new ListObjectsV2Command({Bucket: server.bucket, Prefix: 'repair/packs/'}))
      const biggest = (listed.Contents ?? []).filter((o) => o.Key!.endsWith('.pack')).sort((x, y) => y.Size! - x.Size!)[0]!
      await s3.send(new DeleteObjectCommand({Bucket: server.bucket, Key: biggest.Key!}))
    } finally {
      s3.destroy()
    }
    assert.equal((await a.runAsync(['fsck', '--remote'])).code, 6)
    const fixed = await jA(a, ['fsck', '--remote', '--repair'])
    assert.deepEqual([fixed.ok, fixed.remaining], [true, []], JSON.stringify(fixed))
    assert.equal(fixed.repair.damagedPacks.length, 1)
    const c = sandbox()
    c.defaultEnv = {...c.defaultEnv, ...targets.s3.env()}
    await okA(c, ['clone', '-q', ...targets.s3.url('repair'), c.dir], {cwd: c.base})
    assert.ok(c.read('data.bin').equals(prng(250_000, 'repair-s3')))
  })
})

describe('gc --remote over S3', () => {
  it('collects dead packs past the grace period and leaves a remote that fsck --remote --read-data passes', async () => {
    const a = sandbox()
    a.defaultEnv = {...a.defaultEnv, ...targets.s3.env()}
    initRepo(a)
    await okA(a, ['remote', 'add', 'origin', ...targets.s3.url('gcsafe')])
    await commitFiles(a, {'base.csv': 'a,b\n1,2\n'}, 'base')
    await okA(a, ['push', '-q', '-u', 'origin', 'main'])
    await okA(a, ['switch', '-q', '-c', 'gone'])
    await commitFiles(a, {'gone.bin': prng(100_000, 'gone')}, 'gone')
    await okA(a, ['push', '-q', 'origin', 'gone'])
    await okA(a, ['push', '-q', '--delete', 'origin', 'gone'])
    const young = await jA(a, ['gc', '--remote'])
    assert.equal(young.deleted.length, 0)
    assert.ok(young.young.length >= 1)
    // The S3 server's LastModified is its own clock: a zero grace makes every dead pack old enough.
    const gc = await jA(a, ['gc', '--remote', 'origin', '--grace', '0'])
    assert.ok(gc.deleted.length >= 1, JSON.stringify(gc))
    assert.equal(gc.live, gc.packs - gc.deleted.length)
    const fsck = await jA(a, ['fsck', '--remote', '--read-data'])
    assert.equal(fsck.ok, true)
    assert.equal(fsck.packsRead, gc.live)
    const bad = await a.runAsync(['gc', '--remote', '--grace', 'soon'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--grace "soon" is not a duration/)
  })
})
