import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {parseDateSpec} from '../../src/core/date-spec.ts'
import {BlError} from '../../src/core/errors.ts'

// A fixed "now": 2024-03-31 12:00:00 UTC.
const now = new Date(Date.UTC(2024, 2, 31, 12, 0, 0))
const nowS = now.getTime() / 1000

describe('parseDateSpec (log --since/--until)', () => {
  it('absolute dates: ISO with a zone, @seconds, bare seconds; local midnight without a time', () => {
    assert.equal(parseDateSpec('2024-01-02T03:04:05Z', now), Date.UTC(2024, 0, 2, 3, 4, 5) / 1000)
    assert.equal(parseDateSpec('2024-01-02 03:04 +01:00', now), Date.UTC(2024, 0, 2, 2, 4) / 1000)
    assert.equal(parseDateSpec('2024-01-02T03:04:05.250-0230', now), Date.UTC(2024, 0, 2, 5, 34, 5) / 1000)
    assert.equal(parseDateSpec('@1700000000', now), 1_700_000_000)
    assert.equal(parseDateSpec('1700000000', now), 1_700_000_000)
    assert.equal(parseDateSpec('2024-01-02', now), new Date(2024, 0, 2).getTime() / 1000)
  })

  it('relative dates count back from now; months and years by the calendar', () => {
    assert.equal(parseDateSpec('now', now), nowS)
    assert.equal(parseDateSpec('2 weeks ago', now), nowS - 14 * 86_400)
    assert.equal(parseDateSpec('3.days.ago', now), nowS - 3 * 86_400)
    assert.equal(parseDateSpec('an hour ago', now), nowS - 3600)
    assert.equal(parseDateSpec('1 month ago', now), new Date(new Date(now).setMonth(now.getMonth() - 1)).getTime() / 1000)
    const y = new Date(now.getTime())
    y.setHours(0, 0, 0, 0)
    y.setDate(y.getDate() - 1)
    assert.equal(parseDateSpec('Yesterday', now), y.getTime() / 1000)
  })

  it('refuses what it cannot read exactly, instead of guessing', () => {
    for (const bad of ['', 'last week', '2024-02-30', '2024-13-01', '2024-01-01T25:00', '12345', 'two days ago', '2 fortnights ago']) {
      assert.throws(() => parseDateSpec(bad, now), (e: unknown) => e instanceof BlError && e.code === 'INVALID_ARGUMENT', bad)
    }
  })
})
