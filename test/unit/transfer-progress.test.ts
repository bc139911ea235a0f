/**
 * The one-line transfer progress (push, fetch, clone, content on demand): redrawn in place with
 * objects, bytes, rate and ETA on a terminal; a plain line every few seconds otherwise; nothing for
 * transfers shorter than one interval, and nothing at all when disabled (--quiet / --json).
 */
import {afterEach, beforeEach, describe, it, mock} from 'node:test'
import assert from 'node:assert/strict'
import {transferProgress} from '../../src/cli/transfer-progress.ts'

function fakeStream(isTTY: boolean): {stream: NodeJS.WriteStream; out: string[]} {
  const out: string[] = []
  return {stream: {isTTY, write: (s: string) => out.push(s) > 0} as unknown as NodeJS.WriteStream, out}
}

describe('transfer progress', () => {
  const saved = {CI: process.env.CI, TERM: process.env.TERM}
  beforeEach(() => {
    delete process.env.CI
    process.env.TERM = 'xterm'
    mock.timers.enable({apis: ['Date'], now: 1_000_000})
  })
  afterEach(() => {
    mock.timers.reset()
    if (saved.CI === undefined) delete process.env.CI
    else process.env.CI = saved.CI
    process.env.TERM = saved.TERM
  })

  it('on a terminal: redrawn in place with objects, bytes, rate and ETA; finished with a newline', () => {
    const {stream, out} = fakeStream(true)
    const p = transferProgress('clone', true, stream)
    p.onObjects(1, 4)
    p.onBytes(1024 * 1024)
    assert.deepEqual(out, [], 'nothing before the first interval')
    mock.timers.tick(1000)
    p.onBytes(1024 * 1024)
    assert.equal(out.length, 1)
    assert.match(out[0]!, /^\r\x1b\[2Kclone: 1\/4 objects, 2\.0 MiB, 2\.0 MiB\/s ETA 3s$/)
    p.onObjects(2, 4)
    assert.equal(out.length, 1, 'redraws are throttled')
    mock.timers.tick(250)
    p.onObjects(3, 4)
    assert.equal(out.length, 2)
    p.done()
    assert.match(out.at(-1)!, /^\r\x1b\[2Kclone: 3\/4 objects, .*\n$/)
  })

  it('not a terminal: a plain line every 5 s, no escape codes, nothing extra at the end', () => {
    const {stream, out} = fakeStream(false)
    const p = transferProgress('push', true, stream)
    p.onObjects(1, 10)
    mock.timers.tick(1000)
    p.onBytes(500)
    assert.deepEqual(out, [], 'plain lines come every 5 s')
    mock.timers.tick(4500)
    p.onBytes(500)
    assert.equal(out.length, 1)
    assert.match(out[0]!, /^push: 1\/10 objects, 1000 B, \d+ B\/s ETA \d+s\n$/)
    p.done()
    assert.equal(out.length, 1)
  })

  it('disabled (--quiet, --json): never writes', () => {
    const {stream, out} = fakeStream(true)
    const p = transferProgress('fetch', false, stream)
    p.onObjects(1, 2)
    mock.timers.tick(10_000)
    p.onBytes(10)
    p.done()
    assert.deepEqual(out, [])
  })
})
