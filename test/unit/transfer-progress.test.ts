/**
 * The CLI's adapters from core's progress callbacks to a progress view (src/cli/transfer-progress.ts,
 * src/cli/progress.ts): transfers count objects and bytes, a checkout then a `writing` stage of
 * files against their totals; add counts files and bytes read; the mode follows flags and terminal.
 */
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {transferProgress} from '../../src/cli/transfer-progress.ts'
import {ingestProgress, progressMode, progressOptions} from '../../src/cli/progress.ts'
import {ProgressTracker} from '../../src/ui/progress/progress-tracker.ts'

const MiB = 1024 * 1024

function tracker(label: string): {tr: ProgressTracker; done: string[]; tick(ms: number): void} {
  let t = 0
  const done: string[] = []
  const tr = new ProgressTracker(label, () => t, {onUpdate() {}, onPhaseDone: (l) => done.push(l), onLog() {}})
  return {tr, done, tick: (ms) => void (t += ms)}
}

describe('transfer progress adapter', () => {
  it('clone: objects and bytes received, then a writing stage of files against their totals', () => {
    const {tr, done, tick} = tracker('clone')
    const cb = transferProgress(tr)
    cb.onBytes!(1 * MiB)
    cb.onObjects!(3, 4)
    tick(1000)
    cb.onObjects!(4, 4)
    assert.deepEqual(tr.snapshot().files, {done: 4, total: 4})
    assert.equal(tr.snapshot().unit, 'objects')
    cb.onTotals!(2, 300)
    assert.deepEqual(done, ['clone: 4 objects, 1.0 MiB in 1.0s (1.0 MiB/s)'])
    cb.onFile!('a', 100)
    cb.onFile!('b', 200)
    const s = tr.snapshot()
    assert.equal(s.phase, 'writing')
    assert.deepEqual([s.unit, s.files, s.bytes], ['files', {done: 2, total: 2}, {done: 300, total: 300}])
  })

  it('checkout with a thin store: a named fetching stage first', () => {
    const {tr} = tracker('checkout')
    const cb = transferProgress(tr, 'fetching')
    cb.onObjects!(1, 2)
    assert.equal(tr.snapshot().phase, 'fetching')
  })
})

describe('add progress adapter', () => {
  it('totals after the scan, files stored, bytes read; nothing at all when nothing is to be stored', () => {
    const {tr} = tracker('add')
    const cb = ingestProgress(tr)
    cb.onTotals!(0, 0)
    assert.equal(tr.touched, false)
    cb.onTotals!(2, 10)
    cb.onBytes!(4)
    cb.onFile!('a', 4)
    assert.deepEqual([tr.snapshot().files, tr.snapshot().bytes], [{done: 1, total: 2}, {done: 4, total: 10}])
  })
})

describe('progress mode', () => {
  const tty = {isTTY: true} as NodeJS.WriteStream
  const pipe = {isTTY: false} as NodeJS.WriteStream
  it('--json or --quiet: silent; a terminal: ink; CI, TERM=dumb or no TTY: plain', () => {
    assert.equal(progressMode({json: true, quiet: false}, tty, {}), 'silent')
    assert.equal(progressMode({json: false, quiet: true}, tty, {}), 'silent')
    assert.equal(progressMode({json: false, quiet: false}, tty, {TERM: 'xterm'}), 'ink')
    assert.equal(progressMode({json: false, quiet: false}, tty, {TERM: 'dumb'}), 'plain')
    assert.equal(progressMode({json: false, quiet: false}, tty, {CI: 'true'}), 'plain')
    assert.equal(progressMode({json: false, quiet: false}, pipe, {}), 'plain')
  })

  it('BL_PROGRESS_INTERVAL_MS sets the interval and the delay and preloads Ink; anything else keeps the defaults', () => {
    assert.deepEqual(pick(progressOptions('add', {json: false, quiet: false}, pipe, {BL_PROGRESS_INTERVAL_MS: '1'})), {mode: 'plain', intervalMs: 1, delayMs: 1, preload: true})
    assert.deepEqual(pick(progressOptions('add', {json: false, quiet: false}, pipe, {BL_PROGRESS_INTERVAL_MS: 'x'})), {mode: 'plain', intervalMs: undefined, delayMs: undefined})
    assert.deepEqual(pick(progressOptions('add', {json: false, quiet: false}, pipe, {})), {mode: 'plain', intervalMs: undefined, delayMs: undefined})
  })
})

function pick(o: {mode: string; intervalMs?: number; delayMs?: number; preload?: boolean}): {mode: string; intervalMs?: number; delayMs?: number; preload?: boolean} {
  return {mode: o.mode, intervalMs: o.intervalMs, delayMs: o.delayMs, ...(o.preload ? {preload: true} : {})}
}
