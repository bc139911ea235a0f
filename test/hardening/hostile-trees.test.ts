/**
 * Hostile trees: commits whose trees hold paths that are unsafe to write. They are built with the
 * core encoders, bypassing every check a honest `bl add` makes, and put straight into the store
 * (as a malicious client would push them); then the real `bl checkout` must refuse each one before
 * writing anything, naming the path and the rule. The same rules refuse such names at `bl add`,
 * and a clone from a remote holding a hostile branch leaves nothing behind.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type {Oid} from '../../src/core/hash.ts'
import {commitId, encodeCommit, type Commit} from '../../src/core/objects/index.ts'
import {buildTree, type TreeEntry} from '../../src/core/objects/tree.ts'
import {readHead, readRef, updateRefs} from '../../src/core/refs/refs.ts'
import {openRepo, type Repo} from '../../src/core/repo.ts'
import {Ingestor} from '../../src/core/worktree/ingest.ts'
import {Sandbox, initRepo} from '../integration/helpers.ts'

type Entry = TreeEntry
interface Case {
  name: string
  /** Root entries besides keep.txt. */
  build(b: Builder): Entry[]
  path: string
  rule: string
  config?: Record<string, string>
}

class Builder {
  constructor(readonly repo: Repo, private readonly ing: Ingestor) {}
  file(name: string, text = name, size?: number): Entry {
    const r = this.ing.addSymlink(text) // a symlink's target is stored as a file's bytes are
    return {name, kind: 'file', exec: false, size: size ?? r.size, files: 1, id: r.id}
  }
  link(name: string, target: string): Entry {
    const r = this.ing.addSymlink(target)
    return {name, kind: 'symlink', exec: false, size: r.size, files: 1, id: r.id}
  }
  /** A directory of `entries`, in the order given (no sorting, no checks). */
  dir(name: string, entries: Entry[], declared?: {size: number; files: number}): Entry {
    const nodes = buildTree(entries)
    for (const n of nodes) this.repo.store.putObject(n.id, 'tree', n.bytes)
    const size = entries.reduce((s, e) => s + e.size, 0)
    const files = entries.reduce((s, e) => s + e.files, 0)
    return {name, kind: 'dir', exec: false, size: declared?.size ?? size, files: declared?.files ?? files, id: nodes.at(-1)!.id}
  }
  nest(depth: number, leaf: Entry): Entry {
    let e = leaf
    for (let i = depth; i > 0; i--) e = this.dir(`d${i}`, [e])
    return e
  }
}

const sorted = (...es: Entry[]): Entry[] => es.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))

const CASES: Case[] = [
  {name: 'dot-dot', build: (b) => [b.file('..')], path: '.', rule: 'bad-object'},
  {name: 'absolute', build: (b) => [b.file('/etc/passwd')], path: '.', rule: 'bad-object'},
  {name: 'backslash', build: (b) => [b.file('..\\..\\evil')], path: '..\\..\\evil', rule: 'backslash'},
  {name: 'drive-letter', build: (b) => [b.file('C:evil')], path: 'C:evil', rule: 'drive-letter'},
  {name: 'dot-git', build: (b) => [b.dir('.git', [b.dir('hooks', [b.file('post-checkout', '#!/bin/sh\necho pwned\n')])])], path: '.git', rule: 'control-directory'},
  {name: 'dot-git-upper', build: (b) => [b.dir('.GiT', [b.file('config')])], path: '.GiT', rule: 'control-directory'},
  {name: 'dot-bl-ignorable', build: (b) => [b.dir('.b\u200cl', [b.file('store.db')])], path: '.b\u200cl', rule: 'control-directory'},
  {name: 'dot-git-ntfs-dot', build: (b) => [b.file('.git. ')], path: '.git. ', rule: 'control-directory'},
  {name: 'dot-git-short-name', build: (b) => [b.dir('GIT~1', [b.file('config')])], path: 'GIT~1', rule: 'control-directory'},
  {name: 'nested-dot-bl', build: (b) => [b.dir('sub', [b.dir('.BL', [b.file('x')])])], path: 'sub/.BL', rule: 'control-directory'},
  {name: 'windows-device', build: (b) => [b.file('CON')], path: 'CON', rule: 'windows-device-name'},
  {name: 'windows-device-ext', build: (b) => [b.dir('logs', [b.file('nul.txt')])], path: 'logs/nul.txt', rule: 'windows-device-name'},
  {name: 'windows-com', build: (b) => [b.file('Com1.csv')], path: 'Com1.csv', rule: 'windows-device-name'},
  {name: 'control-tab', build: (b) => [b.file('a\tb')], path: '.', rule: 'bad-object'},
  {name: 'newline', build: (b) => [b.dir('d', [b.file('a\nb')])], path: 'd/', rule: 'bad-object'},
  {name: 'carriage-return', build: (b) => [b.file('a\rb')], path: '.', rule: 'bad-object'},
  {name: 'nul', build: (b) => [b.file('a\u0000b')], path: '.', rule: 'bad-object'},
  {name: 'duplicate', build: (b) => [b.file('twice', 'one'), b.file('twice', 'two')], path: '.', rule: 'bad-object'},
  {name: 'case-collision', build: (b) => [b.dir('img', [b.file('Cat.png', 'a'), b.file('cat.png', 'b')])], path: 'img/cat.png', rule: 'case-collision'},
  {name: 'nfc-collision', build: (b) => sorted(b.file('cafe\u0301', 'a'), b.file('caf\u00e9', 'b')), path: 'caf\u00e9', rule: 'normalization-collision'},
  {name: 'file-dir-clash', build: (b) => [b.file('Data', 'f'), b.dir('data', [b.file('x')])], path: 'data', rule: 'file-directory-clash'},
  {name: 'symlink-absolute', build: (b) => [b.link('passwd', '/etc/passwd')], path: 'passwd', rule: 'symlink-escape'},
  {name: 'symlink-climb', build: (b) => [b.dir('a', [b.link('up', '../../outside')])], path: 'a/up', rule: 'symlink-escape'},
  {name: 'symlink-climb-after-name', build: (b) => [b.link('x', 'sub/../../outside')], path: 'x', rule: 'symlink-escape'},
  {name: 'symlink-into-git', build: (b) => [b.link('cfg', '.git/config')], path: 'cfg', rule: 'symlink-escape'},
  {name: 'symlink-parent', build: (b) => [b.link('Lnk', 'sub'), b.dir('lnk', [b.file('f')])], path: 'lnk', rule: 'symlink-parent'},
  {name: 'too-deep-default', build: (b) => [b.nest(257, b.file('deep'))], path: `${Array.from({length: 257}, (_, i) => `d${i + 1}`).join('/')}`, rule: 'too-deep'},
  {name: 'too-deep-configured', build: (b) => [b.nest(5, b.file('deep'))], path: 'd1/d2/d3/d4/d5', rule: 'too-deep', config: {'checkout.maxDepth': '4'}},
  {name: 'too-many-files', build: (b) => [b.dir('many', Array.from({length: 6}, (_, i) => b.file(`f${i}`)))], path: '.', rule: 'too-many-files', config: {'checkout.maxFiles': '5'}},
  {name: 'file-too-large', build: (b) => [b.file('huge', 'small', 2 ** 45)], path: 'huge', rule: 'file-too-large'},
  {name: 'lying-directory-size', build: (b) => [b.dir('d', [b.file('a')], {size: 99, files: 1})], path: 'd/', rule: 'size-mismatch'},
]

describe('hostile trees', () => {
  let s: Sandbox
  const branch = new Map<string, Oid>()
  let corruptTreeCommit: Oid

  before(() => {
    s = new Sandbox()
    initRepo(s)
    s.write('keep.txt', 'keep me\n')
    s.ok(['add', 'keep.txt'])
    s.ok(['commit', '-q', '-m', 'base'])
    const repo = openRepo({cwd: s.dir, env: {}, userConfigDir: s.configDir, now: () => new Date()})
    try {
      const main = readRef(repo, 'refs/heads/main')!
      const ing = new Ingestor(repo.store)
      const b = new Builder(repo, ing)
      const keep = b.file('keep.txt', 'keep me\n')
      const roots = new Map<string, Entry[]>()
      for (const c of CASES) roots.set(c.name, sorted(keep, ...c.build(b)))
      // A tree node stored under an id its bytes do not hash to.
      const honest = buildTree([keep, b.file('z')])
      const forged = honest.at(-1)!.id.replace(/^./, (ch) => (ch === '0' ? '1' : '0')) as Oid
      repo.store.putObject(forged, 'tree', honest.at(-1)!.bytes)
      ing.finishChunks()
      repo.store.transaction(() => ing.flushObjects())
      const commitOn = (tree: Oid, name: string): Oid => {
        const who = {name: 'Mallory', email: 'm@example.com', time: 1_700_000_000, tz: 0}
        const c: Commit = {tree, parents: [main], author: who, committer: who, message: `${name}\n`, meta: {}}
        const id = commitId(c)
        repo.store.putObject(id, 'commit', encodeCommit(c))
        return id
      }
      for (const [name, entries] of roots) {
        const nodes = buildTree(entries)
        for (const n of nodes) repo.store.putObject(n.id, 'tree', n.bytes)
        branch.set(name, commitOn(nodes.at(-1)!.id, name))
      }
      corruptTreeCommit = commitOn(forged, 'forged')
      repo.store.transaction(() => updateRefs(repo, [...branch].map(([name, id]) => ({ref: `refs/heads/h/${name}`, to: id, message: 'hostile'}))))
    } finally {
      repo.close()
    }
  })
  after(() => s.cleanup())

  const listing = (): string[] => fs.readdirSync(s.dir, {recursive: true}).map(String).filter((p) => !p.startsWith('.bl')).sort()

  const headBranch = (): string | null => {
    const repo = openRepo({cwd: s.dir, env: {}, userConfigDir: s.configDir, now: () => new Date()})
    try {
      return readHead(repo).branch
    } finally {
      repo.close()
    }
  }

  CASES.forEach((c, i) => {
    it(`checkout refuses ${c.name}: names the path and the rule [${c.rule}], writes nothing`, () => {
      for (const [k, v] of Object.entries(c.config ?? {})) s.ok(['config', k, v])
      try {
        const r = s.bl(['checkout', `h/${c.name}`, '--json'])
        assert.equal(r.code, 6, r.stdout)
        const err = r.json().error
        assert.equal(err.code, 'UNSAFE_PATH')
        assert.equal(err.data.rule, c.rule)
        assert.equal(err.data.path, c.path)
        assert.ok(err.message.startsWith(`refusing to check out ${JSON.stringify(c.path)}: `), err.message)
        assert.ok(err.message.endsWith(`[${c.rule}]`), err.message)
        if (i % 6 === 0) {
          // The human form: one line and a hint, same exit code.
          const h = s.bl(['checkout', `h/${c.name}`])
          assert.equal(h.code, 6)
          assert.deepEqual(h.stderr.trimEnd().split('\n').map((l) => l.slice(0, 7)), ['error: ', 'hint: T'])
        }
        assert.deepEqual(listing(), ['keep.txt'], 'nothing was written')
        assert.equal(s.read('keep.txt').toString(), 'keep me\n')
        assert.equal(headBranch(), 'refs/heads/main', 'HEAD did not move')
      } finally {
        for (const k of Object.keys(c.config ?? {})) s.ok(['config', '--unset', k])
      }
    })
  })

  it('a tree whose bytes do not match its id is refused before anything is written, as damage to repair (fsck), not an unsafe path', () => {
    const r = s.bl(['checkout', corruptTreeCommit, '--json'])
    assert.equal(r.code, 6, r.stderr)
    assert.equal(r.json().error.code, 'CORRUPT_OBJECT')
    assert.match(r.json().error.message, /does not match its id/)
    assert.match(r.json().error.hint, /bl fsck/)
    assert.deepEqual(listing(), ['keep.txt'])
  })

  it('restore --source and a forced checkout apply the same rules', () => {
    const r = s.bl(['restore', '--source', 'h/backslash', '.'])
    assert.equal(r.code, 6, r.stderr)
    assert.match(r.stderr, /\[backslash\]/)
    const f = s.bl(['checkout', '--force', 'h/symlink-absolute'])
    assert.equal(f.code, 6, f.stderr)
    assert.match(f.stderr, /\[symlink-escape\]/)
    assert.deepEqual(listing(), ['keep.txt'])
  })

  it('bl add refuses the same names, and symlinks out of the work tree, naming each', () => {
    const add = new Sandbox()
    try {
      initRepo(add)
      const refuse = (rel: string, rule: RegExp, setup: () => void): void => {
        setup()
        const r = add.bl(['add', '-A'])
        assert.equal(r.code, 5, `${rel}: ${r.stderr}`)
        assert.ok(r.stderr.includes(JSON.stringify(rel)), `${rel}: ${r.stderr}`)
        assert.match(r.stderr, rule)
        fs.rmSync(add.p(rel.split('/')[0]!), {recursive: true, force: true})
      }
      refuse('a\\b.csv', /backslash/, () => add.write('a\\b.csv', 'x'))
      refuse('aux.json', /reserved device name/, () => add.write('aux.json', 'x'))
      refuse('sub/.GIT', /control directory/, () => add.write('sub/.GIT/config', 'x'))
      refuse('up', /points to an absolute path/, () => fs.symlinkSync('/etc/hostname', add.p('up')))
      refuse('out', /outside the repository/, () => fs.symlinkSync('../elsewhere', add.p('out')))
      add.write('img/Cat.png', 'a')
      add.write('img/cat.png', 'b')
      const r = add.bl(['add', '-A'])
      assert.equal(r.code, 5, r.stderr)
      assert.match(r.stderr, /img\/(Cat|cat)\.png.*collides with/)
      assert.match(add.ok(['status']).stdout, /cannot be stored: the name collides with/)
      // A legal name next to them is still fine once the clash is gone.
      fs.rmSync(add.p('img/cat.png'))
      add.ok(['add', '-A'])
      assert.match(add.ok(['status', '--short']).stdout, /A {2}img\/Cat\.png/)
    } finally {
      add.cleanup()
    }
  })

  it('a clone of a hostile branch from a remote leaves nothing behind', () => {
    const remote = path.join(s.base, 'remote')
    s.ok(['remote', 'add', 'origin', remote])
    s.ok(['push', '-q', 'origin', 'main', 'h/dot-git'])
    const dest = path.join(s.base, 'victim')
    const r = s.bl(['clone', remote, dest, '--branch', 'h/dot-git'])
    assert.equal(r.code, 6, r.stderr)
    assert.match(r.stderr, /"\.git": the name aliases the \.bl or \.git control directory \[control-directory\]/)
    assert.equal(fs.existsSync(dest), false, 'the failed clone removed its directory')
    // The same remote's safe branch clones fine.
    s.ok(['clone', '-q', remote, dest])
    assert.equal(fs.readFileSync(path.join(dest, 'keep.txt'), 'utf8'), 'keep me\n')
  })
})
