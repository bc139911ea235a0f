/**
 * Hardening (issue 9): faults. The real `bl` binary pushes, fetches and clones through a
 * fault-injecting proxy (test/support/fault-proxy.ts) in front of the S3 test server: connection
 * resets before and in the middle of answers, 500, 503 SlowDown, slow answers below and beyond the
 * client's timeout, and answers lost after a committed write, at every Nth request. Then disk full
 * and a read-only store, for real: bl runs in a private mount namespace on a small tmpfs.
 *
 * Every faulty command must either succeed or fail with one `error:` line, one `hint:` line and a
 * documented exit code; the remote must stay consistent (every ref's history complete in the pack
 * indexes, checked with bl's own fetch code against the server directly), the local repository
 * must pass `bl fsck`, and the same command without faults must then succeed with the expected
 * result. BL_STRESS=1 runs many more schedules.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {BIN, collect, makeTmp, okA, prng, rmrf, Sandbox, withJson, type RunResult} from '../integration/helpers.ts'
import {s3Env, startS3Server, type S3TestServer} from '../support/s3-server.ts'
import {startFaultProxy, type FaultProxy, type FaultSchedule} from '../support/fault-proxy.ts'
import {S3Transport} from '../../src/core/remote/s3-transport.ts'
import {listRemoteRefs, syncRemoteIndex} from '../../src/core/remote/remote-repo.ts'
import {fetchClosure} from '../../src/core/remote/transfer.ts'
import {SqliteObjectStore} from '../../src/core/store/sqlite-object-store.ts'
import type {Oid} from '../../src/core/hash.ts'

const STRESS = process.env.BL_STRESS === '1'
const MAIN = 'refs/heads/main'

interface Scenario {
  name: string
  schedule: FaultSchedule
  /** `remote.origin.timeout` for this scenario (ms). */
  timeoutMs?: number
}

function scenarios(): Scenario[] {
  const refWrites: Scenario = {name: 'answer lost after every committed ref write', schedule: {kind: 'lost-response', every: 1, method: 'PUT', key: /\/refs\/heads\//}}
  const beyondTimeout: Scenario = {name: 'slow beyond the 1.5 s timeout, every 10th', schedule: {kind: 'slow', every: 10, delayMs: 2500}, timeoutMs: 1500}
  if (!STRESS)
    return [
      {name: 'reset before the answer, every 3rd', schedule: {kind: 'reset-before', every: 3}},
      {name: 'reset mid-answer, every 2nd', schedule: {kind: 'reset-mid', every: 2}},
      {name: '500 on every request', schedule: {kind: '500', every: 1}},
      {name: '503 SlowDown, every 4th', schedule: {kind: '503', every: 4}},
      {name: 'slow (250 ms), every 4th', schedule: {kind: 'slow', every: 4, delayMs: 250}},
      beyondTimeout,
      {name: 'answer lost after commit, every 2nd', schedule: {kind: 'lost-response', every: 2}},
      refWrites,
    ]
  const out: Scenario[] = [refWrites, beyondTimeout]
  for (const every of [1, 2, 3, 4, 5, 7, 11])
    for (const kind of ['reset-before', 'reset-mid', '500', '503', 'slow', 'lost-response'] as const) {
      out.push({name: `${kind}, every ${every}`, schedule: {kind, every, delayMs: 200}})
      if (kind !== 'slow') out.push({name: `${kind} on writes, every ${every}`, schedule: {kind, every, method: 'PUT'}})
    }
  return out
}

let server: S3TestServer
let source: Sandbox
let empty: Sandbox
let sourceFiles: Map<string, Buffer>
let c1: Oid
const tmps: string[] = []
const figures = {run: 0, survived: 0, failedCleanly: 0}

before(async () => {
  server = await startS3Server()
  // The in-process consistency checks reach the server directly with bl's own S3 transport.
  Object.assign(process.env, s3Env(server))
  source = new Sandbox(s3Env(server))
  await okA(source, ['init', '-q'])
  source.write('data/big.bin', prng(1_200_000, 'big'))
  source.write('data/table.csv', Array.from({length: 20_000}, (_, i) => `${i},${(i * 7919) % 10007}`).join('\n') + '\n')
  source.write('notes/readme.txt', 'faults\n')
  source.write('empty.txt', '')
  await okA(source, ['add', '-A', '-q'])
  await okA(source, ['commit', '-q', '-m', 'first'])
  c1 = (await jsonOk(source, ['log', '-n', '1']))[0].id
  sourceFiles = workTree(source.dir)
  empty = new Sandbox(s3Env(server))
  await okA(empty, ['init', '-q'])
})

after(async () => {
  await server?.stop()
  source?.cleanup()
  empty?.cleanup()
  for (const t of tmps) rmrf(t)
  console.log(`faults: ${figures.run} faulty commands, ${figures.survived} succeeded, ${figures.failedCleanly} failed cleanly (then succeeded without faults)`)
})

// ---- helpers ------------------------------------------------------------------------------------

async function jsonOk(s: Sandbox, args: string[], opts: {env?: Record<string, string>; cwd?: string} = {}): Promise<any> {
  const r = await okA(s, withJson(args), opts)
  return r.json().result
}

/** Every file of a work tree (without .bl) and its bytes. */
function workTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), {withFileTypes: true})) {
      const p = rel ? `${rel}/${e.name}` : e.name
      if (p === '.bl') continue
      if (e.isDirectory()) walk(p)
      else out.set(p, fs.readFileSync(path.join(dir, p)))
    }
  }
  walk('')
  return out
}

/** A copy of a prepared repository (no bl process has it open) with `origin` at `prefix` through `endpoint`. */
function copyWithRemote(from: Sandbox, prefix: string, endpoint: string): Sandbox {
  const s = new Sandbox(s3Env(server))
  fs.cpSync(from.dir, s.dir, {recursive: true})
  const store = SqliteObjectStore.open(path.join(s.dir, '.bl', 'bl.db'))
  try {
    store.transaction(() => {
      store.setConfig('remote.origin.url', `s3://${server.bucket}/${prefix}`)
      store.setConfig('remote.origin.endpoint', endpoint)
      store.setConfig('remote.origin.path-style', 'true')
    })
  } finally {
    store.close()
  }
  return s
}

/**
 * The outcome of a command run under faults: success, or exit 9 (REMOTE_ERROR) with exactly one
 * error line and one hint line (warnings may precede), and never a credential or a signed URL.
 */
function assertCleanOutcome(r: RunResult, what: string): boolean {
  const out = r.stdout + r.stderr
  assert.doesNotMatch(out, /S3RVER|X-Amz-|Signature=|Credential=/, `${what}: output shows credentials or a signed URL`)
  figures.run++
  if (r.code === 0) {
    figures.survived++
    return true
  }
  assert.equal(r.code, 9, `${what}: exit ${r.code} (signal ${r.signal}), expected 0 or 9 (REMOTE_ERROR)\n${r.stderr}`)
  const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: '))
  assert.equal(lines.length, 2, `${what}: expected one error and one hint line:\n${r.stderr}`)
  assert.match(lines[0]!, /^error: remote s3:\/\/\S+ .*: .+ failed: .+/, what)
  assert.match(lines[1]!, /^hint: ./, what)
  figures.failedCleanly++
  return false
}

/**
 * The remote as a fresh reader sees it, straight from the server: its refs, after checking that
 * every object reachable from them is in a published pack and matches its id (bl's own fetch).
 */
async function remoteRefs(prefix: string): Promise<Map<string, string>> {
  const t = new S3Transport({bucket: server.bucket, prefix, endpoint: server.endpoint, pathStyle: true, region: server.region})
  const dir = makeTmp('bl-faults-check-')
  const store = SqliteObjectStore.open(path.join(dir, 'check.db'), {create: true})
  try {
    const refs = await listRemoteRefs(t)
    if (refs.length) {
      const {fresh} = await syncRemoteIndex(store, 'check', t)
      await fetchClosure(store, 'check', t, refs.map((r) => r.commit), {blobs: true, fresh})
    }
    return new Map(refs.map((r) => [r.name, r.commit]))
  } finally {
    store.close()
    t.close()
    rmrf(dir)
  }
}

async function assertFsck(s: Sandbox, cwd?: string): Promise<void> {
  const f = await jsonOk(s, ['fsck'], {cwd})
  assert.deepEqual(f.problems, [])
  assert.equal(f.ok, true)
}

function localRef(dir: string, ref: string): string | null {
  const store = SqliteObjectStore.open(path.join(dir, '.bl', 'bl.db'), {readonly: true})
  try {
    return store.getRef(ref)?.oid ?? null
  } finally {
    store.close()
  }
}

// ---- remote faults ------------------------------------------------------------------------------

describe('S3 faults through a fault-injecting proxy: push, fetch, clone', {concurrency: 2}, () => {
  scenarios().forEach((sc, i) => {
    it(sc.name, async () => {
      const proxy: FaultProxy = await startFaultProxy(server.endpoint)
      const prefix = `faults-${i}`
      const env: Record<string, string> = sc.timeoutMs ? {BL_CONFIG_COUNT: '1', BL_CONFIG_KEY_0: 'remote.origin.timeout', BL_CONFIG_VALUE_0: String(sc.timeoutMs)} : {}
      const sandboxes: Sandbox[] = []
      try {
        // push
        const a = copyWithRemote(source, prefix, proxy.endpoint)
        sandboxes.push(a)
        proxy.set(sc.schedule)
        const push = await a.runAsync(['push', '-q', '-u'], {env})
        const injected = proxy.injected
        proxy.set(null)
        const pushed = assertCleanOutcome(push, `push under ${sc.name}`)
        if (sc.schedule.kind === 'lost-response' && sc.schedule.key) assert.equal(push.code, 0, `a lost answer to a committed ref write is our own push:\n${push.stderr}`)
        const afterFault = await remoteRefs(prefix)
        if (pushed) assert.equal(afterFault.get(MAIN), c1)
        else assert.ok([undefined, c1].includes(afterFault.get(MAIN) as Oid | undefined), 'the ref is unmoved or at the pushed commit')
        await assertFsck(a)
        const again = await jsonOk(a, ['push', '-u'], {env})
        assert.equal(again.refs[0].status, pushed || afterFault.get(MAIN) === c1 ? 'up-to-date' : 'created')
        assert.equal((await remoteRefs(prefix)).get(MAIN), c1)
        assert.equal(localRef(a.dir, 'refs/remotes/origin/main'), c1)

        // fetch, into an empty repository
        const b = copyWithRemote(empty, prefix, proxy.endpoint)
        sandboxes.push(b)
        proxy.set(sc.schedule)
        const fetch = await b.runAsync(['fetch', '-q'], {env})
        proxy.set(null)
        const fetched = assertCleanOutcome(fetch, `fetch under ${sc.name}`)
        if (!fetched) assert.equal(localRef(b.dir, 'refs/remotes/origin/main'), null, 'a failed fetch moves no ref')
        await assertFsck(b)
        await okA(b, ['fetch', '-q'], {env})
        assert.equal(localRef(b.dir, 'refs/remotes/origin/main'), c1)

        // clone
        const c = new Sandbox(s3Env(server))
        sandboxes.push(c)
        const dest = path.join(c.base, 'clone')
        const url = [`s3://${server.bucket}/${prefix}`, '--endpoint', proxy.endpoint, '--path-style']
        proxy.set(sc.schedule)
        const clone = await c.runAsync(['clone', '-q', url[0]!, dest, ...url.slice(1)], {cwd: c.base, env})
        proxy.set(null)
        if (!assertCleanOutcome(clone, `clone under ${sc.name}`)) {
          assert.equal(fs.existsSync(dest), false, 'a failed clone leaves nothing behind')
          await okA(c, ['clone', '-q', url[0]!, dest, ...url.slice(1)], {cwd: c.base, env})
        }
        assert.deepEqual(workTree(dest), sourceFiles)
        await assertFsck(c, dest)
        // Every schedule must have hit something, or the scenario tests nothing.
        assert.ok(injected > 0 || proxy.log.some((r) => r.fault), `no fault was injected under ${sc.name}`)
      } finally {
        for (const s of sandboxes) s.cleanup()
        await proxy.stop()
      }
    })
  })
})

// ---- disk full and read-only store --------------------------------------------------------------

/**
 * Runs a shell script as root of a private mount namespace (user namespace too when not root), so
 * it can mount a small tmpfs and remount it full, bigger or read-only. Steps record their output
 * in `out` (outside the tmpfs): `<step>.rc`, `.out`, `.err`.
 */
async function inNamespace(script: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  const probe = spawnSync('unshare', ['--version'])
  if (probe.error)
    assert.fail(`unshare (util-linux) is not available (${(probe.error as NodeJS.ErrnoException).code}): the disk-full and read-only tests need it to mount a private tmpfs; install util-linux`)
  const args = [...(process.getuid?.() === 0 ? [] : ['--user', '--map-root-user']), '--mount', 'sh', '-c', script]
  const r = await collect(spawn('unshare', args, {env, stdio: ['ignore', 'pipe', 'pipe']}))
  assert.equal(r.code, 0, `namespace script failed (exit ${r.code}): ${r.stderr}`)
  return r
}

/** The shell prelude: mounts the tmpfs at $MNT, defines `bl`, `step NAME CMD...` and `room KIB`. */
const PRELUDE = `
set -u
mount -t tmpfs -o size=64m none "$MNT" || exit 90
bl() { "$NODE" "$BIN" "$@"; }
step() { n=$1; shift; "$@" >"$OUT/$n.out" 2>"$OUT/$n.err"; echo $? >"$OUT/$n.rc"; }
# Leaves KIB kilobytes free on the tmpfs.
room() { used=$(df -k --output=used "$MNT" | tail -1); mount -o remount,size=$((used + $1))k "$MNT" || exit 91; }
integrity() { "$NODE" -e 'const D=require(process.argv[1]);const db=new D(process.argv[2],{readonly:true});console.log(db.pragma("integrity_check",{simple:true}));db.close()' "$SQLITE" .bl/bl.db; }
`

interface Step {
  rc: number
  out: string
  err: string
  json(): any
}

function steps(out: string): (name: string) => Step {
  return (name) => {
    const read = (ext: string): string => fs.readFileSync(path.join(out, `${name}.${ext}`), 'utf8')
    const s: Step = {rc: Number(read('rc').trim()), out: read('out'), err: read('err'), json: () => JSON.parse(s.out)}
    return s
  }
}

/** A failure of a full or read-only store: exit 8, the given code, one error line and one hint line. */
function assertStoreFailure(s: Step, code: 'DISK_FULL' | 'READ_ONLY', what: string): void {
  assert.equal(s.rc, 8, `${what}: exit ${s.rc}, expected 8 (${code})\nstdout: ${s.out}\nstderr: ${s.err}`)
  const doc = s.json()
  assert.equal(doc.error.code, code, `${what}: ${s.out}`)
  assert.ok(doc.error.hint, `${what}: a hint`)
  assert.doesNotMatch(doc.error.message, /\n/, `${what}: one line`)
}

function assertFsckStep(s: Step, what: string): void {
  assert.equal(s.rc, 0, `${what}: fsck exit ${s.rc}: ${s.err}`)
  const f = s.json().result
  assert.deepEqual(f.problems, [], what)
}

describe('disk full and read-only store (private tmpfs)', {concurrency: 2}, () => {
  const nsEnv = (s: Sandbox, mnt: string, out: string): NodeJS.ProcessEnv => ({
    ...s.env(),
    MNT: mnt,
    OUT: out,
    NODE: process.execPath,
    BIN,
    SQLITE: path.join(path.dirname(BIN), '..', 'node_modules', 'better-sqlite3'),
  })

  it('commit: disk full partway, then read-only; nothing half-written; the same command succeeds afterwards', async () => {
    const s = new Sandbox()
    const base = makeTmp('bl-faults-disk-')
    tmps.push(base)
    const mnt = path.join(base, 'mnt')
    const out = path.join(base, 'out')
    fs.mkdirSync(mnt)
    fs.mkdirSync(out)
    fs.writeFileSync(path.join(base, 'new1.bin'), prng(3_000_000, 'new1'))
    fs.writeFileSync(path.join(base, 'new2.bin'), prng(200_000, 'new2'))
    try {
      await inNamespace(
        PRELUDE +
          `
cd "$MNT" || exit 92
cp -a "$SRC/." . || exit 93
step head0 bl log -n 1 --json
cp "$BASE/new1.bin" data/big.bin
room 1536
step full bl commit -a -m two --json
step full-fsck bl fsck --json
step full-head bl log -n 1 --json
integrity >"$OUT/full-integrity.out"
room 16384
step full-retry bl commit -a -m two --json
step full-retry-fsck bl fsck --json
cp "$BASE/new2.bin" data/big.bin
mount -o remount,ro "$MNT" || exit 94
step ro bl commit -a -m three --json
step ro-fsck bl fsck --json
step ro-head bl log -n 1 --json
integrity >"$OUT/ro-integrity.out"
mount -o remount,rw "$MNT" || exit 95
step ro-retry bl commit -a -m three --json
step ro-retry-fsck bl fsck --json
step status bl status --json
`,
        {...nsEnv(s, mnt, out), SRC: source.dir, BASE: base},
      )
      const step = steps(out)
      const head0 = step('head0').json().result[0].id
      assert.equal(head0, c1)

      assertStoreFailure(step('full'), 'DISK_FULL', 'commit -a on a full disk')
      assertFsckStep(step('full-fsck'), 'after disk full')
      assert.equal(step('full-head').json().result[0].id, head0, 'HEAD unchanged')
      assert.equal(fs.readFileSync(path.join(out, 'full-integrity.out'), 'utf8').trim(), 'ok')
      assert.equal(step('full-retry').rc, 0, step('full-retry').err)
      const two = step('full-retry').json().result.id
      assert.notEqual(two, head0)
      assertFsckStep(step('full-retry-fsck'), 'after the retry')

      assertStoreFailure(step('ro'), 'READ_ONLY', 'commit -a on a read-only store')
      assertFsckStep(step('ro-fsck'), 'read-only')
      assert.equal(step('ro-head').json().result[0].id, two, 'HEAD unchanged')
      assert.equal(fs.readFileSync(path.join(out, 'ro-integrity.out'), 'utf8').trim(), 'ok')
      assert.equal(step('ro-retry').rc, 0, step('ro-retry').err)
      assertFsckStep(step('ro-retry-fsck'), 'after the read-only retry')
      assert.equal(step('status').json().result.clean, true)
    } finally {
      s.cleanup()
    }
  })

  it('fetch and pull: disk full partway, then read-only; refs unchanged; the same command succeeds afterwards', async () => {
    const prefix = 'disk-fetch'
    const url = [`s3://${server.bucket}/${prefix}`, '--endpoint', server.endpoint, '--path-style']
    const a = new Sandbox(s3Env(server))
    const b = new Sandbox(s3Env(server))
    const base = makeTmp('bl-faults-disk-')
    tmps.push(base)
    const mnt = path.join(base, 'mnt')
    const out = path.join(base, 'out')
    fs.mkdirSync(mnt)
    fs.mkdirSync(out)
    try {
      // The clone that goes into the tmpfs is at c1; the remote then moves to c2 (+2.5 MB).
      fs.cpSync(source.dir, a.dir, {recursive: true})
      await okA(a, ['remote', 'add', 'origin', ...url])
      await okA(a, ['push', '-q', '-u'])
      await okA(b, ['clone', '-q', url[0]!, b.dir, ...url.slice(1)], {cwd: b.base})
      const added = prng(2_500_000, 'fetch-new')
      a.write('data/more.bin', added)
      fs.writeFileSync(path.join(base, 'more.bin'), added)
      await okA(a, ['add', '-A', '-q'])
      await okA(a, ['commit', '-q', '-m', 'more'])
      await okA(a, ['push', '-q'])
      const c2 = (await jsonOk(a, ['log', '-n', '1']))[0].id

      await inNamespace(
        PRELUDE +
          `
cd "$MNT" || exit 92
cp -a "$SRC/." . || exit 93
room 1024
step full bl fetch --json
step full-fsck bl fsck --json
step full-tracking bl log -n 1 origin/main --json
integrity >"$OUT/full-integrity.out"
room 16384
step full-retry bl fetch --json
step full-retry-tracking bl log -n 1 origin/main --json
mount -o remount,ro "$MNT" || exit 94
step ro bl pull --json
step ro-fsck bl fsck --json
step ro-head bl log -n 1 --json
mount -o remount,rw "$MNT" || exit 95
step ro-retry bl pull --json
step ro-retry-head bl log -n 1 --json
step ro-retry-fsck bl fsck --json
cmp data/more.bin "$BASE/more.bin" >"$OUT/cmp.out" 2>&1; echo $? >"$OUT/cmp.rc"
`,
        {...nsEnv(b, mnt, out), SRC: b.dir, BASE: base},
      )
      const step = steps(out)
      assertStoreFailure(step('full'), 'DISK_FULL', 'fetch on a full disk')
      assertFsckStep(step('full-fsck'), 'after disk full')
      assert.equal(step('full-tracking').json().result[0].id, c1, 'origin/main unchanged')
      assert.equal(fs.readFileSync(path.join(out, 'full-integrity.out'), 'utf8').trim(), 'ok')
      assert.equal(step('full-retry').rc, 0, step('full-retry').err)
      assert.equal(step('full-retry-tracking').json().result[0].id, c2)

      assertStoreFailure(step('ro'), 'READ_ONLY', 'pull on a read-only store')
      assertFsckStep(step('ro-fsck'), 'read-only')
      assert.equal(step('ro-head').json().result[0].id, c1, 'HEAD unchanged')
      assert.equal(step('ro-retry').rc, 0, step('ro-retry').err)
      assert.equal(step('ro-retry-head').json().result[0].id, c2)
      assertFsckStep(step('ro-retry-fsck'), 'after the read-only retry')
      assert.equal(fs.readFileSync(path.join(out, 'cmp.rc'), 'utf8').trim(), '0', 'pulled file content')
    } finally {
      a.cleanup()
      b.cleanup()
    }
  })
})
