/** bl browse's key handling as a pure reducer (src/ui/browse/state.ts): selections stay in range across loads. */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {initialState, loaded, onKey, selectedCommit, type BrowseState, type KeyPress, type Viewport} from '../../src/ui/browse/state.ts'
import {COMMITS, oid, TREES} from '../ui/browse-fixture.ts'

const vp: Viewport = {listRows: 5, pageRows: 20, pageColumns: 80, detailRows: 5, detailLength: () => 10}
const key = (s: BrowseState, input: string, extra: Partial<KeyPress> = {}): BrowseState => onKey(s, {input, ...extra}, vp).state
const manyEntries = Array.from({length: 10}, (_, i) => ({...TREES['']![1]!, name: `f${i}`, path: `f${i}`}))

test('another commit selected: its tree loads afresh from the top, never under the old entries', () => {
  let s = loaded(initialState(oid('e')), 'log', {value: {commits: COMMITS, more: false}})
  s = loaded(s, 'tree', {value: manyEntries})
  s = key(key(s, '', {tab: true}), 'G')
  assert.equal(s.focus, 'tree')
  assert.equal(s.tree.sel, 9)
  s = key(key(key(s, '', {tab: true}), '', {tab: true}), '', {tab: true})
  assert.equal(s.focus, 'log')
  s = key(s, 'j')
  assert.equal(selectedCommit(s)?.id, oid('d'))
  assert.deepEqual([s.tree.state, s.tree.sel], ['loading', 0])
  // Moving without changing the commit (already at the top) keeps the loaded tree.
  const t = loaded(key(s, 'g'), 'tree', {value: manyEntries})
  assert.equal(key(t, 'k').tree, t.tree)
})

test('a load shorter than the selection pulls the selection onto its last item', () => {
  let s = loaded(initialState(oid('e')), 'log', {value: {commits: COMMITS, more: false}})
  s = {...s, tree: {...s.tree, sel: 9}}
  s = loaded(s, 'tree', {value: [TREES['']![1]!]})
  assert.equal(s.tree.sel, 0)
  s = {...s, log: {...s.log, sel: 4}}
  s = loaded(s, 'log', {value: {commits: COMMITS.slice(0, 2), more: false}})
  assert.equal(s.log.sel, 1)
})

test('Enter on a ref lists its history by full ref name (a tag and a branch may share a short name)', () => {
  let s = loaded(initialState(oid('e')), 'refs', {value: [{name: 'v1', kind: 'tag', commit: oid('b'), current: false}]})
  s = key(key(key(key(s, '', {tab: true}), '', {tab: true}), '', {tab: true}), '', {return: true})
  assert.deepEqual([s.logRev, s.logLabel, s.focus], ['refs/tags/v1', 'v1', 'log'])
})

test('a diff scrolls sideways exactly until the end of its widest line is on screen', async () => {
  const {fileDiffLines} = await import('../../src/ui/browse/format.ts')
  const wide = '日'.repeat(100) + 'END'
  const diff = {kind: 'lines' as const, path: 'x.txt', truncated: false, hunks: [{oldStart: 1, oldLines: 1, newStart: 1, newLines: 1, lines: [{op: '-' as const, text: 'old', oldNo: 1, newNo: null}, {op: '+' as const, text: wide, oldNo: null, newNo: 1}]}]}
  let s: BrowseState = {...initialState(oid('e')), overlays: [{kind: 'filediff', commit: oid('e'), change: {status: 'M', path: 'x.txt', kind: 'file', oldSize: 4, newSize: 304}}]}
  s = loaded(s, 'fileDiff', {value: diff})
  for (let i = 0; i < 40; i++) s = key(s, 'l')
  const shown = fileDiffLines(diff, s.fileDiff.top, s.fileDiff.left, 10, vp.pageColumns).map((l) => l.text)
  assert.match(shown.find((l) => /^ +1 \+/.test(l))!, /END$/)
  // One cell less and the end would not be reached: the limit is exact.
  const before = fileDiffLines(diff, 0, s.fileDiff.left - 1, 10, vp.pageColumns).map((l) => l.text)
  assert.doesNotMatch(before.find((l) => /^ +1 \+/.test(l))!, /END$/)
})
