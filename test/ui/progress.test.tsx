/**
 * Progress views (src/ui/progress): the pure model (rate over a sliding window, ETA, the words),
 * the tracker's stages, ProgressView through ink-testing-library, and renderProgress in each mode
 * with a fake clock and a fake stream — throttling, the quiet start, the summary on success and on
 * failure, warnings.
 */
import './interactive-env.ts'
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {EventEmitter} from 'node:events'
import React from 'react'
import {render} from 'ink-testing-library'
import {ProgressView, bar, type ProgressViewProps} from '../../src/ui/progress/ProgressView.tsx'
import {estimateEta, figures, formatDuration, formatElapsed, progressLine, RateWindow, summaryLine, type ProgressSnapshot} from '../../src/ui/progress/progress-model.ts'
import {ProgressTracker} from '../../src/ui/progress/progress-tracker.ts'
import {renderProgress} from '../../src/ui/progress/render-progress.ts'

const KiB = 1024
const MiB = 1024 * 1024
const strip = (s: string): string => s.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')

/** A write stream that records what is written; a TTY (for Ink) or not. */
class FakeStream extends EventEmitter {
  readonly out: string[] = []
  columns = 100
  rows = 30
  constructor(readonly isTTY: boolean) {
    super()
  }
  write(s: string | Uint8Array): boolean {
    this.out.push(typeof s === 'string' ? s : Buffer.from(s).toString('utf8'))
    return true
  }
  text(): string {
    return this.out.join('')
  }
  asStream(): NodeJS.WriteStream {
    return this as unknown as NodeJS.WriteStream
  }
}

/** Waits (polling, not a fixed sleep) until `check` holds. */
async function until(check: () => boolean, what: string, s: FakeStream): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; written: ${JSON.stringify(strip(s.text()))}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('progress model', () => {
  test('rate over a sliding window: measured from the newest sample at or before the window start', () => {
    const w = new RateWindow(5000, 100)
    w.record(0, 0, 0)
    assert.equal(w.rate(50, 1, 10), null, 'nothing measurable within the resolution')
    w.record(1000, 10, 1 * MiB)
    assert.deepEqual(w.rate(1000, 10, 1 * MiB), {files: 10, bytes: 1 * MiB})
    w.record(2000, 20, 3 * MiB)
    assert.deepEqual(w.rate(2000, 20, 3 * MiB), {files: 10, bytes: 1.5 * MiB})
    // Samples within the resolution are merged: this one changes nothing.
    w.record(2050, 21, 3 * MiB + 1)
    w.record(7000, 30, 4 * MiB)
    // The window now starts at 2000: the fast first two seconds no longer count.
    assert.deepEqual(w.rate(7000, 30, 4 * MiB), {files: 2, bytes: 0.2 * MiB})
    // Stalled for five seconds: the rate falls to zero.
    assert.deepEqual(w.rate(12_000, 30, 4 * MiB), {files: 0, bytes: 0})
    w.reset()
    assert.equal(w.rate(12_000, 30, 4 * MiB), null)
    // Time before any progress (a scan before the totals) does not dilute the first rate.
    w.record(20_000, 0, 0)
    w.record(23_000, 0, 0)
    w.record(24_000, 5, 2 * MiB)
    assert.deepEqual(w.rate(24_000, 5, 2 * MiB), {files: 5, bytes: 2 * MiB})
  })

  test('ETA: by bytes when their total is known, else by count; none when stalled or done', () => {
    const rates = {files: 10, bytes: 1 * MiB}
    assert.equal(estimateEta({done: 10, total: 30}, {done: 1 * MiB, total: 3 * MiB}, rates), 2)
    assert.equal(estimateEta({done: 10, total: 30}, {done: 1 * MiB, total: null}, rates), 2)
    assert.equal(estimateEta({done: 10, total: 40}, {done: 3 * MiB, total: 3 * MiB}, rates), 3, 'empty files left: by count')
    assert.equal(estimateEta({done: 10, total: 30}, {done: 1 * MiB, total: 3 * MiB}, {files: 0, bytes: 0}), null)
    assert.equal(estimateEta({done: 30, total: 30}, {done: 3 * MiB, total: 3 * MiB}, rates), null)
    assert.equal(estimateEta({done: 10, total: 30}, {done: 1 * MiB, total: 3 * MiB}, null), null)
  })

  test('durations: whole seconds rounded up for an ETA, tenths for elapsed time', () => {
    assert.equal(formatDuration(0), '0s')
    assert.equal(formatDuration(1.2), '2s')
    assert.equal(formatDuration(42), '42s')
    assert.equal(formatDuration(185), '3m05s')
    assert.equal(formatDuration(7620), '2h07m')
    assert.equal(formatElapsed(800), '0.8s')
    assert.equal(formatElapsed(61_000), '1m01s')
  })

  test('the progress line and the summary line', () => {
    const s: ProgressSnapshot = {label: 'add', phase: null, unit: 'files', files: {done: 120, total: 300}, bytes: {done: 1.5 * MiB, total: 3 * MiB}, rate: 1 * MiB, eta: 1.5}
    assert.equal(progressLine(figures(s)), 'add: 120/300 files, 1.5 MiB/3.0 MiB (50%), 1.0 MiB/s, ETA 2s')
    const push: ProgressSnapshot = {label: 'push', phase: null, unit: 'objects', files: {done: 0, total: null}, bytes: {done: 2 * KiB, total: null}, rate: null, eta: null}
    assert.equal(progressLine(figures(push)), 'push: 2.0 KiB', 'no count before any object is counted')
    assert.equal(progressLine(figures({...push, phase: 'fetching', files: {done: 3, total: 12}})), 'push: fetching 3/12 objects, 2.0 KiB (25%)')
    assert.equal(summaryLine({...s, files: {done: 300, total: 300}, bytes: {done: 3 * MiB, total: 3 * MiB}}, 1500), 'add: 300 files, 3.0 MiB in 1.5s (2.0 MiB/s)')
    assert.equal(summaryLine({...s, files: {done: 120, total: 300}, bytes: {done: 1 * MiB, total: 3 * MiB}}, 800, true), 'add: 120/300 files, 1.0 MiB in 0.8s, failed')
    assert.equal(summaryLine({...s, label: 'clone', phase: 'writing', files: {done: 4, total: 4}, bytes: {done: 4 * KiB, total: 4 * KiB}}, 2000), 'clone: writing 4 files, 4.0 KiB in 2.0s (2.0 KiB/s)')
    // A time that shows as 0.0s gives no meaningful rate (files staged during a clone are only renamed); 0.1s does.
    assert.equal(summaryLine({...s, label: 'clone', phase: 'writing', files: {done: 1000, total: 1000}, bytes: {done: 1000 * MiB, total: 1000 * MiB}}, 45), 'clone: writing 1000 files, 1000 MiB in 0.0s')
    assert.equal(summaryLine({...s, files: {done: 300, total: 300}, bytes: {done: 3 * MiB, total: 3 * MiB}}, 60), 'add: 300 files, 3.0 MiB in 0.1s (50 MiB/s)')
  })

  test('the tracker: stages restart the counters and leave their summary; rate and ETA from the clock', () => {
    let t = 0
    const done: string[] = []
    let updates = 0
    const tr = new ProgressTracker('clone', () => t, {onUpdate: () => updates++, onPhaseDone: (l) => done.push(l), onLog() {}})
    tr.phase(null, {unit: 'objects'})
    assert.equal(tr.touched, false, 'a stage starting is not progress')
    tr.setFiles(1, 10)
    t = 1000
    tr.setFiles(5, 10)
    tr.addBytes(1 * MiB)
    assert.equal(tr.touched, true)
    assert.deepEqual(tr.snapshot(), {label: 'clone', phase: null, unit: 'objects', files: {done: 5, total: 10}, bytes: {done: 1 * MiB, total: null}, rate: 1 * MiB, eta: 1})
    t = 2000
    tr.phase('writing', {files: 4, bytes: 4 * KiB})
    assert.deepEqual(done, ['clone: 5/10 objects, 1.0 MiB in 2.0s (512 KiB/s)'])
    assert.deepEqual(tr.snapshot().files, {done: 0, total: 4})
    assert.equal(tr.summary(false, true), null, 'an idle last stage adds nothing after an earlier summary')
    t = 3000
    tr.addFiles(4)
    tr.addBytes(4 * KiB)
    assert.equal(tr.summary(false, true), 'clone: writing 4 files, 4.0 KiB in 1.0s (4.0 KiB/s)')
    assert.ok(updates >= 6)
  })
})

describe('ProgressView', () => {
  const base: ProgressViewProps = {label: 'add', phase: null, unit: 'files', files: {done: 120, total: 300}, bytes: {done: 1.5 * MiB, total: 3 * MiB}, rate: 1 * MiB, eta: 1.5, color: false}

  test('shows the bar, files, bytes, rate and ETA, and follows updates', () => {
    const r = render(<ProgressView {...base} />)
    assert.equal(strip(r.lastFrame() ?? ''), `add: ${bar(0.5)} 120/300 files, 1.5 MiB/3.0 MiB (50%), 1.0 MiB/s, ETA 2s`)
    r.rerender(<ProgressView {...base} files={{done: 240, total: 300}} bytes={{done: 2.25 * MiB, total: 3 * MiB}} rate={2 * MiB} eta={0.4} />)
    assert.equal(strip(r.lastFrame() ?? ''), `add: ${bar(0.75)} 240/300 files, 2.3 MiB/3.0 MiB (75%), 2.0 MiB/s, ETA 1s`)
    r.unmount()
  })

  test('without totals: no bar, no percentage, no ETA', () => {
    const r = render(<ProgressView {...base} label="push" unit="objects" files={{done: 7, total: null}} bytes={{done: 3 * KiB, total: null}} rate={null} eta={null} />)
    assert.equal(strip(r.lastFrame() ?? ''), 'push: 7 objects, 3.0 KiB')
    r.unmount()
  })

  test('finished: earlier stages and warnings above, then the summary replaces the live line', () => {
    const r = render(<ProgressView {...base} label="clone" phase="writing" finished={['clone: 300 objects, 5.8 MiB in 2.0s (2.9 MiB/s)']} />)
    let f = strip(r.lastFrame() ?? '')
    assert.match(f, /^clone: 300 objects, 5\.8 MiB in 2\.0s \(2\.9 MiB\/s\)\nclone: writing █+░+ 120\/300 files/)
    r.rerender(<ProgressView {...base} label="clone" phase="writing" finished={['clone: 300 objects, 5.8 MiB in 2.0s (2.9 MiB/s)', 'warning: slow remote']} summary="clone: writing 300 files, 3.0 MiB in 1.0s (3.0 MiB/s)" />)
    f = strip(r.lastFrame() ?? '')
    assert.equal(f, 'clone: 300 objects, 5.8 MiB in 2.0s (2.9 MiB/s)\nwarning: slow remote\nclone: writing 300 files, 3.0 MiB in 1.0s (3.0 MiB/s)')
    assert.doesNotMatch(f, /ETA|░/)
    r.unmount()
  })
})

describe('renderProgress', () => {
  test('plain: nothing before the first interval, then a line per interval, then the summary', async () => {
    const s = new FakeStream(false)
    let t = 0
    const res = await renderProgress({label: 'add', mode: 'plain', stream: s.asStream(), intervalMs: 1000, now: () => t}, async (p) => {
      p.setTotals(4, 4 * KiB)
      t = 500
      p.addFiles(1)
      p.addBytes(1 * KiB)
      assert.deepEqual(s.out, [], 'quiet during the first interval')
      t = 1000
      p.addBytes(1 * KiB)
      t = 1500
      p.addFiles(1)
      assert.equal(s.out.length, 1, 'throttled to one line per interval')
      t = 2000
      p.addFiles(2)
      p.addBytes(2 * KiB)
      return 'ok'
    })
    assert.equal(res, 'ok')
    assert.deepEqual(s.out, [
      'add: 1/4 files, 2.0 KiB/4.0 KiB (50%), 2.0 KiB/s, ETA 1s\n',
      'add: 4/4 files, 2.0 KiB/4.0 KiB (50%), 1.0 KiB/s, ETA 2s\n',
      'add: 4 files, 4.0 KiB in 2.0s (2.0 KiB/s)\n',
    ])
  })

  test('plain: work shorter than the delay leaves nothing, warnings still go out at once', async () => {
    const s = new FakeStream(false)
    let t = 0
    await renderProgress({label: 'fetch', mode: 'plain', stream: s.asStream(), intervalMs: 1000, now: () => t}, async (p) => {
      p.setFiles(3, 10)
      p.log('warning: something')
      t = 900
      p.addBytes(100)
    })
    assert.deepEqual(s.out, ['warning: something\n'])
  })

  test('plain: on failure, the summary says so and the error is rethrown as it was', async () => {
    const s = new FakeStream(false)
    let t = 0
    const boom = new Error('boom')
    await assert.rejects(
      renderProgress({label: 'add', mode: 'plain', stream: s.asStream(), intervalMs: 1000, now: () => t}, async (p) => {
        p.setTotals(300, 3 * MiB)
        t = 1000
        p.addFiles(120)
        p.addBytes(1 * MiB)
        throw boom
      }),
      (err) => err === boom,
    )
    assert.equal(s.out.at(-1), 'add: 120/300 files, 1.0 MiB in 1.0s, failed\n')
  })

  test('silent (--json, --quiet): no progress at all, only warnings', async () => {
    const s = new FakeStream(true)
    let t = 0
    await renderProgress({label: 'push', mode: 'silent', stream: s.asStream(), intervalMs: 1, now: () => t}, async (p) => {
      p.setTotals(2, 10)
      t = 10_000
      p.addFiles(2)
      p.addBytes(10)
      p.log('warning: remote ignores conditional writes')
    })
    assert.deepEqual(s.out, ['warning: remote ignores conditional writes\n'])
  })

  test('ink: frames on a terminal after the delay, warnings above, the summary left on failure, cursor back', async () => {
    const s = new FakeStream(true)
    let t = 0
    const boom = new Error('network down')
    await assert.rejects(
      renderProgress({label: 'push', mode: 'ink', stream: s.asStream(), intervalMs: 100, delayMs: 1000, now: () => t, color: false}, async (p) => {
        p.phase(null, {unit: 'objects'})
        p.setFiles(1, 4)
        t = 999
        p.addBytes(1)
        assert.deepEqual(s.out, [], 'nothing within the delay')
        t = 1000
        p.addBytes(1 * MiB - 1)
        // Ink is loaded only now that the work has outlasted the delay; the frame follows.
        await until(() => /push: █{5}░{15} 1\/4 objects, 1\.0 MiB \(25%\), 1\.0 MiB\/s, ETA 3s/.test(strip(s.text())), 'the first frame', s)
        p.log('warning: slow remote')
        t = 1050
        p.setFiles(2, 4)
        throw boom
      }),
      (err) => err === boom,
    )
    const text = strip(s.text())
    assert.match(text, /warning: slow remote\n/)
    assert.match(text, /push: 2\/4 objects, 1\.0 MiB in 1\.1s, failed\n?$/)
    assert.ok(s.text().includes('\x1b[?25h'), 'the cursor is shown again')
  })

  test('ink: work that ends while Ink is still loading leaves nothing behind', async () => {
    const s = new FakeStream(true)
    let t = 0
    await renderProgress({label: 'add', mode: 'ink', stream: s.asStream(), now: () => t}, async (p) => {
      p.setTotals(2, 2)
      t = 1500
      p.addFiles(1)
    })
    // The import started by the update above settles; the closed display must stay closed.
    await import('../../src/ui/progress/ink-surface.tsx')
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(s.out, [])
  })

  test('ink: quick work never mounts Ink and writes nothing', async () => {
    const s = new FakeStream(true)
    const res = await renderProgress({label: 'add', mode: 'ink', stream: s.asStream(), now: () => 0}, async (p) => {
      p.setTotals(1, 1)
      p.addFiles(1)
      return 7
    })
    assert.equal(res, 7)
    assert.deepEqual(s.out, [])
  })
})
