/**
 * Crash consistency (issue 9): SIGKILL `bl` at random points of commit, checkout, merge, push,
 * fetch and gc; the repository and the remote must stay consistent and re-running must finish the
 * job (test/hardening/crash-harness.ts). Bounded for `npm test` (48 trials); BL_STRESS=1 runs 1,200 on
 * bigger fixtures. BL_CRASH_SEED=<seed> replays the kill points of a run; BL_CRASH_COMMANDS=a,b
 * limits the commands; BL_CRASH_JOBS sets the trials run side by side.
 */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import {COMMANDS, formatSummary, osInfo, runCrashHarness, type CommandName} from './crash-harness.ts'

const stress = process.env.BL_STRESS === '1'
const seed = process.env.BL_CRASH_SEED ?? crypto.randomBytes(4).toString('hex')
const commands = (process.env.BL_CRASH_COMMANDS?.split(',') ?? [...COMMANDS]) as CommandName[]
const perCommand = Number(process.env.BL_CRASH_TRIALS ?? (stress ? 200 : 8))

test(`SIGKILL at random points: ${perCommand * commands.length} trials over ${commands.join(', ')} (seed ${seed})`, {timeout: stress ? 4 * 3600_000 : 600_000}, async (t) => {
  const res = await runCrashHarness({
    seed,
    trialsPerCommand: perCommand,
    size: stress ? 'large' : 'small',
    jobs: Number(process.env.BL_CRASH_JOBS ?? 2),
    fsckEvery: 10,
    commands,
    log: (line) => t.diagnostic(line),
  })
  t.diagnostic(`seed ${res.seed} (replay with BL_CRASH_SEED=${res.seed}); ${osInfo()}`)
  for (const s of res.summaries) t.diagnostic(formatSummary(s))
  const total = res.summaries.reduce((n, s) => n + s.trials, 0)
  const failed = res.summaries.flatMap((s) => s.failures)
  t.diagnostic(`${total} trials, ${total - failed.length} survived, ${failed.length} failed, ${(res.wallMs / 1000).toFixed(1)} s`)
  assert.equal(total, perCommand * commands.length)
  assert.deepEqual(
    failed.slice(0, 5).map((f) => `${f.command} #${f.trial} (kill ${f.kill}, ${f.phase}): ${f.problems.join(' | ')}`),
    [],
    `${failed.length} trial(s) failed; replay with BL_CRASH_SEED=${res.seed}`,
  )
})
