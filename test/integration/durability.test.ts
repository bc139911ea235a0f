/**
 * Durability and concurrency through the real binary: SIGKILL during `bl add -A` + `bl commit`
 * never damages the repository or loses the old HEAD; concurrent writers wait or fail with a
 * documented error, and no commit reported as successful is lost.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import {collect, prng, repoWith, type RunResult, Sandbox, sleep} from './helpers.ts'

const FILES = 30
const FILE_SIZE = 1024 * 1024

const fileName = (i: number): string => `data/part-${String(i).padStart(2, '0')}.bin`
/** Generation `gen` of file `i`: deterministic, so any commit's expected bytes can be recomputed. */
const content = (gen: number, i: number): Buffer => prng(FILE_SIZE, `gen${gen}/file${i}`)

function writeGeneration(s: Sandbox, gen: number): void {
  for (let i = 0; i < FILES; i++) s.write(fileName(i), content(gen, i))
}

function headInfo(s: Sandbox): {id: string; gen: number} {
  const r = s.bl(['log', '-n', '1', '--json'])
  assert.equal(r.code, 0, `log after crash: ${r.stdout}${r.stderr}`)
  const doc = r.json()
  assert.equal(doc.ok, true)
  assert.equal(doc.result.length, 1)
  const m = /^gen (\d+)/.exec(doc.result[0].message)
  assert.ok(m, `unexpected HEAD message ${JSON.stringify(doc.result[0].message)}`)
  return {id: doc.result[0].id, gen: Number(m[1])}
}

describe('crash safety: SIGKILL during add -A + commit of ~30 MB', () => {
  const s = repoWith()
  after(() => s.cleanup())

  // Kill points spread over the whole add + commit window (process start, scan, chunk writes, index
  // update, commit), as fractions of how long an uninterrupted add -A + commit takes on this machine.
  const fractions = [0.03, 0.3, 0.6, 0.85, 0.97]
  let window = 0
  before(() => {
    writeGeneration(s, 0)
    const t0 = Date.now()
    s.ok(['add', '-A', '-q'])
    s.ok(['commit', '-q', '-m', 'gen 0'])
    window = Date.now() - t0
  })

  let gen = 0
  for (const fraction of fractions) {
    it(`killed at ${Math.round(fraction * 100)}% of an add -A + commit: repository consistent, HEAD old or new and complete`, async (t) => {
      const delay = Math.max(10, Math.round(fraction * window))
      const T: Array<[string, number]> = []
      const t0 = Date.now()
      const mark = (what: string) => T.push([what, Date.now() - t0])
      const prev = headInfo(s)
      const N = ++gen
      writeGeneration(s, N)

      mark('write')
      // --- the killed run ---
      let killed = false
      let child = s.spawn(['add', '-A', '-q'])
      const timer = setTimeout(() => {
        killed = true
        child.kill('SIGKILL')
      }, delay)
      let r: RunResult = await collect(child)
      let stage = 'add'
      if (!killed) {
        assert.equal(r.code, 0, `add (not killed) failed: ${r.stderr}`)
        stage = 'commit'
        child = s.spawn(['commit', '-q', '-m', `gen ${N}`])
        r = await collect(child)
        if (!killed) assert.equal(r.code, 0, `commit (not killed) failed: ${r.stderr}`)
      }
      clearTimeout(timer)
      // the kill may race a natural exit; then the command must simply have succeeded
      if (killed && r.signal !== 'SIGKILL') assert.equal(r.code, 0, `${stage} exited ${r.code}: ${r.stderr}`)

      mark(`killed:${killed}:${stage}`)
      // --- the repository is consistent ---
      const fsck = s.bl(['fsck', '--json'])
      assert.equal(fsck.code, 0, `fsck after kill during ${stage}: ${fsck.stdout}${fsck.stderr}`)
      assert.equal(fsck.json().result.ok, true)

      mark('fsck')
      const head = headInfo(s)
      mark('log')
      if (head.gen === N) assert.notEqual(head.id, prev.id)
      else assert.deepEqual(head, prev, `HEAD must be the old commit (gen ${prev.gen}) or the new one (gen ${N})`)

      const st = s.bl(['status', '--json'])
      assert.equal(st.code, 0, `status after kill: ${st.stderr}`)
      assert.equal(st.json().ok, true)

      mark('status')
      // --- every file of HEAD can be checked out byte for byte ---
      fs.rmSync(s.p('data'), {recursive: true, force: true})
      const co = s.bl(['checkout', '-f', 'HEAD'])
      assert.equal(co.code, 0, `checkout -f HEAD: ${co.stderr}`)
      mark('checkout')
      for (let i = 0; i < FILES; i++) {
        const got = s.read(fileName(i))
        assert.ok(got.equals(content(head.gen, i)), `${fileName(i)} differs from gen ${head.gen} after checkout`)
      }
      t.diagnostic(`delay ${delay} ms of ${window}; head gen ${head.gen} (new ${N}); ${T.map(([w, ms]) => `${w}@${ms}`).join(' ')}`)
      // the next trial starts from whatever HEAD is now
    })
  }

  it('after the crashes, re-running add -A && commit succeeds and reads back', () => {
    const N = ++gen
    writeGeneration(s, N)
    const add = s.bl(['add', '-A', '-q'])
    assert.equal(add.code, 0, `add -A after recovery: ${add.stderr}`)
    const commit = s.bl(['commit', '-q', '-m', `gen ${N}`])
    assert.equal(commit.code, 0, `commit after recovery: ${commit.stderr}`)
    assert.equal(headInfo(s).gen, N)
    fs.rmSync(s.p('data'), {recursive: true, force: true})
    s.ok(['checkout', '-f', 'HEAD'])
    for (let i = 0; i < FILES; i++) assert.ok(s.read(fileName(i)).equals(content(N, i)), fileName(i))
  })

  it('gc drops the leftovers of the killed runs and fsck still passes', () => {
    const gc = s.bl(['gc', '--json'])
    assert.equal(gc.code, 0, gc.stdout + gc.stderr)
    assert.equal(typeof gc.json().result.objectsRemoved, 'number')
    const fsck = s.bl(['fsck', '--json'])
    assert.equal(fsck.code, 0, fsck.stdout)
    assert.equal(fsck.json().result.ok, true)
    const last = headInfo(s)
    assert.equal(last.gen, gen)
    for (const i of [0, FILES - 1]) {
      const out = s.ok(['show', `HEAD:${fileName(i)}`]).stdoutBuf
      assert.ok(out.equals(content(last.gen, i)))
    }
  })
})

describe('leftovers of a killed checkout', () => {
  it('temporary files a killed writer left in directories the next command does not write to are removed by checkout and gc', () => {
    const s = repoWith({'data/a.bin': 'a\n', 'other/b.txt': 'b\n'})
    try {
      // The state a writer killed between writing a temporary file and renaming it leaves: its
      // record in .bl naming the directories, and a .bl-tmp-<pid>-<n> file in one of them.
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!
      const leftover = s.p(`data/.bl-tmp-${dead}-3`)
      const record = path.join(s.dir, '.bl', `writing-${dead}`)
      for (const cmd of [['checkout', '-q', '-b', 'elsewhere'], ['gc', '-q']]) {
        fs.writeFileSync(leftover, 'half a file')
        fs.writeFileSync(record, [s.p('data'), s.p('other')].join('\n'))
        assert.deepEqual(s.j(['status']).untracked, [], 'never listed')
        s.ok(cmd)
        assert.equal(fs.existsSync(leftover), false, `${cmd[0]} removed the leftover`)
        assert.equal(fs.existsSync(record), false, `${cmd[0]} removed the record`)
      }
      assert.equal(s.read('data/a.bin').toString(), 'a\n')
    } finally {
      s.cleanup()
    }
  })
})

/** Allowed outcomes for a write command racing another: success, or a documented refusal. */
function assertRaceOutcome(r: RunResult, what: string, allowed: Record<number, string>): void {
  if (r.code === 0) return
  assert.ok(r.code !== null && r.code in allowed, `${what}: unexpected exit ${r.code} (signal ${r.signal})\n${r.stdout}\n${r.stderr}`)
  const doc = r.json()
  assert.equal(doc.ok, false)
  assert.equal(doc.error.code, allowed[r.code!], `${what}: exit ${r.code} with ${doc.error.code}`)
}

describe('concurrent writers', () => {
  it('two concurrent add + commit sequences: success or a documented refusal; no successful commit is lost', async () => {
    const s = repoWith({'seed.txt': 'seed\n'})
    try {
      const committed: string[] = []
      for (let round = 0; round < 2; round++) {
        const env = round === 1 ? {BL_LOCK_TIMEOUT: '100'} : undefined
        const seq = async (k: number): Promise<void> => {
          const name = `r${round}-w${k}.bin`
          s.write(name, prng(6 * 1024 * 1024, `${round}/${k}`))
          const add = await s.runAsync(['add', name, '--json'], {env})
          assertRaceOutcome(add, `add ${name}`, {7: 'REPOSITORY_BUSY'})
          const c = await s.runAsync(['commit', '--allow-empty', '-m', `round ${round} writer ${k}`, '--json'], {env})
          assertRaceOutcome(c, `commit ${round}/${k}`, {5: 'REF_CHANGED', 7: 'REPOSITORY_BUSY'})
          if (c.code === 0) {
            const doc = c.json()
            assert.equal(doc.ok, true)
            committed.push(doc.result.id)
          }
        }
        await Promise.all([seq(0), seq(1)])
      }
      assert.ok(committed.length >= 2, `only ${committed.length} of 4 commits succeeded`)
      const fsck = s.bl(['fsck', '--json'])
      assert.equal(fsck.code, 0, fsck.stdout)
      assert.equal(fsck.json().result.ok, true)
      const onMain = new Set(s.j(['log', 'main']).map((c: any) => c.id))
      for (const id of committed) assert.ok(onMain.has(id), `commit ${id} was reported as successful but is not on main`)
      // what was committed reads back intact
      const tree = s.j(['ls-tree', '-r', 'HEAD'])
      const round0 = tree.filter((x: any) => x.path.startsWith('r0-'))
      assert.deepEqual(round0.map((x: any) => x.path), ['r0-w0.bin', 'r0-w1.bin'])
      for (const e of round0) {
        const m = /^r(\d)-w(\d)\.bin$/.exec(e.path)!
        assert.ok(s.ok(['show', `HEAD:${e.path}`]).stdoutBuf.equals(prng(6 * 1024 * 1024, `${m[1]}/${m[2]}`)), e.path)
      }
    } finally {
      s.cleanup()
    }
  })

  it('concurrent branch and tag creations plus adds of large files all land', async () => {
    const s = repoWith({'seed.txt': 'seed\n'})
    try {
      s.write('big-a.bin', prng(8 * 1024 * 1024, 'a'))
      s.write('big-b.bin', prng(8 * 1024 * 1024, 'b'))
      const jobs: Array<[string, string[]]> = [
        ['branch b1', ['branch', 'b1']],
        ['branch b2', ['branch', 'b2']],
        ['tag t1', ['tag', 't1']],
        ['tag t2', ['tag', 't2']],
        ['add big-a', ['add', 'big-a.bin']],
        ['add big-b', ['add', 'big-b.bin']],
      ]
      const results = await Promise.all(jobs.map(([, args]) => s.runAsync([...args, '--json'])))
      const ok = new Set<string>()
      results.forEach((r, i) => {
        assertRaceOutcome(r, jobs[i]![0], {7: 'REPOSITORY_BUSY'})
        if (r.code === 0) ok.add(jobs[i]![0])
      })
      // with the default lock timeout (30 s) nobody should have to give up
      assert.equal(ok.size, jobs.length, `failed: ${jobs.map((j) => j[0]).filter((n) => !ok.has(n))}`)
      assert.deepEqual(s.j(['branch']).map((b: any) => b.name), ['b1', 'b2', 'main'])
      assert.deepEqual(s.j(['tag']).map((b: any) => b.name), ['t1', 't2'])
      assert.deepEqual(
        s.j(['status']).staged,
        [
          {path: 'big-a.bin', status: 'A'},
          {path: 'big-b.bin', status: 'A'},
        ],
      )
      assert.equal(s.j(['fsck']).ok, true)
    } finally {
      s.cleanup()
    }
  })
})

describe('write lock held by another process', () => {
  const s = repoWith({'a.txt': 'a\n'})
  let db: Database.Database | undefined
  after(() => {
    if (db?.inTransaction) db.exec('ROLLBACK')
    db?.close()
    s.cleanup()
  })
  before(() => {
    db = new Database(path.join(s.dir, '.bl', 'bl.db'), {timeout: 0})
  })

  it('with BL_LOCK_TIMEOUT=200 a write fails with exit 7 REPOSITORY_BUSY; readers are not blocked', () => {
    db!.exec('BEGIN IMMEDIATE')
    try {
      const t0 = Date.now()
      const j = s.bl(['tag', 'x', '--json'], {env: {BL_LOCK_TIMEOUT: '200'}})
      const elapsed = Date.now() - t0
      assert.equal(j.code, 7, j.stdout + j.stderr)
      const doc = j.json()
      assert.equal(doc.ok, false)
      assert.equal(doc.error.code, 'REPOSITORY_BUSY')
      assert.match(doc.error.message, /busy/)
      assert.ok(elapsed >= 200, `gave up after ${elapsed} ms, before the 200 ms lock timeout`)
      assert.ok(elapsed < 15_000, `took ${elapsed} ms for a 200 ms lock timeout`)

      const t = s.bl(['tag', 'x'], {env: {BL_LOCK_TIMEOUT: '200'}})
      assert.equal(t.code, 7)
      assert.match(t.stderr, /^error: .*busy/m)
      assert.match(t.stderr, /^hint: /m)

      s.write('b.txt', 'b\n')
      const add = s.bl(['add', 'b.txt', '--json'], {env: {BL_LOCK_TIMEOUT: '200'}})
      assert.equal(add.code, 7, add.stdout + add.stderr)
      assert.equal(add.json().error.code, 'REPOSITORY_BUSY')
      const commit = s.bl(['commit', '--allow-empty', '-m', 'blocked', '--json'], {env: {BL_LOCK_TIMEOUT: '200'}})
      assert.equal(commit.code, 7, commit.stdout + commit.stderr)
      assert.equal(commit.json().error.code, 'REPOSITORY_BUSY')

      // readers still work while the write lock is held
      const log = s.bl(['log', '--json'], {env: {BL_LOCK_TIMEOUT: '200'}})
      assert.equal(log.code, 0, log.stdout + log.stderr)
      assert.equal(log.json().result.length, 1)
    } finally {
      db!.exec('ROLLBACK')
    }
    // nothing was half-done
    assert.deepEqual(s.j(['tag']), [])
    assert.equal(s.j(['log']).length, 1)
    assert.deepEqual(s.j(['status']).staged, [])
    // released: the same command succeeds
    assert.equal(s.j(['tag', 'x'], {env: {BL_LOCK_TIMEOUT: '200'}}).name, 'x')
  })

  it('with BL_LOCK_TIMEOUT=5000 a writer waits for the lock and then succeeds', async () => {
    db!.exec('BEGIN IMMEDIATE')
    const t0 = Date.now()
    const pending = s.runAsync(['commit', '--allow-empty', '-m', 'waited', '--json'], {env: {BL_LOCK_TIMEOUT: '5000'}})
    // long enough for bl to start and block on the lock (process start-up is ~0.3 s)
    await sleep(1200)
    db!.exec('ROLLBACK')
    const r = await pending
    const elapsed = Date.now() - t0
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const id = r.json().result.id
    assert.ok(elapsed >= 1150, `finished after ${elapsed} ms, while the lock was held for 1200 ms`)
    assert.equal(s.j(['log', '-n', '1'])[0].id, id)
    assert.equal(s.j(['fsck']).ok, true)
  })
})
