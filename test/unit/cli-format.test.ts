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

test('a stopped merge reports each path in Git\'s words: Auto-merging, then one CONFLICT line per kind, capped with a count', async () => {
  const {conflictReport} = await import('../../src/cli/merge-report.ts')
  const f = (path: string) => ({path, kind: 'file' as const, exec: false, size: 1, id: 'a'.repeat(64)})
  const lines = conflictReport({
    label: 'feat',
    automerged: ['a.csv', 'b.csv'],
    conflicts: [
      {path: 'a.csv', kind: 'both-modified', base: f('a.csv'), ours: f('a.csv'), theirs: f('a.csv'), markers: 2},
      {path: 'img.png', kind: 'both-modified', base: f('img.png'), ours: f('img.png'), theirs: f('img.png')},
      {path: 'n.txt', kind: 'both-added', ours: f('n.txt'), theirs: f('n.txt'), markers: 1},
      {path: 'g.txt', kind: 'deleted-by-us', base: f('g.txt'), theirs: f('g.txt')},
      {path: 'h.txt', kind: 'deleted-by-them', base: f('h.txt'), ours: f('h.txt')},
      {path: 'x/r.txt', kind: 'renamed-differently', base: f('r.txt'), ours: f('x/r.txt'), theirs: f('y/r.txt')},
      {path: 'd', kind: 'file-directory', ours: f('d')},
    ],
  })
  // Path by path, each file's Auto-merging line before its conflict, as Git prints them.
  assert.deepEqual(lines, [
    'Auto-merging a.csv',
    'CONFLICT (content): Merge conflict in a.csv',
    'Auto-merging b.csv',
    'CONFLICT (file/directory): d is a file on one side and a directory on the other',
    'CONFLICT (modify/delete): g.txt deleted in HEAD and modified in feat.  Version feat of g.txt left in tree.',
    'CONFLICT (modify/delete): h.txt deleted in feat and modified in HEAD.  Version HEAD of h.txt left in tree.',
    'CONFLICT (content): Merge conflict in img.png (not merged by lines: binary, a symlink or too big a change; ours left in place)',
    'CONFLICT (add/add): Merge conflict in n.txt',
    'CONFLICT (rename/rename): r.txt renamed to x/r.txt in HEAD and to y/r.txt in feat.',
  ])
  const many = conflictReport({conflicts: Array.from({length: 53}, (_, k) => ({path: `p${k}`, kind: 'deleted-by-them'}))})
  assert.equal(many.length, 51)
  assert.equal(many[50], '... and 3 more conflicts (`bl status` lists them)')
})
