/**
 * Runs the fuzz targets in a worker under a watchdog, and formats the report. Shared by
 * `npm run fuzz` (scripts/fuzz.ts) and the test (fuzz.test.ts).
 */
import {Worker} from 'node:worker_threads'
import type {Failure, TargetReport} from './fuzz-engine.ts'

/** A case that gives no heartbeat for this long is a hang (a slow one is caught at SLOW_MS already). */
const HANG_MS = 15_000
/** A decoder that keeps allocating JS objects hits this limit and is reported, not the machine. */
const WORKER_HEAP_MB = 1024

export interface WorkerInput {
  seed: string
  /** Total cases, split by weight; or cases per unit of weight. */
  total?: number
  perUnit: number
  target?: string
  only?: number
  startAt: number
  /** Int32 [target index, case index, heartbeat]. */
  progress: SharedArrayBuffer
}

export type WorkerMessage = {type: 'plan'; plan: Array<{name: string; cases: number}>} | {type: 'report'; report: TargetReport} | {type: 'done'}

export interface FuzzOptions {
  seed: string
  /** Total cases over all targets (split by weight)... */
  total?: number
  /** ...or cases per target of weight 1 (default 2,000). */
  perUnit?: number
  /** Only this target; with `only`, only that case (replay). */
  target?: string
  only?: number
}

export interface FuzzReport {
  seed: string
  targets: TargetReport[]
  failures: Failure[]
  cases: number
  ms: number
}

/** One worker run from target `startAt` on; resolves when it finishes, dies or hangs. */
function runWorker(input: WorkerInput, onMessage: (m: WorkerMessage) => void): Promise<{lost?: {target: number; index: number; kind: 'hang' | 'memory' | 'crash'; message: string}}> {
  const progress = new Int32Array(input.progress)
  // Workers don't inherit the tsx loader: register it in the worker before importing the TS entry.
  const entry = new URL('./fuzz-worker.ts', import.meta.url).href
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}) })`
  const worker = new Worker(boot, {eval: true, workerData: input, resourceLimits: {maxOldGenerationSizeMb: WORKER_HEAP_MB}})
  return new Promise((resolve) => {
    let started = false
    let beat = -1
    let last = Date.now()
    const timer = setInterval(() => {
      const now = Atomics.load(progress, 2)
      if (now !== beat || !started) {
        beat = now
        last = Date.now()
      } else if (Date.now() - last > HANG_MS) {
        finish({lost: {target: Atomics.load(progress, 0), index: Atomics.load(progress, 1), kind: 'hang', message: `no progress for ${HANG_MS / 1000} s: the decoder hangs`}})
      }
    }, 250)
    const finish = (r: Awaited<ReturnType<typeof runWorker>>): void => {
      clearInterval(timer)
      worker.removeAllListeners()
      worker.on('error', () => {})
      void worker.terminate()
      resolve(r)
    }
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'plan') started = true
      onMessage(m)
      if (m.type === 'done') finish({})
    })
    worker.on('error', (err: Error & {code?: string}) => {
      const kind = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'crash'
      finish({lost: {target: Atomics.load(progress, 0), index: Atomics.load(progress, 1), kind, message: `the worker died: ${err.message}`}})
    })
    worker.on('exit', () => finish({lost: {target: Atomics.load(progress, 0), index: Atomics.load(progress, 1), kind: 'crash', message: 'the worker exited'}}))
  })
}

export async function runFuzz(opts: FuzzOptions, log: (line: string) => void = () => {}): Promise<FuzzReport> {
  const started = performance.now()
  const targets: TargetReport[] = []
  const failures: Failure[] = []
  let plan: Array<{name: string; cases: number}> = []
  let startAt = 0
  for (;;) {
    const progress = new SharedArrayBuffer(12)
    const input: WorkerInput = {seed: opts.seed, total: opts.total, perUnit: opts.perUnit ?? 2000, target: opts.target, only: opts.only, startAt, progress}
    const {lost} = await runWorker(input, (m) => {
      if (m.type === 'plan') plan = m.plan
      if (m.type === 'report') {
        targets.push(m.report)
        failures.push(...m.report.failures)
        log(formatTarget(m.report))
      }
    })
    if (!lost) break
    // The rest of that target is skipped; the run goes on with the next one in a fresh worker.
    const name = plan[lost.target]?.name ?? '(setup)'
    failures.push({target: name, seed: opts.seed, index: lost.index, kind: lost.kind, message: lost.message, input: ''})
    log(`${name}: ${lost.kind} at case ${lost.index}: ${lost.message}`)
    if (plan.length === 0 || lost.target + 1 >= plan.length) break
    startAt = lost.target + 1
  }
  return {seed: opts.seed, targets, failures, cases: targets.reduce((s, t) => s + t.cases, 0), ms: performance.now() - started}
}

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`

export function formatTarget(t: TargetReport): string {
  const rate = t.ms > 0 ? Math.round((t.cases * 1000) / t.ms) : 0
  return `${t.name.padEnd(20)} ${String(t.cases).padStart(7)} cases ${String(rate).padStart(8)}/s  accepted ${String(t.accepted).padStart(6)}  rejected ${String(t.rejected).padStart(7)}  heap +${mib(t.heapGrowth)}  failures ${t.failures.length}`
}

export function formatFailure(f: Failure): string {
  const replay = `npm run fuzz -- --seed ${f.seed} --target '${f.target}' --case ${f.index}`
  return `FAIL ${f.target} #${f.index} (${f.kind}): ${f.message}\n  replay: ${replay}${f.input ? `\n  input (base64): ${f.input.slice(0, 400)}${f.input.length > 400 ? '…' : ''}` : ''}`
}
