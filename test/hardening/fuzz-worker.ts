/**
 * The worker that runs fuzz cases, so the main thread can watch it: a hung decoder (no heartbeat)
 * or a runaway heap (the worker's resource limit) is reported with its case instead of hanging
 * or killing the whole run.
 */
import {parentPort, workerData} from 'node:worker_threads'
import {runTarget} from './fuzz-engine.ts'
import {fuzzTargets} from './fuzz-targets.ts'
import type {WorkerInput, WorkerMessage} from './fuzz-run.ts'

const input = workerData as WorkerInput
const progress = new Int32Array(input.progress)
const post = (m: WorkerMessage): void => parentPort!.postMessage(m)

const targets = (await fuzzTargets()).filter((t) => input.target === undefined || t.name === input.target)
const weight = targets.reduce((s, t) => s + (t.weight ?? 1), 0)
const plan = targets.map((t) => ({name: t.name, cases: Math.max(1, Math.ceil(input.total !== undefined ? (input.total * (t.weight ?? 1)) / weight : input.perUnit * (t.weight ?? 1)))}))
post({type: 'plan', plan})
for (let i = input.startAt; i < targets.length; i++) {
  Atomics.store(progress, 0, i)
  const report = await runTarget(targets[i]!, {
    seed: input.seed,
    cases: plan[i]!.cases,
    only: input.only,
    onCase(index) {
      Atomics.store(progress, 1, index)
      Atomics.add(progress, 2, 1)
    },
  })
  post({type: 'report', report})
}
post({type: 'done'})
