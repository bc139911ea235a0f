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
import {BIN, collect, makeTmp, okA, prng, rmrf, Sandbox, withJson, type RunResult, initRepo} from '../integration/helpers.ts'
import {s3Env, startS3Server, type S3TestServer} from '../support/s3-server.ts'
import {startFaultProxy, type FaultProxy, type FaultSchedule} from '../support/fault-proxy.ts'
import {S3Transport} from '../../src/core/remote/s3-transport.ts'
import {listRemoteRefs, syncRemoteIndex} from '../../src/core/remote/remote-repo.ts'
import {fetchClosure} from '../../src/core/remote/transfer.ts'
import {SqliteObjectStore} from '../../src/core/store/sqlite-object-store.ts'
import type {Oid} from '../../src/core/hash.ts'
import {openRepo} from '../../src/core/repo.ts'
import {fsck} from '../../src/core/ops/maintenance.ts'

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
const figures = {scenarios: 0, commands: 0, succeeded: 0, failedCleanly: 0}

before(async () => {
  server = await startS3Server()
  // The in-process consistency checks reach the server directly with bl's own S3 transport.
  Object.assign(process.env, s3Env(server))
  source = new Sandbox(s3Env(server))
  initRepo(source)
  source.write('data/big.bin', prng(1_200_000, 'big'))
  source.write('data/table.csv', Array.from({length: 20_000}, (_, i) => `${i},${(i * 7919) % 10007}`).join('\n') + '\n')
  source.write('notes/readme.txt', 'faults\n')
  source.write('empty.txt', '')
  await okA(source, ['add', '-A', '-q'])
  await okA(source, ['commit', '-q', '-m', 'first'])
  c1 = localRef(source.dir, MAIN)! as Oid
  sourceFiles = workTree(source.dir)
  empty = new Sandbox(s3Env(server))
  initRepo(empty)
})

after(async () => {
  await server?.stop()
  source?.cleanup()
  empty?.cleanup()
  for (const t of tmps) rmrf(t)
  const f = figures
  console.log(`faults: ${f.scenarios} schedules, ${f.commands} faulty push/fetch/clone runs: ${f.succeeded} succeeded, ${f.failedCleanly} failed cleanly and then succeeded without faults`)
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

function storeOf(dir: string, readonly = false): SqliteObjectStore {
  return SqliteObjectStore.open(path.join(dir, '.bl', 'bl.db'), {readonly})
}

function localRef(dir: string, ref: string): string | null {
  const store = storeOf(dir, true)
  try {
    return store.getRef(ref)?.oid ?? null
  } finally {
    store.close()
  }
}

/** A copy of a prepared repository (no bl process has it open) with `origin` at `prefix` through `endpoint`. */
function copyWithRemote(from: Sandbox, prefix: string, endpoint: string): Sandbox {
  const s = new Sandbox(s3Env(server))
  fs.cpSync(from.dir, s.dir, {recursive: true})
  const store = storeOf(s.dir)
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
 * `bl fsck` in-process: the same core function (SQLite integrity_check, every object against its
 * id, every ref's history complete); a spawn per check would blow the time budget. The disk tests
 * below run the real `bl fsck`.
 */
function assertFsck(dir: string, what: string): void {
  const repo = openRepo({cwd: dir, env: {}, userConfigDir: path.join(dir, '..', 'userconfig'), now: () => new Date()})
  try {
    assert.deepEqual(fsck(repo).problems, [], `${what}: fsck`)
  } finally {
    repo.close()
  }
}

/**
 * The outcome of a command run under faults: success, or exit 9 (REMOTE_ERROR) with exactly one
 * error line and one hint line (warnings may precede), and never a credential or a signed URL.
 */
function assertCleanOutcome(r: RunResult, what: string): boolean {
  assert.doesNotMatch(r.stdout + r.stderr, /S3RVER|X-Amz-|Signature=|Credential=/, `${what}: output shows credentials or a signed URL`)
  figures.commands++
  if (r.code === 0) {
    figures.succeeded++
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

// ---- disk full and read-only store: helpers -----------------------------------------------------

/**
 * Runs a shell script as root of a private mount namespace (user namespace too when not root), so
 * it can mount a small tmpfs and remount it full, bigger or read-only. Steps record their output
 * in $OUT (outside the tmpfs): `<step>.rc`, `.out`, `.err`.
 */
async function inNamespace(script: string, env: NodeJS.ProcessEnv): Promise<void> {
  const probe = spawnSync('unshare', ['--version'])
  if (probe.error)
    assert.fail(`unshare (util-linux) is not available (${(probe.error as NodeJS.ErrnoException).code}): the disk-full and read-only tests need it to mount a private tmpfs; install util-linux`)
  const args = [...(process.getuid?.() === 0 ? [] : ['--user', '--map-root-user']), '--mount', 'sh', '-c', PRELUDE + script]
  const r = await collect(spawn('unshare', args, {env, stdio: ['ignore', 'pipe', 'pipe']}))
  assert.equal(r.code, 0, `namespace script failed (exit ${r.code}; 90-99 are its mount and copy steps): ${r.stderr}`)
}

/**
 * Mounts the tmpfs at $MNT and defines `bl`, `step NAME CMD...` (output to $OUT), `room KIB`
 * (remount so that KIB are free) and `state NAME` (integrity_check and refs, read with bl's own
 * store code as tsc built it (build/modules), cheaper than spawning bl for each).
 */
const PRELUDE = `
set -u
mount -t tmpfs -o size=64m none "$MNT" || exit 90
bl() { "$NODE" "$BIN" "$@"; }
step() { n=$1; shift; "$@" >"$OUT/$n.out" 2>"$OUT/$n.err"; echo $? >"$OUT/$n.rc"; }
room() { used=$(df -k --output=used "$MNT" | tail -1); mount -o remount,size=$((used + $1))k "$MNT" || exit 91; }
state() { "$NODE" --input-type=module -e '
const {SqliteObjectStore} = await import(process.env.STORE_JS)
const s = SqliteObjectStore.open(".bl/bl.db", {readonly: true})
const ref = (n) => s.getRef(n)?.oid ?? null
console.log(JSON.stringify({integrity: s.integrityCheck(), main: ref("refs/heads/main"), tracking: ref("refs/remotes/origin/main")}))
s.close()' >"$OUT/$1.state" 2>&1; }
`

interface Step {
  rc: number
  out: string
  err: string
  json(): any
}

function stepsIn(out: string): {step(name: string): Step; state(name: string): {integrity: string[]; main: string | null; tracking: string | null}} {
  const read = (f: string): string => fs.readFileSync(path.join(out, f), 'utf8')
  return {
    step(name) {
      const s: Step = {rc: Number(read(`${name}.rc`).trim()), out: read(`${name}.out`), err: read(`${name}.err`), json: () => JSON.parse(s.out)}
      return s
    },
    state: (name) => JSON.parse(read(`${name}.state`)),
  }
}

/** A full or read-only store: exit 8, the given code, a one-line message and a hint. */
function assertStoreFailure(s: Step, code: 'DISK_FULL' | 'READ_ONLY', what: string): void {
  assert.equal(s.rc, 8, `${what}: exit ${s.rc}, expected 8 (${code})\nstdout: ${s.out}\nstderr: ${s.err}`)
  const e = s.json().error
  assert.equal(e.code, code, `${what}: ${s.out}`)
  assert.ok(e.hint, `${what}: a hint`)
  assert.doesNotMatch(e.message, /\n/, `${what}: one line`)
}

function assertOkStep(s: Step, what: string): any {
  assert.equal(s.rc, 0, `${what}: exit ${s.rc}\nstdout: ${s.out}\nstderr: ${s.err}`)
  return s.json().result
}

function diskSandbox(): {base: string; mnt: string; out: string; env(s: Sandbox, extra: Record<string, string>): NodeJS.ProcessEnv} {
  const base = makeTmp('bl-faults-disk-')
  tmps.push(base)
  const mnt = path.join(base, 'mnt')
  const out = path.join(base, 'out')
  fs.mkdirSync(mnt)
  fs.mkdirSync(out)
  const root = path.join(path.dirname(BIN), '..')
  return {
    base,
    mnt,
    out,
    env: (s, extra) => ({...s.env(), MNT: mnt, OUT: out, NODE: process.execPath, BIN, STORE_JS: path.join(root, 'build', 'modules', 'core', 'store', 'sqlite-object-store.js'), ...extra}),
  }
}

// ---- the tests ----------------------------------------------------------------------------------

describe('faults', {concurrency: 3}, () => {
  scenarios().forEach((sc, i) => {
    it(`S3 ${sc.name}: push, fetch and clone through the fault proxy`, async () => {
      figures.scenarios++
      const proxy: FaultProxy = await startFaultProxy(server.endpoint)
      const prefix = `faults-${i}`
      const env: Record<string, string> = sc.timeoutMs ? {BL_CONFIG_COUNT: '1', BL_CONFIG_KEY_0: 'remote.origin.timeout', BL_CONFIG_VALUE_0: String(sc.timeoutMs)} : {}
      const faulty = async (s: Sandbox, args: string[], cwd?: string): Promise<RunResult> => {
        proxy.set(sc.schedule)
        try {
          return await s.runAsync(args, {env, cwd})
        } finally {
          proxy.set(null)
        }
      }
      const sandboxes: Sandbox[] = []
      try {
        // push
        const a = copyWithRemote(source, prefix, proxy.endpoint)
        sandboxes.push(a)
        const push = await faulty(a, ['push', '-q', '-u'])
        const pushed = assertCleanOutcome(push, `push under ${sc.name}`)
        if (sc.schedule.kind === 'lost-response' && sc.schedule.key) assert.equal(push.code, 0, `an answer lost after a committed ref write is our own push, not FETCH_FIRST:\n${push.stderr}`)
        const landed = (await remoteRefs(prefix)).get(MAIN)
        if (pushed) assert.equal(landed, c1)
        else assert.ok(landed === undefined || landed === c1, 'the remote ref is unmoved or at the pushed commit')
        assertFsck(a.dir, 'after push')
        if (!pushed) {
          const again = await jsonOk(a, ['push', '-u'], {env})
          assert.equal(again.refs[0].status, landed === c1 ? 'up-to-date' : 'created')
          assert.equal((await remoteRefs(prefix)).get(MAIN), c1)
        }
        assert.equal(localRef(a.dir, 'refs/remotes/origin/main'), c1)

        // fetch, into an empty repository
        const b = copyWithRemote(empty, prefix, proxy.endpoint)
        sandboxes.push(b)
        const fetched = assertCleanOutcome(await faulty(b, ['fetch', '-q']), `fetch under ${sc.name}`)
        if (!fetched) assert.equal(localRef(b.dir, 'refs/remotes/origin/main'), null, 'a failed fetch moves no ref')
        assertFsck(b.dir, 'after fetch')
        if (!fetched) await okA(b, ['fetch', '-q'], {env})
        assert.equal(localRef(b.dir, 'refs/remotes/origin/main'), c1)

        // clone
        const c = new Sandbox(s3Env(server))
        sandboxes.push(c)
        const dest = path.join(c.base, 'clone')
        const url = [`s3://${server.bucket}/${prefix}`, '--endpoint', proxy.endpoint, '--path-style']
        const cloned = await faulty(c, ['clone', '-q', url[0]!, dest, ...url.slice(1)], c.base)
        if (!assertCleanOutcome(cloned, `clone under ${sc.name}`)) {
          // A clone the remote failed (exit 9) keeps what it received, and the same clone resumes it;
          // any other failure leaves nothing behind.
          if (cloned.code === 9) assert.deepEqual(fs.readdirSync(dest), ['.bl'], 'a clone the remote failed keeps only its repository, to resume')
          else assert.equal(fs.existsSync(dest), false, 'a failed clone leaves nothing behind')
          await okA(c, ['clone', '-q', url[0]!, dest, ...url.slice(1)], {cwd: c.base, env})
        }
        assert.deepEqual(workTree(dest), sourceFiles)
        assertFsck(dest, 'after clone')
        assert.ok(proxy.log.some((r) => r.fault), `no fault was injected under ${sc.name}`)
      } finally {
        for (const s of sandboxes) s.cleanup()
        await proxy.stop()
      }
    })
  })

  it('disk full partway through a commit, then a read-only store: clear errors, nothing half-written, the same commit succeeds afterwards', async () => {
    const d = diskSandbox()
    const s = new Sandbox()
    fs.writeFileSync(path.join(d.base, 'v2.bin'), prng(3_000_000, 'v2'))
    fs.writeFileSync(path.join(d.base, 'v3.bin'), prng(200_000, 'v3'))
    try {
      await inNamespace(
        `
cd "$MNT" && cp -a "$SRC/." . || exit 92
cp "$BASE/v2.bin" data/big.bin
room 1536
step full bl commit -a -m two --json
step full-fsck bl fsck --json
state full
room 16384
step full-retry bl commit -a -m two --json
cp "$BASE/v3.bin" data/big.bin
mount -o remount,ro "$MNT" || exit 93
step ro bl commit -a -m three --json
step ro-fsck bl fsck --json
state ro
mount -o remount,rw "$MNT" || exit 94
step ro-retry bl commit -a -m three --json
step end-fsck bl fsck --json
step end-status bl status --json
`,
        d.env(s, {SRC: source.dir, BASE: d.base}),
      )
      const {step, state} = stepsIn(d.out)
      assertStoreFailure(step('full'), 'DISK_FULL', 'commit -a on a full disk')
      assert.deepEqual(assertOkStep(step('full-fsck'), 'fsck after disk full').problems, [])
      assert.deepEqual(state('full'), {integrity: [], main: c1, tracking: null}, 'HEAD unchanged')
      const two = assertOkStep(step('full-retry'), 'commit after freeing space').id
      assert.notEqual(two, c1)

      assertStoreFailure(step('ro'), 'READ_ONLY', 'commit -a on a read-only store')
      assert.deepEqual(assertOkStep(step('ro-fsck'), 'fsck of a read-only store').problems, [])
      assert.deepEqual(state('ro'), {integrity: [], main: two, tracking: null}, 'HEAD unchanged')
      assert.notEqual(assertOkStep(step('ro-retry'), 'commit once writable').id, two)
      assert.deepEqual(assertOkStep(step('end-fsck'), 'final fsck').problems, [])
      assert.equal(assertOkStep(step('end-status'), 'status').clean, true)
    } finally {
      s.cleanup()
    }
  })

  it('disk full partway through a fetch, then a read-only store on pull: clear errors, refs unchanged, the same commands succeed afterwards', async () => {
    const d = diskSandbox()
    // The repository that goes into the tmpfs is at c1; the remote then moves to c2 (+2.5 MB).
    const a = copyWithRemote(source, 'disk-fetch', server.endpoint)
    await okA(a, ['push', '-q', '-u'])
    const b = new Sandbox(s3Env(server))
    fs.cpSync(a.dir, b.dir, {recursive: true})
    const more = prng(2_500_000, 'more')
    fs.writeFileSync(path.join(d.base, 'more.bin'), more)
    a.write('data/more.bin', more)
    await okA(a, ['add', '-A', '-q'])
    await okA(a, ['commit', '-q', '-m', 'more'])
    await okA(a, ['push', '-q'])
    const c2 = localRef(a.dir, MAIN)
    try {
      await inNamespace(
        `
cd "$MNT" && cp -a "$SRC/." . || exit 92
room 1024
step full bl fetch --json
step full-fsck bl fsck --json
state full
room 16384
step full-retry bl fetch --json
state full-retry
mount -o remount,ro "$MNT" || exit 93
step ro bl pull --json
step ro-fsck bl fsck --json
state ro
mount -o remount,rw "$MNT" || exit 94
step ro-retry bl pull --json
step end-fsck bl fsck --json
state end
cmp data/more.bin "$BASE/more.bin" >"$OUT/cmp.out" 2>&1; echo $? >"$OUT/cmp.rc"
`,
        d.env(b, {SRC: b.dir, BASE: d.base}),
      )
      const {step, state} = stepsIn(d.out)
      assertStoreFailure(step('full'), 'DISK_FULL', 'fetch on a full disk')
      assert.deepEqual(assertOkStep(step('full-fsck'), 'fsck after disk full').problems, [])
      assert.deepEqual(state('full'), {integrity: [], main: c1, tracking: c1}, 'refs unchanged')
      assertOkStep(step('full-retry'), 'fetch after freeing space')
      assert.deepEqual(state('full-retry'), {integrity: [], main: c1, tracking: c2})

      assertStoreFailure(step('ro'), 'READ_ONLY', 'pull on a read-only store')
      assert.deepEqual(assertOkStep(step('ro-fsck'), 'fsck of a read-only store').problems, [])
      assert.deepEqual(state('ro'), {integrity: [], main: c1, tracking: c2}, 'HEAD unchanged')
      assertOkStep(step('ro-retry'), 'pull once writable')
      assert.deepEqual(assertOkStep(step('end-fsck'), 'final fsck').problems, [])
      assert.deepEqual(state('end'), {integrity: [], main: c2, tracking: c2})
      assert.equal(fs.readFileSync(path.join(d.out, 'cmp.rc'), 'utf8').trim(), '0', 'the pulled file has its content')
    } finally {
      a.cleanup()
      b.cleanup()
    }
  })
})
