/** A BrowseSource over fixed data, recording what the views ask for (component tests only). */
import type {BrowseChange, BrowseCommit, BrowseRef, BrowseSource, BrowseTreeEntry, FileDiff, Preview} from '../../src/core/browse/types.ts'
import type {Oid} from '../../src/core/hash.ts'
import type {SignatureVerification} from '../../src/core/signing/verify.ts'

export const oid = (c: string): Oid => c.repeat(64).slice(0, 64) as Oid

const commit = (id: string, parents: string[], message: string, extra: Partial<BrowseCommit> = {}): BrowseCommit => ({
  id: oid(id),
  parents: parents.map(oid),
  edges: parents.map(oid),
  authorName: 'Ada Lovelace',
  authorEmail: 'ada@example.com',
  time: 1_780_000_000 + id.charCodeAt(0) * 3600,
  tzOffset: 60,
  message,
  signed: false,
  refs: [],
  ...extra,
})

export const COMMITS: BrowseCommit[] = [
  commit('e', ['d'], 'Fix the labels of the cats\n\nThey were dogs.', {refs: ['HEAD -> main'], signed: true, gitCommit: '1234567890abcdef1234567890abcdef12345678'}),
  commit('d', ['c'], 'Add validation split'),
  commit('c', ['b'], 'Rename raw.csv to table.csv'),
  commit('b', ['a'], 'Add images', {refs: ['tag: v1']}),
  commit('a', [], 'Initial import'),
]

const REFS: BrowseRef[] = [
  {name: 'main', kind: 'branch', commit: oid('e'), current: true},
  {name: 'feature', kind: 'branch', commit: oid('c'), current: false},
  {name: 'v1', kind: 'tag', commit: oid('b'), current: false},
  {name: 'origin/main', kind: 'remote', commit: oid('d'), current: false},
]

const entry = (path: string, kind: BrowseTreeEntry['kind'], size: number, files = 1): BrowseTreeEntry => ({name: path.split('/').pop()!, path, kind, size, files, exec: false, id: oid('f')})

export const TREES: Record<string, BrowseTreeEntry[]> = {
  '': [entry('data', 'dir', 3_500_000, 2), entry('README.md', 'file', 120), entry('table.csv', 'file', 64)],
  data: [entry('data/a.json', 'file', 40), entry('data/cat.png', 'file', 3_499_840)],
}

export function previewOf(path: string, commitId: Oid): Preview {
  const base = {path, id: oid('f'), size: 64, truncated: false}
  if (path === 'table.csv') return {...base, kind: 'table', format: 'csv', columns: ['id', 'label', 'width', 'height', 'source'], rows: [['1', 'cat', '640', '480', 'camera-a'], ['2', 'dog', '800', '600', 'camera-b'], ['3', 'bird', '1024', '768', 'camera-c']]}
  if (path === 'data/a.json') return {...base, kind: 'json', lines: ['{', '  "name": "cats",', '  "count": 2', '}']}
  if (path === 'data/cat.png') return {...base, size: 3_499_840, kind: 'image', format: 'png', width: 640, height: 480, hex: ['00000000  89 50 4e 47 0d 0a 1a 0a  00 00 00 0d 49 48 44 52  |.PNG........IHDR|']}
  // 100 lines: the first wider than any screen (wide characters), the last one marked.
  if (path === 'long.txt') return {...base, kind: 'text', lines: ['日'.repeat(100) + 'END', ...Array.from({length: 98}, (_, i) => `line ${i + 2}`), 'the last line']}
  return {...base, kind: 'text', lines: [`# Dataset at ${commitId.slice(0, 4)}`, '', 'Cats and dogs.']}
}

export const CHANGES: BrowseChange[] = [
  {status: 'M', path: 'README.md', kind: 'file', oldSize: 100, newSize: 120},
  {status: 'A', path: 'data/cat.png', kind: 'file', oldSize: null, newSize: 3_499_840},
  {status: 'R', path: 'table.csv', oldPath: 'raw.csv', kind: 'file', oldSize: 64, newSize: 64},
  {status: 'D', path: 'old.txt', kind: 'file', oldSize: 10, newSize: null},
]

export const README_DIFF: FileDiff = {
  kind: 'lines',
  path: 'README.md',
  truncated: false,
  hunks: [{oldStart: 1, oldLines: 3, newStart: 1, newLines: 3, lines: [
    {op: ' ', text: '# Dataset', oldNo: 1, newNo: 1},
    {op: '-', text: 'Dogs only.', oldNo: 2, newNo: null},
    {op: '+', text: 'Cats and dogs.', oldNo: null, newNo: 2},
    {op: ' ', text: 'The end.', oldNo: 3, newNo: 3},
  ]}],
}

export interface FakeSource extends BrowseSource {
  calls: string[]
}

export function fakeSource(overrides: {commits?: BrowseCommit[]; trees?: Record<string, BrowseTreeEntry[]>; refs?: BrowseRef[]} = {}): FakeSource {
  const calls: string[] = []
  const commits = overrides.commits ?? COMMITS
  const trees = overrides.trees ?? TREES
  return {
    calls,
    start: commits[0]!.id,
    async refs() {
      calls.push('refs')
      return overrides.refs ?? REFS
    },
    async log(rev, limit) {
      calls.push(`log ${rev} ${limit}`)
      // The tag v1 is at b; by its full name only, as a branch named v1 could take the short one.
      const from = rev === 'refs/tags/v1' ? commits.findIndex((c) => c.id === oid('b')) : 0
      const list = commits.slice(Math.max(0, from))
      return {commits: list.slice(0, limit), more: list.length > limit}
    },
    async signature(id): Promise<SignatureVerification> {
      calls.push(`signature ${id.slice(0, 4)}`)
      return {status: 'good', keyId: 'ABCDEF0123456789', fingerprint: '0123456789ABCDEF0123456789ABCDEF01234567', signingKey: null, userId: 'Ada <ada@example.com>', created: 1_780_000_000, keyExpires: null, keyRevocation: null, reason: null, notes: []}
    },
    async tree(commitId, dir) {
      calls.push(`tree ${commitId.slice(0, 4)} ${dir}`)
      const t = trees[dir]
      if (!t) throw new Error(`path '${dir}' does not exist`)
      return t
    },
    async preview(commitId, path) {
      calls.push(`preview ${path}`)
      return previewOf(path, commitId)
    },
    async changes(commitId) {
      calls.push(`changes ${commitId.slice(0, 4)}`)
      return {commit: commitId, parent: oid('d'), changes: CHANGES}
    },
    async fileDiff(commitId, change) {
      calls.push(`fileDiff ${change.path}`)
      if (change.path === 'README.md') return README_DIFF
      return {kind: 'none', path: change.path, reason: `binary file, ${change.newSize ?? 0} bytes`}
    },
  }
}
