import {test} from 'node:test'
import assert from 'node:assert/strict'
import {formatBytes, formatDate} from '../../src/cli/format.ts'

test('formatDate: Git-like local time with the offset; a time no Date holds shows as raw seconds, not "Invalid Date"', () => {
  assert.equal(formatDate({name: 'a', email: 'b', time: 1_700_000_000, tz: 90}), 'Tue, 14 Nov 2023 23:43:20 +0130')
  assert.equal(formatDate({name: 'a', email: 'b', time: 99_999_999_999_999, tz: 0}), '@99999999999999 +0000')
})

test('formatBytes: bytes, then binary units with one decimal below 10', () => {
  assert.deepEqual([0, 1023, 1536, 10 * 1024, 3.5 * 1024 * 1024, 5 * 2 ** 40].map(formatBytes), ['0 B', '1023 B', '1.5 KiB', '10 KiB', '3.5 MiB', '5.0 TiB'])
})

test('rename thresholds are read as Git reads -M: n% a percentage, bare digits a fraction, 0 the default, past 100% capped', async () => {
  const {parseRenameThreshold, normalizeRenameArgs} = await import('../../src/cli/rename-flags.ts')
  assert.deepEqual(['50%', '90%', '5', '9', '05', '100', '0.75', '0', '150%'].map(parseRenameThreshold), [0.5, 0.9, 0.5, 0.9, 0.05, 0.1, 0.75, 0.5, 1])
  assert.throws(() => parseRenameThreshold('x'), /invalid rename threshold/)
  assert.deepEqual(normalizeRenameArgs(['-M', '-M90%', '--find-renames', 'HEAD', '--', '-M5']), ['--find-renames=50%', '--find-renames=90%', '--find-renames=50%', 'HEAD', '--', '-M5'])
})
