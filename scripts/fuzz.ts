/**
 * `npm run fuzz`: every decoder fed random and mutated valid inputs (test/hardening). Options:
 *   --cases N    total cases over all targets (default 100000, split by target weight)
 *   --seed S     reproduce a run (default: random, printed)
 *   --target T   only this target; with --case N, replay that one case
 * Exits 1 on any failure: a crash, an undocumented error, a slow case, an outsized allocation,
 * heap growth or a hang.
 */
import crypto from 'node:crypto'
import {parseArgs} from 'node:util'
import {formatFailure, runFuzz} from '../test/hardening/fuzz-run.ts'

const {values} = parseArgs({options: {cases: {type: 'string'}, seed: {type: 'string'}, target: {type: 'string'}, case: {type: 'string'}}})
const total = values.cases === undefined ? 100_000 : Number(values.cases)
if (!Number.isSafeInteger(total) || total < 1) throw new Error(`--cases must be a positive integer, got ${values.cases}`)
const only = values.case === undefined ? undefined : Number(values.case)
if (only !== undefined && (!values.target || !Number.isSafeInteger(only) || only < 0)) throw new Error('--case N needs --target and a case number >= 0')
const seed = values.seed ?? crypto.randomBytes(4).toString('hex')

console.log(`fuzz: seed ${seed}, ${only !== undefined ? `case ${only} of ${values.target}` : `${total} cases`}`)
const report = await runFuzz({seed, total: only !== undefined ? Math.max(total, only + 1) : total, target: values.target, only}, (line) => console.log(line))
const rate = Math.round((report.cases * 1000) / report.ms)
console.log(`\n${report.cases} cases in ${(report.ms / 1000).toFixed(1)} s (${rate}/s), ${report.targets.length} targets, ${report.failures.length} failures (seed ${seed})`)
for (const f of report.failures) console.log(formatFailure(f))
process.exitCode = report.failures.length ? 1 : 0
