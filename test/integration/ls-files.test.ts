/**
 * bl ls-files through the real binary. The expected listings are what git ls-files (2.39) prints
 * for the same tree (with --exclude-standard and the same ignore rules).
 */
import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import {hashHex} from '../../src/core/hash.ts'
import {initRepo, lines, repoWith, Sandbox} from './helpers.ts'

const sandboxes: Sandbox[] = []
after(() => {
  for (const s of sandboxes) s.cleanup()
})

const id = (content: string): string => hashHex(Buffer.from(content))

describe('ls-files', () => {
  it('the index, deleted, modified, untracked and ignored files, from a subdirectory, -z, quoting, --error-unmatch, --json', () => {
    const s = new Sandbox()
    sandboxes.push(s)
    initRepo(s)
    const files: Record<string, string> = {a: 'a\n', 'd/b': 'b\n', 'd/e/c': 'c\n', '.blignore': 'ign/\n*.log\n', 'sp ace': 's\n', 'q"uote': 'q\n', 'x.sh': 'x\n'}
    for (const [p, v] of Object.entries(files)) s.write(p, v)
    fs.chmodSync(s.p('x.sh'), 0o755)
    s.ok(['add', '-A'])
    s.ok(['commit', '-q', '-m', 'one'])
    s.write('staged', 'new\n')
    s.ok(['add', 'staged'])
    s.write('a', 'a2\n')
    fs.rmSync(s.p('d/b'))
    for (const p of ['other', 'new/x/n', 'd/z.log', 'ign/i']) s.write(p, 'u\n')

    const ls = (args: string[], cwd?: string): string => s.ok(['ls-files', ...args], cwd ? {cwd: s.p(cwd)} : {}).stdout
    const index = ['.blignore', 'a', 'd/b', 'd/e/c', '"q\\"uote"', 'sp ace', 'staged', 'x.sh']
    assert.deepEqual(lines(ls([])), index, 'the index, staged files included; names quoted as Git quotes them (spaces not)')
    assert.deepEqual(lines(ls(['-s'])).slice(0, 2), [`100644 ${id(files['.blignore']!)} 0\t.blignore`, `100644 ${id('a\n')} 0\ta`])
    assert.equal(lines(ls(['-s'])).length, index.length)
    assert.match(ls(['-s', 'x.sh']), /^100755 [0-9a-f]{64} 0\tx\.sh\n$/)
    // Git's order: per index entry the cached row, then deleted, then modified (a deleted file is modified too).
    assert.deepEqual(lines(ls(['-c', '-d', '-m'])), ['.blignore', 'a', 'a', 'd/b', 'd/b', 'd/b', 'd/e/c', '"q\\"uote"', 'sp ace', 'staged', 'x.sh'])
    assert.deepEqual(lines(ls(['-o', '--exclude-standard'])), ['new/x/n', 'other'], '.blignore applies: ign/i and d/z.log are not others')
    assert.deepEqual(lines(ls(['-o', '--directory', '-m'])), ['new/', 'other', 'a', 'd/b'], 'others first, then the index')
    assert.deepEqual(lines(ls(['-o', '-i'])), ['d/z.log', 'ign/i'])
    assert.deepEqual(lines(ls(['-o', '-i', '--directory'])), ['d/z.log', 'ign/'])
    // From d/: only what is under it, with paths from it; --full-name from the root.
    assert.equal(ls(['-z', '-m', '-c'], 'd'), 'b\0b\0e/c\0')
    assert.deepEqual(lines(ls(['--full-name', '--error-unmatch', '../a', 'e'], 'd')), ['a', 'd/e/c'])
    assert.deepEqual(lines(ls(['../a', '../*.sh', '*.sh'], 'd')), ['../a', '../x.sh'], 'pathspecs are read from the current directory')

    const miss = s.bl(['ls-files', '--error-unmatch', 'a', 'nope', '--json'])
    assert.equal(miss.code, 4)
    assert.deepEqual(miss.json().error.code, 'PATHSPEC_NO_MATCH')
    assert.deepEqual(miss.json().error.data, {path: 'nope'})
    assert.deepEqual(s.j(['ls-files', '-o', '-m', '-d', 'd', 'new']), [
      {path: 'new/x/n', status: 'other'},
      {path: 'd/b', status: 'deleted', mode: '100644', id: id('b\n'), stage: 0},
      {path: 'd/b', status: 'modified', mode: '100644', id: id('b\n'), stage: 0},
    ])
  })

  it('a stopped merge: -s and -u show the conflict\'s stages 1-3, the default lists the path once per stage', () => {
    const s = repoWith({'t.csv': 'base\n', 'x.csv': 'x\n'})
    sandboxes.push(s)
    s.ok(['switch', '-q', '-c', 'theirs'])
    s.write('t.csv', 'theirs\n')
    s.ok(['commit', '-q', '-a', '-m', 'theirs'])
    s.ok(['switch', '-q', 'main'])
    s.write('t.csv', 'ours\n')
    s.ok(['commit', '-q', '-a', '-m', 'ours'])
    assert.equal(s.bl(['merge', '-q', 'theirs']).code, 3)
    const stages = [`100644 ${id('base\n')} 1\tt.csv`, `100644 ${id('ours\n')} 2\tt.csv`, `100644 ${id('theirs\n')} 3\tt.csv`]
    assert.deepEqual(lines(s.ok(['ls-files', '-s']).stdout), [...stages, `100644 ${id('x\n')} 0\tx.csv`])
    assert.deepEqual(lines(s.ok(['ls-files', '-u']).stdout), stages)
    const rows = s.j(['ls-files'])
    assert.deepEqual(rows.map((r: any) => [r.path, r.status, r.stage]), [['t.csv', 'unmerged', 1], ['t.csv', 'unmerged', 2], ['t.csv', 'unmerged', 3], ['x.csv', 'cached', 0]])
  })
})

describe('check-ignore', () => {
  it('names the deciding rule as git check-ignore -v does (negations, parent directories, nested files); a tracked path is not ignored; exit 1 when none is', () => {
    const s = new Sandbox()
    sandboxes.push(s)
    initRepo(s)
    const rules: Record<string, string> = {
      '': '*.csv\n!keep.csv\nd/\n# a comment\n\nlogs/*.log\n/root.txt\n**/deep/x\nkd*\n!kdir/\n*.tmp   \n',
      'sub/': 'x.tmp\n!y.tmp\n*.csv\n',
      'd/': '!f\n',
    }
    const paths = ['a.csv', 'keep.csv', 'd/f', 'd', 'logs/a.log', 'logs/b.txt', 'sub/x.tmp', 'sub/y.tmp', 'sub/keep.csv', 'z.txt', 'root.txt', 'sub/root.txt', 'p/q/deep/x', 'nosuch/', 'sub/n/a.csv', 'kdir', 'kdfile', 'w.tmp']
    // The same tree as a Git repository with .gitignore files: git's answers are the expected ones.
    const git = fs.mkdtempSync(`${s.base}/git-`)
    spawnSync('git', ['init', '-q'], {cwd: git})
    for (const root of [s.dir, git]) {
      for (const [dir, text] of Object.entries(rules)) {
        fs.mkdirSync(`${root}/${dir}`, {recursive: true})
        fs.writeFileSync(`${root}/${dir}${root === git ? '.gitignore' : '.blignore'}`, text)
      }
      const dirs = ['d', 'kdir']
      for (const p of paths) if (!p.endsWith('/')) fs.mkdirSync(`${root}/${dirs.includes(p) ? p : p.slice(0, p.lastIndexOf('/') + 1) || '.'}`, {recursive: true})
      for (const p of paths) if (!p.endsWith('/') && !dirs.includes(p)) fs.writeFileSync(`${root}/${p}`, 'x\n')
    }
    const want = spawnSync('git', ['check-ignore', '-v', '-n', '--no-index', ...paths], {cwd: git, encoding: 'utf8'})
    assert.equal(want.status, 0, want.stderr)
    const got = s.bl(['check-ignore', '-v', '-n', '--no-index', ...paths])
    assert.equal(got.code, 0, got.stderr)
    assert.equal(got.stdout, want.stdout.replaceAll('.gitignore', '.blignore'))
    // Plain: the ignored paths only. A tracked path is not ignored (rules keep untracked files out).
    s.ok(['add', '-f', 'a.csv'])
    const plain = s.bl(['check-ignore', 'a.csv', 'keep.csv', 'z.txt', 'logs/a.log'])
    assert.deepEqual([plain.code, plain.stdout], [0, 'logs/a.log\n'])
    const none = s.bl(['check-ignore', 'a.csv', 'z.txt', 'keep.csv'])
    assert.deepEqual([none.code, none.stdout], [1, ''])
    // With -v a matching negation counts for the exit status, as in Git.
    const negated = spawnSync('git', ['check-ignore', '-v', 'keep.csv'], {cwd: git, encoding: 'utf8'})
    const vNeg = s.bl(['check-ignore', '-v', 'keep.csv'])
    assert.deepEqual([vNeg.code, vNeg.stdout], [negated.status, negated.stdout.replaceAll('.gitignore', '.blignore')])
    const rows = s.j(['check-ignore', 'keep.csv', '.git/config', 'logs/a.log'])
    assert.deepEqual(rows, [
      {path: 'keep.csv', ignored: false, source: {file: '.blignore', line: 2, pattern: '!keep.csv'}},
      {path: '.git/config', ignored: true, source: {file: '', line: 0, pattern: '.git'}},
      {path: 'logs/a.log', ignored: true, source: {file: '.blignore', line: 6, pattern: 'logs/*.log'}},
    ])
  })
})
