/**
 * Run one command and measure wall time, CPU time and the peak RSS of the child process tree.
 *
 * Preferred method: a tiny python3 wrapper that runs the command and reads
 * getrusage(RUSAGE_CHILDREN).ru_maxrss (the high-water RSS of the largest waited-for descendant,
 * i.e. the `node bin/run.js` process of bl). Wall time is taken inside the wrapper, so the
 * interpreter start-up is not counted. Fallbacks: GNU time (`/usr/bin/time -f`), then polling
 * /proc/<pid>/status VmHWM of the direct child (misses grandchildren, good enough for bl).
 */
import {spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export interface CmdResult {
  argv: string[]
  cwd: string
  rc: number
  /** seconds */
  wall: number
  /** CPU seconds (user + sys) of the children, null when unknown */
  cpu: number | null
  /** bytes, null when unknown */
  rss: number | null
  /**
   * CPU seconds the rest of the machine used while the command ran (all CPUs' busy time from
   * /proc/stat minus the command's own CPU): the shared machine's noise; null when unknown.
   */
  foreignCpu: number | null
  stdout: string
  stderr: string
}

export type MeasureMethod = 'python3-getrusage' | 'gnu-time' | 'proc-vmhwm'

const PY_WRAPPER = `
import json, resource, subprocess, sys, time
def busy():
    try:
        with open('/proc/stat') as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)
    except Exception:
        return None
out, err, cwd = sys.argv[1], sys.argv[2], sys.argv[3]
cmd = sys.argv[4:]
rc = 0
with open(out, 'wb') as fo, open(err, 'wb') as fe:
    b0 = busy()
    t0 = time.perf_counter()
    try:
        rc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe).returncode
    except OSError as e:
        rc = 127
        fe.write(('cannot run %s: %s' % (cmd[0], e)).encode())
    t1 = time.perf_counter()
    b1 = busy()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "wall": t1 - t0, "maxrss_kb": ru.ru_maxrss, "cpu": ru.ru_utime + ru.ru_stime,
                  "busy_ticks": None if b0 is None or b1 is None else b1 - b0}))
`

export class Runner {
  readonly method: MeasureMethod
  private readonly python: string | null
  private readonly tmp: string
  private seq = 0

  constructor() {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-bench-io-'))
    const forced = process.env.BENCH_RSS_METHOD // for testing the fallbacks
    this.python = forced && forced !== 'python3-getrusage' ? null : findPython()
    if (forced === 'proc-vmhwm') this.method = 'proc-vmhwm'
    else if (this.python) this.method = 'python3-getrusage'
    else if (hasGnuTime()) this.method = 'gnu-time'
    else this.method = 'proc-vmhwm'
  }

  dispose(): void {
    fs.rmSync(this.tmp, {recursive: true, force: true})
  }

  async run(argv: string[], opts: {cwd: string; env?: NodeJS.ProcessEnv}): Promise<CmdResult> {
    const id = ++this.seq
    const outFile = path.join(this.tmp, `${id}.out`)
    const errFile = path.join(this.tmp, `${id}.err`)
    const env = opts.env ?? process.env
    let rc: number
    let wall: number
    let cpu: number | null = null
    let rss: number | null = null
    let busyTicks: number | null = null
    if (this.method === 'python3-getrusage') {
      const r = spawnSync(this.python!, ['-c', PY_WRAPPER, outFile, errFile, opts.cwd, ...argv], {env, encoding: 'utf8', maxBuffer: 1 << 20})
      let parsed: {rc: number; wall: number; maxrss_kb: number; cpu: number; busy_ticks: number | null} | null = null
      try {
        parsed = JSON.parse(r.stdout.trim().split('\n').pop() ?? '')
      } catch {
        parsed = null
      }
      if (!parsed) {
        return {argv, cwd: opts.cwd, rc: 126, wall: 0, cpu: null, rss: null, foreignCpu: null, stdout: '', stderr: `measurement wrapper failed: ${r.stderr || r.error?.message || 'no output'}`}
      }
      rc = parsed.rc
      wall = parsed.wall
      cpu = parsed.cpu
      rss = parsed.maxrss_kb * 1024
      busyTicks = parsed.busy_ticks
    } else if (this.method === 'gnu-time') {
      const timeFile = path.join(this.tmp, `${id}.time`)
      const b0 = busyNow()
      const t0 = process.hrtime.bigint()
      const res = await spawnToFiles('/usr/bin/time', ['-q', '-f', '%M %U %S', '-o', timeFile, ...argv], opts.cwd, env, outFile, errFile)
      wall = Number(process.hrtime.bigint() - t0) / 1e9
      busyTicks = diff(b0, busyNow())
      rc = res.rc
      const m = /(\d+) ([\d.]+) ([\d.]+)\s*$/.exec(readOr(timeFile))
      if (m) {
        rss = Number(m[1]) * 1024
        cpu = Number(m[2]) + Number(m[3])
      }
    } else {
      const b0 = busyNow()
      const t0 = process.hrtime.bigint()
      const res = await spawnToFiles(argv[0]!, argv.slice(1), opts.cwd, env, outFile, errFile, true)
      wall = Number(process.hrtime.bigint() - t0) / 1e9
      busyTicks = diff(b0, busyNow())
      rc = res.rc
      rss = res.hwm
    }
    const stdout = readOr(outFile)
    const stderr = readOr(errFile)
    fs.rmSync(outFile, {force: true})
    fs.rmSync(errFile, {force: true})
    const foreignCpu = busyTicks === null || cpu === null ? null : Math.max(0, busyTicks / CLK_TCK - cpu)
    return {argv, cwd: opts.cwd, rc, wall, cpu, rss, foreignCpu, stdout, stderr}
  }
}

const CLK_TCK = ((): number => {
  const r = spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'})
  const n = Number(r.stdout?.trim())
  return Number.isFinite(n) && n > 0 ? n : 100
})()

/** The all-CPU jiffy counters of /proc/stat (user nice system idle iowait irq softirq steal ...). */
function cpuJiffies(): number[] | null {
  try {
    return fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  } catch {
    return null
  }
}

/** Busy jiffies of all CPUs (user+nice+system+irq+softirq+steal). */
function busyNow(): number | null {
  const v = cpuJiffies()
  return v ? v[0]! + v[1]! + v[2]! + v[5]! + v[6]! + (v[7] ?? 0) : null
}

function diff(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : b - a
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

function findPython(): string | null {
  // Resolve the real interpreter once (pyenv shims are shell scripts that cost ~100 ms a call).
  const r = spawnSync('python3', ['-c', 'import sys, resource; print(sys.executable)'], {encoding: 'utf8'})
  if (r.status !== 0) return null
  const exe = r.stdout.trim()
  return exe && fs.existsSync(exe) ? exe : 'python3'
}

function hasGnuTime(): boolean {
  if (!fs.existsSync('/usr/bin/time')) return false
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'true'], {encoding: 'utf8'})
  return r.status === 0 && /^\d+\s*$/.test(r.stderr)
}

function spawnToFiles(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  outFile: string,
  errFile: string,
  pollHwm = false,
): Promise<{rc: number; hwm: number | null}> {
  return new Promise((resolve) => {
    const out = fs.openSync(outFile, 'w')
    const err = fs.openSync(errFile, 'w')
    let hwm: number | null = null
    let timer: NodeJS.Timeout | undefined
    const child = spawn(cmd, args, {cwd, env, stdio: ['ignore', out, err]})
    const poll = (): void => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        if (m) hwm = Math.max(hwm ?? 0, Number(m[1]) * 1024)
      } catch {
        /* exited */
      }
    }
    if (pollHwm && child.pid) timer = setInterval(poll, 10)
    let finished = false
    const done = (rc: number): void => {
      if (finished) return
      finished = true
      if (timer) clearInterval(timer)
      fs.closeSync(out)
      fs.closeSync(err)
      resolve({rc, hwm})
    }
    child.on('error', (e) => {
      fs.appendFileSync(errFile, `cannot run ${cmd}: ${e.message}`)
      done(127)
    })
    child.on('exit', (code, signal) => done(code ?? (signal ? 128 : 1)))
  })
}

/**
 * Flush dirty pages so one step's write-back does not land in the next step's timing, then wait
 * until the machine is quiet, for at most QUIET_MAX_MS (untimed). `sync` returns before the kernel
 * is done: after a run's scratch GiBs are deleted, ext4 (mounted with `discard` here) and
 * write-back keep a core busy in system time and I/O wait for 10-20 s, and a D3 add+commit timed
 * in that window took 2.0 s instead of 1.35 s.
 */
export function syncDisks(): void {
  spawnSync('sync', [], {stdio: 'ignore'})
  waitQuiet()
}

const QUIET_WINDOW_MS = 500
/** Busy share of all CPUs (I/O wait counts as busy) below which the machine is quiet. */
const QUIET_BUSY = 0.1
const QUIET_MAX_MS = 10_000

/** All-CPU time, and its part not idle (I/O wait counts as busy here). */
function cpuTimes(): {busy: number; total: number} | null {
  const v = cpuJiffies()
  if (!v) return null
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0)
  return {busy: total - (v[3] ?? 0), total}
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** Waits until a QUIET_WINDOW_MS window is below QUIET_BUSY (at most QUIET_MAX_MS). */
export function waitQuiet(): void {
  const start = Date.now()
  let prev = cpuTimes()
  if (!prev) return
  while (Date.now() - start < QUIET_MAX_MS) {
    sleepSync(QUIET_WINDOW_MS)
    const now = cpuTimes()!
    const total = now.total - prev.total
    if (total > 0 && (now.busy - prev.busy) / total < QUIET_BUSY) return
    prev = now
  }
}

export function commandVersion(cmd: string, args: string[] = ['--version']): string | null {
  const r = spawnSync(cmd, args, {encoding: 'utf8'})
  if (r.status !== 0 || r.error) return null
  return (r.stdout || r.stderr).trim().split('\n')[0] ?? null
}

export function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue
    try {
      fs.accessSync(path.join(dir, cmd), fs.constants.X_OK)
      return true
    } catch {
      /* next */
    }
  }
  return false
}
