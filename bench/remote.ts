/**
 * The REMOTE step: bl against an S3-compatible server (the test server of
 * test/support/s3-server.ts: s3rver behind a proxy), with rclone as the peer when installed.
 *
 *   D1 (1,000 x 1 MiB): `bl push -u` vs `rclone sync` of the same files; `bl clone` (with checkout)
 *       into a fresh directory vs `rclone copy` back.
 *   D3 (512 MiB CSV): first push (what the remote stores, vs the CSV's size), then the one-row
 *       same-length edit, commit, and the push's upload (`bytes` of `bl push --json`).
 *   D2 (50,000 x 4 KiB): pushed untimed, then `bl clone --no-checkout`.
 *
 * The server runs in a child process (bench/s3-serve.ts): the Runner waits for each command
 * synchronously, which would freeze a server living in this process. Its data lives under the work
 * root; the remote's size is the sum of s3rver's object files under the repository's prefix.
 * Pushes run once (each needs a fresh prefix); clones run `runs` times, D1 clones at most
 * HEAVY_RUNS times (a GiB each way).
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {editRowInPlace, ensureDataset, type DatasetInfo} from './gen.js'
import {commandVersion, onPath, syncDisks, type CmdResult, type Runner} from './measure.js'
import type {CmdRecord} from './tools.js'
import {MiB, blCommand, compareManifests, fmtBytes, fmtRss, fmtSeconds, fmtSummary, manifest, padTable, rmrf, summarize, tail, warm, type Summary, type Target} from './util.js'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const REPO_ROOT = path.resolve(BENCH_DIR, '..')
const BUCKET = 'bl-bench'
/** D1 clone / rclone copy move a GiB each: at most this many runs (alternating; one run of either varied 6-13 s on this 2-core machine). */
const HEAVY_RUNS = 3

export const REMOTE_LIMITS = {
  /** bl push / clone of D1 vs rclone sync / copy of the same files (ratio) */
  vsRclone: 1,
  /** upload of the push after the D3 one-row edit */
  editPushBytes: 2 * MiB,
  /** remote bytes of the D3 repository / CSV bytes */
  d3Ratio: 0.45,
  /** clone --no-checkout of the D2 repository, seconds */
  cloneNoCheckout: 3,
}
/** What the issue measured on this machine, for the record. */
const ISSUE_RCLONE = {sync: 7.9, copy: 4.7}

export interface RemoteStep {
  label: string
  tool: 'bl' | 'rclone'
  /** part of a target (else: setup, reported for information) */
  timed: boolean
  runs: CmdRecord[]
  wall: Summary | null
  /** max over the runs */
  rss: number | null
  /** `bytes` / `objects` of the last run's `--json` result (push, clone) */
  bytes?: number
  objects?: number
  error?: string
}

export interface RemoteBench {
  endpoint: string | null
  rclone: {version: string | null; skipped?: string}
  steps: Record<string, RemoteStep>
  d3: {csvBytes: number; remoteBytes: number | null; remoteObjects: number | null} | null
  errors: string[]
}

interface Server {
  endpoint: string
  bucket: string
  directory: string
  accessKeyId: string
  secretAccessKey: string
  region: string
  child: ChildProcess
  logFile: string
}

/** Starts bench/s3-serve.ts and waits for its JSON line. */
async function startServer(dataDir: string): Promise<Server> {
  fs.mkdirSync(dataDir, {recursive: true})
  const logFile = path.join(dataDir, 'server.log')
  const log = fs.openSync(logFile, 'w')
  // stderr to a file: a pipe nobody drains while the Runner blocks could stall the server
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, 's3-serve.ts')], {
    cwd: REPO_ROOT,
    env: {...process.env, TMPDIR: dataDir, BENCH_S3_BUCKET: BUCKET},
    stdio: ['pipe', 'pipe', log],
  })
  fs.closeSync(log)
  const info = await new Promise<Omit<Server, 'child' | 'logFile'>>((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => fail(new Error('no answer within 30 s')), 30_000)
    const fail = (e: Error): void => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`S3 test server did not start: ${e.message}; ${tail(readOr(logFile), 4)}`))
    }
    child.on('error', fail)
    child.on('exit', (code) => fail(new Error(`exited with ${code}`)))
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString()
      const nl = buf.indexOf('\n')
      if (nl < 0) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      try {
        resolve(JSON.parse(buf.slice(0, nl)))
      } catch (e) {
        fail(e as Error)
      }
    })
  })
  return {...info, child, logFile}
}

/** Closes the server's stdin (it stops and removes its data), SIGKILL after 60 s. */
async function stopServer(s: Server): Promise<void> {
  if (s.child.exitCode !== null) return
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => s.child.kill('SIGKILL'), 60_000)
    s.child.on('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    s.child.stdin!.end()
  })
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

/** Bytes and count of the objects stored under `prefix/` (s3rver keeps `<key>._S3rver_object` files). */
function remoteUsage(s: Server, prefix: string): {bytes: number; objects: number} {
  let bytes = 0
  let objects = 0
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile() && e.name.endsWith('._S3rver_object')) {
        bytes += fs.statSync(p).size
        objects++
      }
    }
  }
  walk(path.join(s.directory, s.bucket, prefix))
  return {bytes, objects}
}

function record(r: CmdResult): CmdRecord {
  return {argv: r.argv, rc: r.rc, wall: r.wall, cpu: r.cpu, rss: r.rss, foreignCpu: r.foreignCpu}
}

function failure(r: CmdResult): string {
  const args = r.argv.slice(r.argv.findIndex((a) => a.endsWith('run.js')) + 1)
  let msg = (r.stderr || r.stdout).trim()
  try {
    const j = JSON.parse(r.stdout)
    if (j && j.ok === false && j.error) msg = `${j.error.code ?? ''} ${j.error.message ?? JSON.stringify(j.error)}`.trim()
  } catch {
    /* not JSON */
  }
  return `${(args.length ? args : r.argv).slice(0, 4).join(' ')} exited ${r.rc}: ${tail(msg, 3, 400)}`
}

export async function benchRemote(runner: Runner, blBin: string, dataRoot: string, workRoot: string, runs: number, log: (m: string) => void): Promise<RemoteBench> {
  const root = path.join(workRoot, 'remote')
  rmrf(root)
  fs.mkdirSync(root, {recursive: true})
  const hasRclone = onPath('rclone')
  const out: RemoteBench = {
    endpoint: null,
    rclone: hasRclone ? {version: commandVersion('rclone', ['version'])} : {version: null, skipped: 'rclone not installed'},
    steps: {},
    d3: null,
    errors: [],
  }
  let server: Server
  try {
    server = await startServer(path.join(root, 's3'))
  } catch (e) {
    out.errors.push((e as Error).message)
    log(`  ${(e as Error).message}`)
    return out
  }
  out.endpoint = server.endpoint
  log(`  S3 test server (s3rver + proxy, own process) at ${server.endpoint}; rclone: ${out.rclone.version ?? out.rclone.skipped}`)
  const {AWS_CA_BUNDLE: _ca, ...baseEnv} = process.env // rclone refuses a CA bundle on plain http
  const blEnv: NodeJS.ProcessEnv = {
    ...baseEnv,
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_REGION: server.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    BL_AUTHOR_NAME: 'Bench Mark',
    BL_AUTHOR_EMAIL: 'bench@example.com',
    BL_CONFIG_DIR: path.join(root, 'bl-config'),
  }
  const rcloneEnv: NodeJS.ProcessEnv = {
    ...baseEnv,
    RCLONE_CONFIG: path.join(root, 'rclone.conf'), // absent: the remote comes from the variables below
    RCLONE_CONFIG_S3_TYPE: 's3',
    RCLONE_CONFIG_S3_PROVIDER: 'Other',
    RCLONE_CONFIG_S3_ENDPOINT: server.endpoint,
    RCLONE_CONFIG_S3_ACCESS_KEY_ID: server.accessKeyId,
    RCLONE_CONFIG_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    RCLONE_CONFIG_S3_REGION: server.region,
    RCLONE_CONFIG_S3_FORCE_PATH_STYLE: 'true',
  }
  const url = (prefix: string): string => `s3://${server.bucket}/${prefix}`
  const remoteFlags = ['--endpoint', server.endpoint, '--path-style']

  const step = (key: string, label: string, tool: 'bl' | 'rclone', timed: boolean): RemoteStep => (out.steps[key] ??= {label, tool, timed, runs: [], wall: null, rss: null})
  /** Runs one command as (a run of) a step; throws on failure. Returns the parsed `--json` result. */
  const measure = async (key: string, label: string, tool: 'bl' | 'rclone', timed: boolean, args: string[], cwd: string): Promise<any> => {
    const s = step(key, label, tool, timed)
    if (timed) syncDisks()
    const argv = tool === 'bl' ? [...blCommand(blBin), ...args] : ['rclone', ...args]
    const r = await runner.run(argv, {cwd, env: tool === 'bl' ? blEnv : rcloneEnv})
    s.runs.push(record(r))
    if (r.rc !== 0) {
      s.error = failure(r)
      throw new Error(s.error)
    }
    s.wall = summarize(s.runs.filter((x) => x.rc === 0).map((x) => x.wall))
    s.rss = s.runs.reduce<number | null>((m, x) => (x.rss === null ? m : Math.max(m ?? 0, x.rss)), null)
    if (!args.includes('--json')) return null
    const res = JSON.parse(r.stdout).result
    if (typeof res?.bytes === 'number') s.bytes = res.bytes
    if (typeof res?.objects === 'number') s.objects = res.objects
    return res
  }
  const bl = async (cwd: string, ...args: string[]): Promise<void> => {
    const r = await runner.run([...blCommand(blBin), ...args], {cwd, env: blEnv})
    if (r.rc !== 0) throw new Error(failure(r))
  }
  /** init + add + commit (one step, for information) + remote add origin. */
  const makeRepo = async (id: string, wt: string, src: DatasetInfo, copy: string[]): Promise<void> => {
    const cp = spawnSync(copy[0]!, [...copy.slice(1), src.dir, wt], {encoding: 'utf8'})
    if (cp.status !== 0) throw new Error(`${copy.join(' ')}: ${cp.stderr}`)
    await bl(wt, 'init', '-q')
    warm(wt)
    await measure(`${id}.add`, `${id}: bl add -A (setup)`, 'bl', false, ['add', '-A'], wt)
    await measure(`${id}.commit`, `${id}: bl commit (setup)`, 'bl', false, ['commit', '-q', '-m', `${id}`], wt)
    await bl(wt, 'remote', 'add', 'origin', url(id.toLowerCase()), ...remoteFlags)
  }
  const phase = async (name: string, fn: () => Promise<void>): Promise<void> => {
    const t = performance.now()
    try {
      await fn()
    } catch (e) {
      const msg = `${name}: ${(e as Error).message}`
      out.errors.push(msg)
      log(`  ${msg.split('\n')[0]}`)
    }
    log(`  ${name} done (${((performance.now() - t) / 1000).toFixed(1)} s incl. setup)`)
  }

  try {
    // ---- D1: push vs rclone sync, clone vs rclone copy
    await phase('D1', async () => {
      const d1 = ensureDataset(dataRoot, 'D1', log)
      const wt = path.join(root, 'd1')
      await makeRepo('D1', wt, d1, ['cp', '-al'])
      warm(d1.dir)
      const p = await measure('D1.push', 'D1: bl push -u (1,000 x 1 MiB)', 'bl', true, ['push', '-u', '--json', 'origin', 'main'], wt)
      log(`  D1 bl push: ${fmtSeconds(out.steps['D1.push']!.wall!.median)}, ${fmtBytes(p.bytes)} in ${p.packs} packs`)
      if (hasRclone) {
        await measure('D1.rcloneSync', 'D1: rclone sync', 'rclone', true, ['-q', 'sync', d1.dir, `s3:${server.bucket}/rclone-d1`], root)
        const u = remoteUsage(server, 'rclone-d1')
        if (u.objects !== d1.files || u.bytes !== d1.bytes) throw new Error(`rclone sync stored ${u.objects} objects, ${u.bytes} bytes (expected ${d1.files}, ${d1.bytes})`)
        log(`  D1 rclone sync: ${fmtSeconds(out.steps['D1.rcloneSync']!.wall!.median)}`)
      }
      rmrf(wt)
      const expected = manifest(d1.dir, {hash: true})
      for (let r = 1; r <= Math.min(runs, HEAVY_RUNS); r++) {
        const dst = path.join(root, `d1-clone-${r}`)
        const c = await measure('D1.clone', 'D1: bl clone (with checkout)', 'bl', true, ['clone', '--json', url('d1'), dst, ...remoteFlags], root)
        const diff = c.checkedOut ? compareManifests(expected, manifest(dst, {exclude: ['.bl'], hash: r === 1})) : 'not checked out'
        if (diff) throw new Error(`bl clone produced a different tree: ${diff}`)
        rmrf(dst)
        if (hasRclone) {
          const dst2 = path.join(root, `d1-rclone-${r}`)
          await measure('D1.rcloneCopy', 'D1: rclone copy back', 'rclone', true, ['-q', 'copy', `s3:${server.bucket}/rclone-d1`, dst2], root)
          const diff2 = compareManifests(expected, manifest(dst2, {hash: r === 1}))
          if (diff2) throw new Error(`rclone copy produced a different tree: ${diff2}`)
          rmrf(dst2)
        }
        log(`  D1 clone run ${r}: bl ${fmtSeconds(out.steps['D1.clone']!.runs.at(-1)!.wall)}${hasRclone ? `, rclone copy ${fmtSeconds(out.steps['D1.rcloneCopy']!.runs.at(-1)!.wall)}` : ''}`)
      }
    })

    // ---- D3: what the remote stores, and the push after a one-row edit
    await phase('D3', async () => {
      const d3 = ensureDataset(dataRoot, 'D3', log)
      const wt = path.join(root, 'd3')
      await makeRepo('D3', wt, d3, ['cp', '-r', '--reflink=auto']) // edited in place: a real copy
      const p = await measure('D3.push', 'D3: bl push -u (512 MiB CSV; setup)', 'bl', false, ['push', '-u', '--json', 'origin', 'main'], wt)
      const u = remoteUsage(server, 'd3')
      out.d3 = {csvBytes: d3.bytes, remoteBytes: u.bytes, remoteObjects: u.objects}
      log(`  D3 first push: ${fmtSeconds(out.steps['D3.push']!.wall!.median)}, uploaded ${fmtBytes(p.bytes)}; remote holds ${fmtBytes(u.bytes)} in ${u.objects} objects (${(u.bytes / d3.bytes).toFixed(3)}x the CSV)`)
      const e = d3.aux!.edit
      editRowInPlace(path.join(wt, 'data.csv'), e.offset, e.oldRow, e.sameRow)
      await measure('D3.editCommit', 'D3: bl commit -a after the one-row edit (setup)', 'bl', false, ['commit', '-q', '-a', '-m', 'one-row edit'], wt)
      const q = await measure('D3.editPush', 'D3: bl push after the one-row edit', 'bl', true, ['push', '--json'], wt)
      log(`  D3 push after the one-row edit: ${fmtSeconds(out.steps['D3.editPush']!.wall!.median)}, uploaded ${fmtBytes(q.bytes)} (${q.objects} objects)`)
      rmrf(wt)
    })

    // ---- D2: clone --no-checkout of a 50,000-file repository
    await phase('D2', async () => {
      const d2 = ensureDataset(dataRoot, 'D2', log)
      const wt = path.join(root, 'd2')
      await makeRepo('D2', wt, d2, ['cp', '-al'])
      const p = await measure('D2.push', 'D2: bl push -u (50,000 x 4 KiB; setup)', 'bl', false, ['push', '-u', '--json', 'origin', 'main'], wt)
      log(`  D2 push (untimed for the targets): ${fmtSeconds(out.steps['D2.push']!.wall!.median)}, ${fmtBytes(p.bytes)}`)
      const head = p.refs?.[0]?.new
      for (let r = 1; r <= runs; r++) {
        const dst = path.join(root, `d2-clone-${r}`)
        const c = await measure('D2.cloneNoCheckout', 'D2: bl clone --no-checkout', 'bl', true, ['clone', '--no-checkout', '--json', url('d2'), dst, ...remoteFlags], root)
        if (c.checkedOut !== false || c.commit !== head) throw new Error(`unexpected clone result ${JSON.stringify(c).slice(0, 200)}`)
        log(`  D2 clone --no-checkout run ${r}/${runs}: ${fmtSeconds(out.steps['D2.cloneNoCheckout']!.runs.at(-1)!.wall)}`)
      }
      // the ~100k files of the D2 trees go at the end of the bench (see run.ts on mass deletion)
    })
  } finally {
    await stopServer(server)
    const slog = readOr(server.logFile).trim()
    if (slog) log(`  S3 server log: ${tail(slog, 5)}`)
  }
  return out
}

/** The REMOTE targets; `rssLimit` is the bench's global peak-RSS limit. */
export function remoteTargets(r: RemoteBench, rssLimit: number): Target[] {
  const t: Target[] = []
  const err = (key: string): string => `error: ${r.steps[key]?.error ?? r.errors[0] ?? 'no data'}`.split('\n')[0]!
  const vsRclone = (id: string, text: string, blKey: string, peerKey: string, peer: string, issue: number): void => {
    const threshold = `<= ${REMOTE_LIMITS.vsRclone.toFixed(2)}x ${peer} (issue: ${peer} ${fmtSeconds(issue)})`
    const b = r.steps[blKey]?.wall?.median ?? null
    const p = r.steps[peerKey]?.wall?.median ?? null
    if (b === null) t.push({id, text, verdict: 'FAIL', measured: err(blKey), threshold, value: null, limit: REMOTE_LIMITS.vsRclone})
    else if (p === null) t.push({id, text, verdict: 'SKIP', measured: `bl ${fmtSeconds(b)}; ${r.rclone.skipped ?? `${peer} failed: ${err(peerKey)}`}`, threshold, value: null, limit: REMOTE_LIMITS.vsRclone})
    else t.push({id, text, verdict: b / p <= REMOTE_LIMITS.vsRclone ? 'PASS' : 'FAIL', measured: `${(b / p).toFixed(2)}x (bl ${fmtSeconds(b)} vs ${peer} ${fmtSeconds(p)})`, threshold, value: b / p, limit: REMOTE_LIMITS.vsRclone})
  }
  vsRclone('REMOTE.push', 'D1 bl push to S3 vs rclone sync', 'D1.push', 'D1.rcloneSync', 'rclone sync', ISSUE_RCLONE.sync)
  vsRclone('REMOTE.clone', 'D1 bl clone + checkout vs rclone copy', 'D1.clone', 'D1.rcloneCopy', 'rclone copy', ISSUE_RCLONE.copy)

  {
    const text = 'D3 push after the one-row edit: bytes uploaded'
    const threshold = `<= ${fmtBytes(REMOTE_LIMITS.editPushBytes)}`
    const v = r.steps['D3.editPush']?.bytes ?? null
    t.push(v === null ? {id: 'REMOTE.editPush', text, verdict: 'FAIL', measured: err('D3.editPush'), threshold, value: null, limit: REMOTE_LIMITS.editPushBytes} : {id: 'REMOTE.editPush', text, verdict: v <= REMOTE_LIMITS.editPushBytes ? 'PASS' : 'FAIL', measured: `${fmtBytes(v)} (${r.steps['D3.editPush']!.objects} objects)`, threshold, value: v, limit: REMOTE_LIMITS.editPushBytes})
  }
  {
    const text = 'D3 512 MiB CSV: size on the remote'
    const threshold = `<= ${REMOTE_LIMITS.d3Ratio.toFixed(2)}x the CSV`
    const d = r.d3
    t.push(d?.remoteBytes == null ? {id: 'REMOTE.d3Size', text, verdict: 'FAIL', measured: err('D3.push'), threshold, value: null, limit: REMOTE_LIMITS.d3Ratio} : {id: 'REMOTE.d3Size', text, verdict: d.remoteBytes / d.csvBytes <= REMOTE_LIMITS.d3Ratio ? 'PASS' : 'FAIL', measured: `${(d.remoteBytes / d.csvBytes).toFixed(3)}x (${fmtBytes(d.remoteBytes)} in ${d.remoteObjects} objects)`, threshold, value: d.remoteBytes / d.csvBytes, limit: REMOTE_LIMITS.d3Ratio})
  }
  {
    const text = 'D2 bl clone --no-checkout (50,000 files)'
    const threshold = `<= ${fmtSeconds(REMOTE_LIMITS.cloneNoCheckout)}`
    const s = r.steps['D2.cloneNoCheckout']?.wall ?? null
    t.push(s === null ? {id: 'REMOTE.cloneNoCheckout', text, verdict: 'FAIL', measured: err('D2.cloneNoCheckout'), threshold, value: null, limit: REMOTE_LIMITS.cloneNoCheckout} : {id: 'REMOTE.cloneNoCheckout', text, verdict: s.median <= REMOTE_LIMITS.cloneNoCheckout ? 'PASS' : 'FAIL', measured: fmtSummary(s, 'seconds'), threshold, value: s.median, limit: REMOTE_LIMITS.cloneNoCheckout})
  }
  {
    // push and clone steps (add / commit are covered by the D1-D3 RSS targets)
    const text = 'peak RSS of every bl push / clone'
    const threshold = `<= ${fmtRss(rssLimit)}`
    let worst: {rss: number; key: string} | null = null
    for (const [key, s] of Object.entries(r.steps)) if (s.tool === 'bl' && /push|clone/i.test(key) && s.rss !== null && (!worst || s.rss > worst.rss)) worst = {rss: s.rss, key}
    t.push(worst === null ? {id: 'REMOTE.rss', text, verdict: 'FAIL', measured: `error: ${r.errors[0] ?? 'no data'}`.split('\n')[0]!, threshold, value: null, limit: rssLimit} : {id: 'REMOTE.rss', text, verdict: worst.rss <= rssLimit ? 'PASS' : 'FAIL', measured: `${fmtRss(worst.rss)} (max, at ${worst.key})${r.errors.length ? '; some steps failed' : ''}`, threshold, value: worst.rss, limit: rssLimit})
  }
  return t
}

/** One line per step: wall, CPU, peak RSS, bytes moved, and the machine's other load (noise). */
export function printRemoteTable(r: RemoteBench, log: (m: string) => void): void {
  const rows: string[][] = [['step', 'runs', 'wall', 'CPU (user+sys)', 'peak RSS', 'transferred', 'other load (max)']]
  for (const s of Object.values(r.steps)) {
    const ok = s.runs.filter((x) => x.rc === 0)
    const cpu = summarize(ok.map((x) => x.cpu))
    // CPU used by everything else (the S3 server included) as a share of all cores
    const noise = summarize(ok.map((x) => (x.foreignCpu === null || x.wall < 0.05 ? null : x.foreignCpu / (x.wall * os.cpus().length))))
    rows.push([
      s.label,
      String(s.runs.length),
      s.error && !ok.length ? 'ERR' : fmtSummary(s.wall, 'seconds'),
      fmtSummary(cpu, 'seconds'),
      s.rss === null ? '-' : fmtRss(s.rss),
      s.bytes === undefined ? '-' : `${fmtBytes(s.bytes)}${s.objects !== undefined ? ` (${s.objects} obj)` : ''}`,
      noise ? `${(noise.max * 100).toFixed(0)}%` : '-',
    ])
  }
  log('')
  log('REMOTE: bl against the S3 test server (s3rver + proxy on 127.0.0.1); median [min-max] over the runs')
  log(padTable(rows))
  log('other load: CPU of all other processes during the step (the S3 server is one of them), share of all cores')
  if (r.d3?.remoteBytes != null) log(`D3 on the remote: ${fmtBytes(r.d3.remoteBytes)} in ${r.d3.remoteObjects} objects for a ${fmtBytes(r.d3.csvBytes)} CSV`)
}
