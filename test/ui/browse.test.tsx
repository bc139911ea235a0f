/**
 * bl browse's views, driven by keys through ink-testing-library over a fake BrowseSource:
 * navigation, previews, diffs, help, filters, resizing and hostile text.
 */
import './interactive-env.ts'
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import React from 'react'
import {render} from 'ink-testing-library'
import {BrowseApp} from '../../src/ui/browse/BrowseApp.tsx'
import {KEY_HELP} from '../../src/ui/browse/keys.ts'
import {COMMITS, fakeSource, oid, TREES, type FakeSource} from './browse-fixture.ts'

/** The start of an id, as the detail pane has room for it. */
const oidp = (c: string): string => oid(c).slice(0, 24)

const KEYS = {down: '\x1b[B', up: '\x1b[A', right: '\x1b[C', left: '\x1b[D', enter: '\r', esc: '\x1b', tab: '\t', backspace: '\x7f'}

type Instance = ReturnType<typeof render>

async function waitFor(r: Instance, check: (frame: string) => boolean, what: string): Promise<string> {
  const until = Date.now() + 3000
  for (;;) {
    const frame = r.lastFrame() ?? ''
    if (check(frame)) return frame
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}; last frame:\n${frame}`)
    await new Promise((res) => setTimeout(res, 10))
  }
}

const shows = (r: Instance, text: string): Promise<string> => waitFor(r, (f) => f.includes(text), JSON.stringify(text))

/** Sends keys one at a time, letting Ink handle each (as a person types). */
async function press(r: Instance, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    r.stdin.write(k)
    await new Promise((res) => setTimeout(res, 15))
  }
}

async function open(source: FakeSource = fakeSource(), onQuit?: () => void): Promise<Instance> {
  const r = render(<BrowseApp source={source} label="HEAD" onQuit={onQuit} />)
  await shows(r, 'Initial import')
  await shows(r, 'README.md')
  return r
}

describe('bl browse views', () => {
  test('panes: refs, commits with signature letter and labels, the tree of the selected commit, its detail', async () => {
    const source = fakeSource()
    const r = await open(source)
    const f = await shows(r, 'Signature: good')
    for (const s of ['Refs', '* main', 'feature', 't v1', 'r origin/main', 'Commits HEAD (5)', '(HEAD -> main) Fix the labels', `commit ${oidp('e')}`, 'Author: Ada Lovelace <ada@example.com>', 'Code:   git 1234567890ab', 'data/', '2 files', '3.3 MiB', 'Detail']) assert.ok(f.includes(s), `frame lacks ${s}:\n${f}`)
    // The signed commit's row carries Git's %G? letter once checked.
    assert.match(f, /\* G eeeeeeee/)
    assert.ok(source.calls.includes('signature eeee'))
    r.unmount()
  })

  test('navigation: j/k and arrows move the selection, the tree and detail follow, g/G jump', async () => {
    const source = fakeSource()
    const r = await open(source)
    await press(r, 'j')
    await shows(r, `commit ${oidp('d')}`)
    // The tree loads in an effect after the frame that shows the detail.
    await waitFor(r, () => source.calls.includes('tree dddd '), `a call for d's tree; calls: ${source.calls.join(',')}`)
    await press(r, KEYS.down, KEYS.down)
    await shows(r, `commit ${oidp('b')}`)
    await press(r, 'k')
    await shows(r, `commit ${oidp('c')}`)
    await press(r, 'G')
    await shows(r, `commit ${oidp('a')}`)
    await press(r, 'g')
    await shows(r, `commit ${oidp('e')}`)
    // Tab to the tree; into data/ and back up with h.
    await press(r, KEYS.tab)
    await shows(r, 'Enter opens it')
    await press(r, KEYS.enter)
    await shows(r, 'cat.png')
    assert.ok(source.calls.includes('tree eeee data'))
    assert.ok((r.lastFrame() ?? '').includes(':/data'))
    await press(r, 'h')
    await waitFor(r, (f) => f.includes('table.csv') && !f.includes('cat.png'), 'the root again')
    // Refs pane: Enter on a tag lists its history.
    await press(r, KEYS.tab, KEYS.tab, 'j', 'j', KEYS.enter)
    await shows(r, 'Commits v1 (2)')
    assert.ok(source.calls.includes('log refs/tags/v1 1000'), source.calls.join(','))
    r.unmount()
  })

  test('preview: Enter on a CSV shows an aligned table that scrolls sideways; JSON and images; Esc returns', async () => {
    const r = await open()
    await press(r, KEYS.tab, 'G', KEYS.enter)
    let f = await shows(r, 'CSV table, 5 columns, 3 rows shown')
    const header = f.split('\n').find((l) => l.includes('label'))!
    const row = f.split('\n').find((l) => l.includes('camera-b'))!
    // Aligned: the column starts at the same place in the header and in a row.
    assert.equal(header.indexOf('width'), row.indexOf('800'), `not aligned:\n${header}\n${row}`)
    await press(r, 'l', 'l')
    f = await waitFor(r, (x) => !x.includes(' label ') && x.includes('width'), 'the table scrolled by two columns')
    assert.ok(f.includes('height') && !f.includes('cat '))
    await press(r, KEYS.esc)
    await waitFor(r, (x) => x.includes('Refs') && !x.includes('CSV table'), 'the panes again')
    await press(r, 'g', KEYS.enter)
    await shows(r, 'a.json')
    await press(r, KEYS.enter)
    await shows(r, '"name": "cats"')
    assert.match(r.lastFrame() ?? "", /2 {3}"name": "cats",/)
    await press(r, KEYS.esc, 'j', KEYS.enter)
    await shows(r, 'PNG image, 640x480')
    await shows(r, '|.PNG........IHDR|')
    r.unmount()
  })

  test('d shows the commit against its first parent; Enter on a text file shows its changed lines', async () => {
    const source = fakeSource()
    const r = await open(source)
    await press(r, 'd')
    const f = await shows(r, 'against dddddddd: 4 paths')
    for (const s of ['M README.md', '100 B -> 120 B', 'A data/cat.png', 'R raw.csv -> table.csv', 'D old.txt']) assert.ok(f.includes(s), `lacks ${s}:\n${f}`)
    await press(r, KEYS.enter)
    const d = await shows(r, '@@ -1,3 +1,3 @@')
    assert.match(d, /2\s+-Dogs only\./)
    assert.match(d, /2 \+Cats and dogs\./)
    await press(r, KEYS.esc, 'j', KEYS.enter)
    await shows(r, 'binary file, 3499840 bytes')
    await press(r, KEYS.esc, KEYS.esc)
    await waitFor(r, (x) => x.includes('Refs'), 'the panes again')
    assert.deepEqual(source.calls.filter((c) => c.startsWith('fileDiff')), ['fileDiff README.md', 'fileDiff data/cat.png'])
    r.unmount()
  })

  test('? lists every key; any key closes the help', async () => {
    const r = await open()
    await press(r, '?')
    const f = await shows(r, 'bl browse: keys')
    for (const [k] of KEY_HELP) assert.ok(f.includes(k), `help lacks ${k}:\n${f}`)
    await press(r, 'x')
    await waitFor(r, (x) => !x.includes('bl browse: keys') && x.includes('Refs'), 'help closed')
    r.unmount()
  })

  test('/ filters commits, paths and changes as you type; Esc clears', async () => {
    const r = await open()
    await press(r, '/', 'r', 'e', 'n')
    let f = await shows(r, '/ren')
    await waitFor(r, (x) => x.includes('Rename raw.csv') && !x.includes('Initial import') && !x.includes('Add images'), 'filtered commits')
    await press(r, KEYS.enter)
    f = await shows(r, `commit ${oidp('c')}`)
    assert.ok(f.includes('(1)'))
    await press(r, KEYS.esc)
    await shows(r, 'Initial import')
    // Paths in the tree pane.
    await press(r, KEYS.tab, '/', 'c', 's', 'v', KEYS.enter)
    await waitFor(r, (x) => x.includes('table.csv') && !x.includes('README.md') && !x.includes('data/'), 'filtered paths')
    await press(r, KEYS.esc)
    await shows(r, 'README.md')
    // Changes.
    await press(r, 'd')
    await shows(r, '4 paths')
    await press(r, '/', 'd', 'a', 't', 'a')
    await waitFor(r, (x) => x.includes('1 path ') && x.includes('data/cat.png') && !x.includes('README.md'), 'filtered changes')
    r.unmount()
  })

  test('keys that arrive together in one chunk (fast typing, a paste, tmux) each count', async () => {
    const r = await open()
    r.stdin.write('\t/csv\r')
    await waitFor(r, (x) => x.includes('table.csv') && !x.includes('README.md') && x.includes('/csv'), 'the tree filtered by one chunk of keys')
    r.stdin.write('\r')
    await shows(r, 'CSV table, 5 columns')
    r.unmount()
  })

  test('re-lays out on resize and says when the terminal is too small', async () => {
    const r = await open()
    const widest = (f: string): number => Math.max(...f.split('\n').map((l) => [...l].length))
    assert.equal(widest(r.lastFrame() ?? ''), 100)
    const resize = (columns: number, rows: number): void => {
      Object.defineProperty(r.stdout, 'columns', {value: columns, configurable: true})
      Object.defineProperty(r.stdout, 'rows', {value: rows, configurable: true})
      r.stdout.emit('resize')
    }
    resize(80, 24)
    let f = await waitFor(r, (x) => widest(x) === 80, '80 columns')
    assert.equal(f.split('\n').length, 23)
    assert.ok(f.includes('Refs') && f.includes('Detail') && f.includes('README.md'))
    resize(30, 10)
    await shows(r, 'Terminal too small (30x10)')
    resize(120, 40)
    f = await waitFor(r, (x) => widest(x) === 120, '120 columns')
    assert.equal(f.split('\n').length, 39)
    r.unmount()
  })

  test('a preview scrolls to its very last line, and sideways to the end of its widest line (wide characters count two cells)', async () => {
    const long = {name: 'long.txt', path: 'long.txt', kind: 'file' as const, size: 4000, files: 1, exec: false, id: oid('f')}
    const r = await open(fakeSource({trees: {...TREES, '': [...TREES['']!, long]}}))
    await press(r, KEYS.tab, 'G', KEYS.enter)
    await shows(r, 'long.txt  64 B  text')
    await press(r, 'G')
    const f = await shows(r, 'the last line')
    assert.match(f, /100 the last line/)
    await press(r, 'g')
    await shows(r, '  1 日日')
    // 100 wide characters are 200 cells: END starts at cell 200.
    r.stdin.write('l'.repeat(30))
    await waitFor(r, (x) => x.includes('END'), 'END at the end of the widest line')
    r.unmount()
  })

  test('the detail pane scrolls to its end and back up one line at a time', async () => {
    const message = ['A long story', '', ...Array.from({length: 40}, (_, i) => `body line ${i + 1}`)].join('\n')
    const r = await open(fakeSource({commits: [{...COMMITS[0]!, message}, ...COMMITS.slice(1)]}))
    await press(r, KEYS.tab, KEYS.tab, 'G')
    await shows(r, 'body line 40')
    await press(r, 'k')
    await waitFor(r, (x) => !x.includes('body line 40') && x.includes('body line 39'), 'one line up from the end')
    r.unmount()
  })

  test('a filter never echoes controls or bidi overrides; a commit time no Date can hold shows as ?', async () => {
    const far = [{...COMMITS[0]!, time: 99_999_999_999_999}, ...COMMITS.slice(1)]
    const r = await open(fakeSource({commits: far}))
    const f = await shows(r, 'Date:   ? +0100')
    assert.match(f, /\* G eeeeeeee \? {9} Ada/)
    r.stdin.write('/\u202eFix\u009b')
    const g = await shows(r, '/Fix')
    assert.ok(!g.includes('\u202e') && !g.includes('\u009b'), JSON.stringify(g))
    r.unmount()
  })

  test('escape sequences in names, messages and previews are stripped; q quits', async () => {
    const evil = [{...COMMITS[0]!, message: 'Hi \x1b]0;pwned\x07there \x1b[2J\x9b31m', refs: []}, ...COMMITS.slice(1)]
    const trees = {...TREES, '': [{...TREES['']![1]!, name: 'a\x1b[31mred\u202eexe.txt', path: 'a\x1b[31mred\u202eexe.txt'}]}
    let quit = 0
    const r = await (async () => {
      const x = render(<BrowseApp source={fakeSource({commits: evil, trees})} onQuit={() => quit++} />)
      await shows(x, 'Hi there')
      return x
    })()
    const f = await shows(r, 'aredexe.txt'.slice(0, 4))
    assert.ok(!f.includes('\x1b') && !f.includes('\x9b') && !f.includes('\u202e'), JSON.stringify(f))
    // The SGR sequence is removed, the bidi override shown as ?.
    assert.ok(f.includes('ared?exe.txt'), f)
    await press(r, 'q')
    const until = Date.now() + 2000
    while (quit === 0 && Date.now() < until) await new Promise((res) => setTimeout(res, 10))
    assert.equal(quit, 1)
  })
})
