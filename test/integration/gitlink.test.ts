/**
 * The link between data and code through the real binary (docs/git-link.md): commits inside a Git
 * repository (made with isomorphic-git, cross-checked with the git binary when present) record the
 * code's HEAD, branch and dirty flag; Git's identity serves when bl has none; BL_CONFIG_* settings;
 * lineage (`commit --input`, `bl lineage`) across a directory remote and a local repository; and
 * pinned data versions (`bl pin`, bl.lock, `--locked` on clone, pull and checkout, signed pins).
 * The suites run side by side; the tests of one suite share its fixture and run in order.
 * Set-up no test examines (init, add, plain commits, remotes, pushes, clones, keys) runs
 * in-process (inproc-trust.ts); the commits whose recorded metadata is checked run as `bl`.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import git from 'isomorphic-git'
import {jA, lines, makeTmp, okA, prng, rmrf, Sandbox, withJson, type RunOptions} from './helpers.ts'
import {trust, type CommitFlags} from './inproc-trust.ts'

const GIT_AUTHOR = {name: 'Code Author', email: 'code@example.com', timestamp: 1_700_000_000, timezoneOffset: 0}
const HEX64 = /^[0-9a-f]{64}$/

const cleanups: Array<() => void> = []
function sandbox(env: Record<string, string> = {}): Sandbox {
  const s = new Sandbox(env)
  cleanups.push(() => s.cleanup())
  return s
}
function tmp(prefix: string): string {
  const d = makeTmp(prefix)
  cleanups.push(() => rmrf(d))
  return d
}
after(() => {
  for (const c of cleanups) c()
})

/** Runs a command expected to fail under --json: asserts the exit and error codes, returns the error. */
async function fails(s: Sandbox, args: string[], exit: number, code: string, opts: RunOptions = {}): Promise<any> {
  const r = await s.runAsync(withJson(args), opts)
  assert.equal(r.code, exit, `bl ${args.join(' ')}: exit ${r.code}, want ${exit}\n${r.stdout}\n${r.stderr}`)
  const doc = r.json()
  assert.equal(doc.ok, false)
  assert.equal(doc.error.code, code, JSON.stringify(doc.error))
  return doc.error
}

function writeFile(abs: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(abs), {recursive: true})
  fs.writeFileSync(abs, data)
}

/** A Git repository at `dir` (isomorphic-git) with `files` committed on branch main; returns the commit SHA-1. */
async function gitInit(dir: string, files: Record<string, string>, message = 'code v1'): Promise<string> {
  await git.init({fs, dir, defaultBranch: 'main'})
  return gitCommit(dir, files, message)
}

async function gitCommit(dir: string, files: Record<string, string>, message: string): Promise<string> {
  for (const [p, v] of Object.entries(files)) {
    writeFile(path.join(dir, p), v)
    await git.add({fs, dir, filepath: p})
  }
  return git.commit({fs, dir, message, author: GIT_AUTHOR})
}

/** `git rev-parse HEAD` with the git binary, or null when git is not installed. */
function gitBinaryHead(dir: string): string | null {
  const r = spawnSync('git', ['-c', `safe.directory=${dir}`, 'rev-parse', 'HEAD'], {cwd: dir, encoding: 'utf8'})
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return null
  assert.equal(r.status, 0, r.stderr)
  return r.stdout.trim()
}

/** Stages everything in the data work tree at `cwd` (in-process) and commits with `bl`; returns the new commit id. */
async function dataCommit(s: Sandbox, cwd: string, message: string, extra: string[] = [], opts: RunOptions = {}): Promise<string> {
  await trust(s, {...opts, cwd}).addAll()
  return commitAll(s, cwd, message, extra, opts)
}

/** dataCommit's set-up twin: stages everything and commits in-process; returns the new commit id. */
async function dataCommitIP(s: Sandbox, cwd: string, message: string, flags: CommitFlags = {}): Promise<string> {
  const id = await trust(s, {cwd}).commitAll(message, flags)
  assert.match(id, HEX64)
  return id
}

/** commitAll's set-up twin: `bl commit -a -m <message>` in-process; returns the new commit id. */
async function commitAllIP(s: Sandbox, cwd: string, message: string): Promise<string> {
  const id = await trust(s, {cwd}).commit(message, {all: true})
  assert.match(id, HEX64)
  return id
}

/** `bl commit -a` (tracked files only: one process fewer than add + commit); returns the new commit id. */
async function commitAll(s: Sandbox, cwd: string, message: string, extra: string[] = [], opts: RunOptions = {}): Promise<string> {
  const res = await jA(s, ['commit', '-a', '-m', message, ...extra], {...opts, cwd})
  assert.match(res.id, HEX64)
  return res.id
}

async function head(s: Sandbox, cwd: string): Promise<any> {
  return (await jA(s, ['log', '-n', '1'], {cwd}))[0]
}

/** Every file under `dir` (relative path -> bytes), skipping .bl. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, {withFileTypes: true})) {
      if (e.name === '.bl') continue
      const abs = path.join(d, e.name)
      if (e.isDirectory()) walk(abs)
      else out[path.relative(dir, abs).split(path.sep).join('/')] = fs.readFileSync(abs).toString('base64')
    }
  }
  walk(dir)
  return out
}

/** The tests of one suite share a fixture and run in order (the suites themselves run side by side). */
const SEQ = {concurrency: 1}

describe('git link, lineage and pins', {concurrency: true}, () => {
  // ---- 1. code link metadata ----------------------------------------------------------------
  describe('a data repository inside a Git repository', SEQ, () => {
    let s: Sandbox
    let code: string
    let data: string
    let g1: string
    let g2: string
    const c: Record<string, string> = {}

    before(async () => {
      s = sandbox()
      code = s.dir
      data = path.join(code, 'data')
      g1 = await gitInit(code, {'src/train.py': 'print("train")\n', 'README.md': '# model\n'})
      fs.mkdirSync(data)
      trust(s, {cwd: data}).init()
      writeFile(path.join(data, 'a.csv'), 'id\n1\n')
      c.clean1 = await dataCommit(s, data, 'clean at g1')
      // An untracked code file (and the untracked data/ directory itself) is not a modification.
      writeFile(path.join(code, 'notes.txt'), 'scratch\n')
      writeFile(path.join(data, 'a.csv'), 'id\n1\n2\n')
      c.untracked = await commitAll(s, data, 'untracked file at g1')
      // A modified tracked file is.
      writeFile(path.join(code, 'src/train.py'), 'print("train, edited")\n')
      writeFile(path.join(data, 'a.csv'), 'id\n1\n2\n3\n')
      c.dirty = await commitAll(s, data, 'dirty at g1')
      // Commit the code change: a second code commit, clean again; a Git branch stays at g1.
      await git.branch({fs, dir: code, ref: 'first'})
      g2 = await gitCommit(code, {'src/train.py': 'print("train, edited")\n'}, 'code v2')
      writeFile(path.join(data, 'a.csv'), 'id\n1\n2\n3\n4\n')
      c.clean2 = await commitAll(s, data, 'clean at g2')
    })

    it('records git.commit (the Git HEAD), git.dirty and git.branch in each commit', async () => {
      assert.equal(g1, await git.resolveRef({fs, dir: code, ref: 'first'}))
      assert.equal(g2, await git.resolveRef({fs, dir: code, ref: 'HEAD'}))
      assert.notEqual(g1, g2)
      const binHead = gitBinaryHead(code)
      if (binHead !== null) assert.equal(binHead, g2, 'git rev-parse HEAD agrees with isomorphic-git')
      const log = await jA(s, ['log'], {cwd: data})
      const byId = new Map(log.map((e: any) => [e.id, e.meta]))
      assert.equal(log.length, 4)
      const pick = (m: any): any => ({commit: m['git.commit'], dirty: m['git.dirty'], branch: m['git.branch']})
      assert.deepEqual(pick(byId.get(c.clean1)), {commit: g1, dirty: 'false', branch: 'main'})
      assert.deepEqual(pick(byId.get(c.untracked)), {commit: g1, dirty: 'false', branch: 'main'}, 'an untracked file does not make the code dirty')
      assert.deepEqual(pick(byId.get(c.dirty)), {commit: g1, dirty: 'true', branch: 'main'}, 'a modified tracked file makes it dirty')
      assert.deepEqual(pick(byId.get(c.clean2)), {commit: g2, dirty: 'false', branch: 'main'})
      // No origin configured: no git.remote.
      for (const e of log) assert.equal(e.meta['git.remote'], undefined)
    })

    it('bl log shows a Code: line, with "dirty" for a dirty tree', async () => {
      const text = (await okA(s, ['log'], {cwd: data})).stdout
      const codeLines = lines(text).filter((l) => l.startsWith('Code:'))
      assert.deepEqual(codeLines, [`Code:   ${g2} (main)`, `Code:   ${g1} (main, dirty)`, `Code:   ${g1} (main)`, `Code:   ${g1} (main)`])
    })

    it('bl log --git <sha prefix | branch> lists exactly the data commits made at that code commit', async () => {
      const ids = async (rev: string): Promise<string[]> => (await jA(s, ['log', '--git', rev], {cwd: data})).map((e: any) => e.id)
      assert.deepEqual(await ids(g1.slice(0, 8)), [c.dirty, c.untracked, c.clean1])
      assert.deepEqual(await ids(g2.slice(0, 10)), [c.clean2])
      assert.deepEqual(await ids('first'), [c.dirty, c.untracked, c.clean1], 'a Git branch name resolves in the enclosing repository')
      assert.deepEqual(await ids('main'), [c.clean2])
      await fails(s, ['log', '--git', 'no-such-branch'], 4, 'UNKNOWN_REVISION', {cwd: data})
    })

    it('git.link false turns the metadata off', async () => {
      await okA(s, ['config', 'git.link', 'false'], {cwd: data})
      writeFile(path.join(data, 'a.csv'), 'id\n5\n')
      const id = await commitAll(s, data, 'link off')
      const e = await head(s, data)
      assert.equal(e.id, id)
      assert.deepEqual(Object.keys(e.meta).filter((k) => k.startsWith('git.')), [])
    })
  })

  // ---- 2. identity from Git ---------------------------------------------------------------------
  it('in a linked Git worktree (.git is a file, refs in the common directory) the link is recorded and branches resolve', async () => {
    const code = path.join(tmp('bl-gitwt-'), 'code')
    const g = await gitInit(code, {'src/train.py': 'print("train")\n'})
    // isomorphic-git makes no worktrees: the git binary does (.ci/run installs it).
    const wt = path.join(path.dirname(code), 'wt')
    const add = spawnSync('git', ['-c', `safe.directory=*`, 'worktree', 'add', '-q', wt, '-b', 'feat'], {cwd: code, encoding: 'utf8'})
    assert.equal(add.status, 0, add.stderr)
    assert.equal(fs.statSync(path.join(wt, '.git')).isFile(), true)
    const s = sandbox()
    const data = path.join(wt, 'data')
    fs.mkdirSync(data)
    trust(s, {cwd: data}).init()
    writeFile(path.join(data, 'a.csv'), 'id\n1\n')
    const clean = await dataCommit(s, data, 'in the worktree')
    writeFile(path.join(wt, 'src/train.py'), 'print("edited in the worktree")\n')
    writeFile(path.join(data, 'a.csv'), 'id\n1\n2\n')
    const dirty = await commitAll(s, data, 'code edited')
    const meta = new Map<string, Record<string, string>>((await jA(s, ['log'], {cwd: data})).map((e: any) => [e.id, e.meta]))
    assert.deepEqual([meta.get(clean)!['git.commit'], meta.get(clean)!['git.branch'], meta.get(clean)!['git.dirty']], [g, 'feat', 'false'])
    assert.equal(meta.get(dirty)!['git.dirty'], 'true')
    assert.deepEqual((await jA(s, ['log', '--git', 'feat'], {cwd: data})).map((e: any) => e.id), [dirty, clean])
  })

  describe('identity fallback to Git', SEQ, () => {
    let s: Sandbox
    let noIdentity: RunOptions
    let noIdentityUnset: string[]

    before(async () => {
      s = sandbox()
      // No bl identity, no GIT_* identity, and an empty HOME: only the repository's Git config counts.
      noIdentity = {
        unset: ['BL_AUTHOR_NAME', 'BL_AUTHOR_EMAIL', 'BL_COMMITTER_NAME', 'BL_COMMITTER_EMAIL', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'EMAIL', 'BL_CONFIG_COUNT'],
        env: {HOME: s.home, XDG_CONFIG_HOME: path.join(s.home, '.config')},
      }
      noIdentityUnset = noIdentity.unset!.filter((k) => !k.startsWith('BL_AUTHOR_'))
      await gitInit(s.dir, {'src/main.py': 'pass\n'})
      await git.setConfig({fs, dir: s.dir, path: 'user.name', value: 'Gita Coder'})
      await git.setConfig({fs, dir: s.dir, path: 'user.email', value: 'gita@example.com'})
    })

    it('inside a Git repository, a commit takes user.name/user.email from the Git config', async () => {
      const data = path.join(s.dir, 'data')
      fs.mkdirSync(data)
      trust(s, {...noIdentity, cwd: data}).init()
      writeFile(path.join(data, 'x.csv'), 'x\n')
      await dataCommit(s, data, 'by git identity', [], noIdentity)
      const e = await head(s, data)
      assert.deepEqual([e.author.name, e.author.email], ['Gita Coder', 'gita@example.com'])
      assert.deepEqual([e.committer.name, e.committer.email], ['Gita Coder', 'gita@example.com'])
      // bl's own identity still wins when set.
      writeFile(path.join(data, 'x.csv'), 'y\n')
      await okA(s, ['commit', '-a', '-q', '-m', 'by bl identity'], {cwd: data, unset: noIdentityUnset, env: {...noIdentity.env, BL_AUTHOR_NAME: 'Bl Self', BL_AUTHOR_EMAIL: 'bl@example.com'}})
      assert.equal((await head(s, data)).author.name, 'Bl Self')
      // git.link false: Git's identity is no longer borrowed.
      await okA(s, ['config', 'git.link', 'false'], {...noIdentity, cwd: data})
      writeFile(path.join(data, 'x.csv'), 'z\n')
      await fails(s, ['commit', '-a', '-m', 'link off'], 1, 'IDENTITY_UNKNOWN', {...noIdentity, cwd: data})
    })

    it('outside any Git repository the same commit fails with IDENTITY_UNKNOWN (exit 1)', async () => {
      const plain = path.join(s.base, 'plain')
      fs.mkdirSync(plain)
      const tp = trust(s, {...noIdentity, cwd: plain})
      tp.init()
      writeFile(path.join(plain, 'x.csv'), 'x\n')
      await tp.addAll()
      const err = await fails(s, ['commit', '-m', 'nobody'], 1, 'IDENTITY_UNKNOWN', {...noIdentity, cwd: plain})
      assert.match(err.message, /user\.name is not set/)
    })
  })

  // ---- 3. configuration from the environment ----------------------------------------------------
  describe('BL_CONFIG_* settings', SEQ, () => {
    let s: Sandbox
    const envCfg = {BL_CONFIG_COUNT: '1', BL_CONFIG_KEY_0: 'user.name', BL_CONFIG_VALUE_0: 'EnvName'}

    before(async () => {
      s = sandbox()
      trust(s).init()
      trust(s).config('user.name', 'RepoName')
    })

    it('bl config <key> reports the environment value with scope env, over the repo value', async () => {
      const got = await jA(s, ['config', 'user.name'], {env: envCfg})
      assert.equal(got.value, 'EnvName')
      assert.equal(got.scope, 'env')
      const repo = await jA(s, ['config', 'user.name'])
      assert.deepEqual([repo.value, repo.scope], ['RepoName', 'repo'])
    })

    it('bl config --list includes it with scope env', async () => {
      const list = await jA(s, ['config', '--list'], {env: envCfg})
      assert.ok(list.entries.some((e: any) => e.key === 'user.name' && e.value === 'EnvName' && e.scope === 'env'), JSON.stringify(list.entries))
      assert.ok(list.entries.some((e: any) => e.key === 'user.name' && e.value === 'RepoName' && e.scope === 'repo'))
    })

    it('environment settings apply to commands (the author name)', async () => {
      s.write('a.txt', 'a\n')
      await trust(s).addAll()
      await okA(s, ['commit', '-q', '-m', 'env author'], {unset: ['BL_AUTHOR_NAME'], env: {...envCfg, BL_AUTHOR_EMAIL: 'e@example.com'}})
      assert.equal((await head(s, s.dir)).author.name, 'EnvName')
    })

    it('a bad BL_CONFIG_COUNT fails with BAD_CONFIG (exit 2)', async () => {
      await fails(s, ['config', 'user.name'], 2, 'BAD_CONFIG', {env: {BL_CONFIG_COUNT: 'x'}})
      await fails(s, ['config', '--list'], 2, 'BAD_CONFIG', {env: {BL_CONFIG_COUNT: '2', BL_CONFIG_KEY_0: 'user.name', BL_CONFIG_VALUE_0: 'v'}})
    })
  })

  // ---- 4. lineage --------------------------------------------------------------------------------
  describe('lineage', SEQ, () => {
    let a: Sandbox
    let b: Sandbox
    let cRepo: Sandbox
    let remote: string
    let c1: string
    let c2: string
    let aId: string
    let bId: string

    before(async () => {
      cRepo = sandbox()
      a = sandbox()
      b = sandbox()
      remote = path.join(tmp('bl-lineage-remote-'), 'a-remote')
      for (const x of [cRepo, a, b]) trust(x).init()
      cRepo.write('raw.csv', 'raw,1\n')
      c1 = await dataCommitIP(cRepo, cRepo.dir, 'C first')
      // A is derived from C's first commit, and published on a directory remote.
      a.write('clean.csv', 'clean,1\n')
      aId = await dataCommit(a, a.dir, 'A derived', ['--input', `${cRepo.dir}@HEAD`])
      await trust(a).remoteAdd('origin', remote)
      await trust(a).push({setUpstream: true})
      cRepo.write('raw.csv', 'raw,1\nraw,2\n')
      c2 = await commitAllIP(cRepo, cRepo.dir, 'C second')
      // B is derived from A (through the remote) and from C's second commit (a local repository).
      b.write('model.bin', prng(1000, 'model'))
      bId = await dataCommit(b, b.dir, 'B model', ['--input', `${remote}@main`, '--input', `${cRepo.dir}@HEAD`])
    })

    it('a directory remote is recorded as its absolute path however it is named (remote name, file:// URL, path)', async () => {
      const x = sandbox()
      trust(x).init()
      await trust(x).remoteAdd('up', `file://${remote}`)
      for (const src of ['up', `file://${remote}`, remote]) {
        await okA(x, ['commit', '-q', '--allow-empty', '-m', src, '--input', `${src}@main`])
        assert.equal((await head(x, x.dir)).meta['input.0'], `${remote}@${aId}`, src)
      }
    })

    it('commit --input records <source>@<commit id> per input', async () => {
      const e = await head(b, b.dir)
      assert.equal(e.id, bId)
      assert.equal(e.meta['input.0'], `${remote}@${aId}`)
      assert.equal(e.meta['input.1'], `${cRepo.dir}@${c2}`)
      assert.equal((await head(a, a.dir)).meta['input.0'], `${cRepo.dir}@${c1}`)
    })

    it('bl lineage --json: nodes and edges, two levels deep', async () => {
      const res = await jA(b, ['lineage'])
      assert.equal(res.root, bId)
      const kA = `${remote}@${aId}`
      const kC1 = `${cRepo.dir}@${c1}`
      const kC2 = `${cRepo.dir}@${c2}`
      const nodes = new Map(res.nodes.map((n: any) => [n.key, n]))
      assert.deepEqual([...nodes.keys()].sort(), [bId, kA, kC1, kC2].sort())
      const pick = (n: any): any => ({source: n.source, commit: n.commit, resolved: n.resolved, subject: n.subject})
      assert.deepEqual(pick(nodes.get(bId)), {source: null, commit: bId, resolved: true, subject: 'B model'})
      assert.deepEqual(pick(nodes.get(kA)), {source: remote, commit: aId, resolved: true, subject: 'A derived'})
      assert.deepEqual(pick(nodes.get(kC2)), {source: cRepo.dir, commit: c2, resolved: true, subject: 'C second'})
      assert.deepEqual(pick(nodes.get(kC1)), {source: cRepo.dir, commit: c1, resolved: true, subject: 'C first'})
      const edge = (e: any): string => `${e.from} -> ${e.to}`
      assert.deepEqual(res.edges.map(edge).sort(), [`${bId} -> ${kA}`, `${bId} -> ${kC2}`, `${kA} -> ${kC1}`].sort())
    })

    it('--depth 1 stops after the direct inputs', async () => {
      const res = await jA(b, ['lineage', '--depth', '1'])
      assert.deepEqual(res.nodes.map((n: any) => n.key).sort(), [bId, `${remote}@${aId}`, `${cRepo.dir}@${c2}`].sort())
      assert.deepEqual(res.edges.map((e: any) => e.to).sort(), [`${remote}@${aId}`, `${cRepo.dir}@${c2}`].sort())
      const zero = await jA(b, ['lineage', '--depth', '0'])
      assert.deepEqual(zero.nodes.map((n: any) => n.key), [bId])
      assert.deepEqual(zero.edges, [])
    })

    it('text output shows every subject', async () => {
      const out = (await okA(b, ['lineage'])).stdout
      for (const subject of ['B model', 'A derived', 'C first', 'C second']) assert.match(out, new RegExp(subject))
      assert.match(out, new RegExp(`${aId.slice(0, 12)} A derived`))
    })

    it('an input that does not resolve fails with UNKNOWN_REVISION (exit 4) and makes no commit', async () => {
      b.write('model.bin', prng(1000, 'model v2'))
      await fails(b, ['commit', '-a', '-m', 'bad input', '--input', `${remote}@nosuchbranch`], 4, 'UNKNOWN_REVISION')
      assert.deepEqual((await jA(b, ['log'])).map((e: any) => e.id), [bId], 'HEAD unchanged')
      assert.equal((await jA(b, ['status'])).clean, false, 'the change is still there')
    })
  })

  // ---- 5. pins -----------------------------------------------------------------------------------
  describe('bl pin and --locked', SEQ, () => {
    let p: Sandbox // code repository with the data in data/
    let q: Sandbox // another clone that pushes
    let r: Sandbox // a clone left behind
    let data: string
    let remote: string
    let lockFile: string
    let lock1: string // bl.lock text pinning d1
    let d1: string
    let d1Files: Record<string, string>
    let q2: string

    before(async () => {
      p = sandbox()
      q = sandbox()
      r = sandbox()
      remote = path.join(tmp('bl-pin-remote-'), 'remote')
      data = path.join(p.dir, 'data')
      lockFile = path.join(p.dir, 'bl.lock')
      await gitInit(p.dir, {'train.py': 'print(1)\n'})
      fs.mkdirSync(data)
      const tp = trust(p, {cwd: data})
      tp.init()
      writeFile(path.join(data, 'labels.csv'), 'id,label\n1,cat\n')
      writeFile(path.join(data, 'images/img0.bin'), prng(200_000, 'img0'))
      writeFile(path.join(data, 'images/sub/img1.bin'), prng(5_000, 'img1'))
      d1 = await dataCommitIP(p, data, 'd1')
      d1Files = snapshot(data)
      await tp.remoteAdd('origin', remote)
    })

    it('bl pin before the commit is pushed fails with NOT_PUSHED (exit 5), writing nothing', async () => {
      await fails(p, ['pin'], 5, 'NOT_PUSHED', {cwd: data})
      assert.equal(fs.existsSync(lockFile), false)
    })

    it('after bl push, bl pin writes <code root>/bl.lock', async () => {
      await okA(p, ['push', '-q', '-u'], {cwd: data})
      const res = await jA(p, ['pin'], {cwd: data})
      assert.equal(res.file, lockFile)
      assert.equal(res.changed, true)
      lock1 = fs.readFileSync(lockFile, 'utf8')
      const l = lines(lock1).filter((x) => !x.startsWith('#'))
      assert.deepEqual(l, ['version 1', `remote ${remote}`, 'branch main', `commit ${d1}`, 'path data'])
      assert.equal(fs.existsSync(path.join(data, 'bl.lock')), false)
      // A clone that will fall behind.
      await trust(r).clone(remote, r.dir)
    })

    it('bl pin --check passes when the data matches, fails with PIN_MISMATCH (exit 1) on uncommitted edits', async () => {
      const ok = await jA(p, ['pin', '--check'], {cwd: data})
      assert.deepEqual([ok.ok, ok.head, ok.clean, ok.problems], [true, d1, true, []])
      assert.equal((await jA(p, ['pin', '--check', '--upstream'], {cwd: data})).remoteHead, d1)
      const labels = path.join(data, 'labels.csv')
      writeFile(labels, 'id,label\n1,dog\n')
      const err = await fails(p, ['pin', '--check'], 1, 'PIN_MISMATCH', {cwd: data})
      assert.ok(Array.isArray(err.data.problems) && err.data.problems.length === 1, JSON.stringify(err.data))
      assert.match(err.data.problems[0], /changes not in any commit/)
      writeFile(labels, 'id,label\n1,cat\n')
      await okA(p, ['pin', '--check', '-q'], {cwd: data})
    })

    it('bl pin --check --upstream fails once another clone pushed past the pin', async () => {
      await trust(q).clone(remote, q.dir)
      q.write('labels.csv', 'id,label\n1,cat\n2,dog\n')
      q2 = await commitAllIP(q, q.dir, 'q2')
      await trust(q).push()
      const err = await fails(p, ['pin', '--check', '--upstream'], 1, 'PIN_MISMATCH', {cwd: data})
      assert.equal(err.data.remoteHead, q2)
      assert.equal(err.data.problems.length, 1)
      assert.match(err.data.problems[0], /changed without a new pin/)
      // The data here is the pinned one: the hint is to update the pin, not to check it out again.
      assert.match(err.hint, /bl pull.*bl pin/)
      assert.doesNotMatch(err.hint, /checkout --locked/)
      // Without --upstream only the local data counts.
      await okA(p, ['pin', '--check', '-q'], {cwd: data})
    })

    it('bl clone --locked next to a copied bl.lock reproduces the pinned commit byte for byte', async () => {
      const ci = tmp('bl-ci-')
      fs.writeFileSync(path.join(ci, 'bl.lock'), lock1)
      const res = await jA(p, ['clone', '--locked'], {cwd: ci})
      assert.equal(res.dir, path.join(ci, 'data'))
      const cloned = path.join(ci, 'data')
      assert.deepEqual(snapshot(cloned), d1Files)
      assert.equal((await head(p, cloned)).id, d1, 'the pinned commit, not the remote tip')
      // The local branch starts at the pin and tracks the remote branch, which has moved on.
      const st = await jA(p, ['status'], {cwd: cloned})
      assert.deepEqual([st.branch, st.clean, st.upstream], ['main', true, {ref: 'origin/main', ahead: 0, behind: 1, gone: false}])
      // With a directory argument.
      const ci2 = tmp('bl-ci-')
      fs.writeFileSync(path.join(ci2, 'bl.lock'), lock1)
      await okA(p, ['clone', '-q', '--locked', path.join(ci2, 'elsewhere')], {cwd: ci2})
      assert.equal(fs.existsSync(path.join(ci2, 'data')), false)
      assert.deepEqual(snapshot(path.join(ci2, 'elsewhere')), d1Files)
      assert.equal((await head(p, path.join(ci2, 'elsewhere'))).id, d1)
    })

    it('a pinned commit the remote does not have: exit 4, no directory left behind', async () => {
      const ci = tmp('bl-ci-')
      const missing = `${'0'.repeat(60)}beef`
      fs.writeFileSync(path.join(ci, 'bl.lock'), lock1.replace(`commit ${d1}`, `commit ${missing}`))
      const r1 = await p.runAsync(withJson(['clone', '--locked']), {cwd: ci})
      assert.equal(r1.code, 4, r1.stdout + r1.stderr)
      assert.equal(r1.json().error.code, 'UNKNOWN_REVISION')
      assert.equal(fs.existsSync(path.join(ci, 'data')), false)
      assert.deepEqual(fs.readdirSync(ci), ['bl.lock'])
    })

    it('a malformed bl.lock fails with BAD_LOCK (exit 2) naming the line; none at all is LOCK_NOT_FOUND (exit 4)', async () => {
      const ci = tmp('bl-ci-')
      const bad = lock1.replace('branch main\n', 'branch main\ncolour blue\n')
      fs.writeFileSync(path.join(ci, 'bl.lock'), bad)
      const lineNo = lines(bad).indexOf('colour blue') + 1
      const err = await fails(p, ['clone', '--locked'], 2, 'BAD_LOCK', {cwd: ci})
      assert.match(err.message, new RegExp(`bl\\.lock:${lineNo}: unknown key "colour"`))
      assert.equal(err.data.line, lineNo)
      assert.equal(fs.existsSync(path.join(ci, 'data')), false)
      // A bad value names its own line too; a directory in the lock's place is a usage error.
      const v2 = lock1.replace(/^version 1$/m, 'version 2')
      fs.writeFileSync(path.join(ci, 'bl.lock'), v2)
      const e2 = await fails(p, ['clone', '--locked'], 2, 'BAD_LOCK', {cwd: ci})
      assert.equal(e2.data.line, lines(v2).indexOf('version 2') + 1)
      const dirLock = tmp('bl-ci-')
      fs.mkdirSync(path.join(dirLock, 'bl.lock'))
      await fails(p, ['clone', '--locked'], 2, 'INVALID_ARGUMENT', {cwd: dirLock})
      await fails(p, ['pin', '--check', '--lock-file', dirLock], 2, 'INVALID_ARGUMENT', {cwd: data})
      const empty = tmp('bl-ci-')
      await fails(p, ['clone', '--locked'], 4, 'LOCK_NOT_FOUND', {cwd: empty})
      assert.deepEqual(fs.readdirSync(empty), [])
    })

    it('bl pull --locked brings a clone that is behind to the pinned commit', async () => {
      // Re-pin in P at q2.
      await trust(p, {cwd: data}).pull({ffOnly: true})
      await okA(p, ['pin', '-q'], {cwd: data})
      assert.match(fs.readFileSync(lockFile, 'utf8'), new RegExp(`^commit ${q2}$`, 'm'))
      const res = await jA(r, ['pull', '--locked', '--lock-file', lockFile])
      assert.equal(res.commit, q2)
      assert.equal((await head(r, r.dir)).id, q2)
      assert.equal(r.read('labels.csv').toString(), 'id,label\n1,cat\n2,dog\n')
      // The branch did not move: HEAD is detached at the pinned commit.
      assert.equal(res.branch, null)
    })

    it('bl checkout --locked goes back to the pinned commit after bl pull went further', async () => {
      q.write('labels.csv', 'id,label\n1,cat\n2,dog\n3,bird\n')
      const q3 = await commitAllIP(q, q.dir, 'q3')
      await trust(q).push()
      await trust(r).checkout('main')
      assert.equal((await jA(r, ['pull', '--ff-only'])).merge.commit, q3)
      await okA(r, ['checkout', '-q', '--locked', '--lock-file', lockFile])
      assert.equal((await head(r, r.dir)).id, q2)
      assert.equal(r.read('labels.csv').toString(), 'id,label\n1,cat\n2,dog\n')
    })

    it('a new local commit: pin --check fails, and bl pin refuses it until pushed', async () => {
      writeFile(path.join(data, 'labels.csv'), 'id,label\n1,cat\n2,dog\n9,local\n')
      const d3 = await commitAllIP(p, data, 'local only')
      const err = await fails(p, ['pin', '--check'], 1, 'PIN_MISMATCH', {cwd: data})
      assert.equal(err.data.head, d3)
      assert.match(err.data.problems.join('\n'), new RegExp(`the data is at ${d3.slice(0, 12)}`))
      const np = await fails(p, ['pin'], 5, 'NOT_PUSHED', {cwd: data})
      assert.equal(np.data.commit, d3)
      assert.match(fs.readFileSync(lockFile, 'utf8'), new RegExp(`^commit ${q2}$`, 'm'), 'bl.lock unchanged')
    })
  })

  // ---- 5b. no Git repository: bl.lock in the data root ----------------------------------------
  describe('bl.lock in the data root (no Git repository around)', SEQ, () => {
    let s: Sandbox
    let id: string
    let lockText: string

    before(async () => {
      s = sandbox()
      const ts = trust(s)
      ts.init()
      s.write('rows.csv', 'a\n1\n')
      id = await dataCommitIP(s, s.dir, 'root data')
      await ts.remoteAdd('origin', path.join(tmp('bl-pin-root-'), 'remote'))
      await ts.push({setUpstream: true})
      const res = await jA(s, ['pin'])
      assert.equal(res.file, s.p('bl.lock'))
      lockText = fs.readFileSync(s.p('bl.lock'), 'utf8')
      assert.match(lockText, /^path \.$/m)
      assert.match(lockText, new RegExp(`^commit ${id}$`, 'm'))
    })

    it('bl pin --check passes right after bl pin (bl.lock itself is not a change to the data)', async () => {
      const r = await s.runAsync(withJson(['pin', '--check']))
      assert.equal(r.code, 0, r.stdout + r.stderr)
    })

    it('bl clone --locked next to a copied bl.lock (path .) clones into that directory', async () => {
      const ci = tmp('bl-ci-')
      fs.writeFileSync(path.join(ci, 'bl.lock'), lockText)
      const r = await s.runAsync(withJson(['clone', '--locked']), {cwd: ci})
      assert.equal(r.code, 0, r.stdout + r.stderr)
      assert.equal(fs.readFileSync(path.join(ci, 'rows.csv'), 'utf8'), 'a\n1\n')
      assert.equal((await head(s, ci)).id, id)
    })
  })

  // ---- 5c. signed pins ---------------------------------------------------------------------------
  describe('signed pins', SEQ, () => {
    let s: Sandbox
    let data: string
    let fpr: string
    let signed: string
    let lockText: string

    before(async () => {
      s = sandbox()
      data = path.join(s.dir, 'data')
      await gitInit(s.dir, {'run.sh': 'echo\n'})
      fs.mkdirSync(data)
      const ts = trust(s, {cwd: data})
      ts.init()
      const key = await ts.keyGenerate('Pin Signer', 'pin@example.com', {noPassphrase: true})
      fpr = key.fingerprint
      writeFile(path.join(data, 'set.csv'), 'a,b\n1,2\n')
      signed = await dataCommitIP(s, data, 'signed data', {sign: true})
      await ts.remoteAdd('origin', path.join(tmp('bl-pin-signed-'), 'remote'))
      await ts.push({setUpstream: true})
    })

    it('bl pin records signed-by <fingerprint>', async () => {
      assert.match(fpr, /^[0-9a-f]{40}$/)
      await okA(s, ['pin', '-q'], {cwd: data})
      lockText = fs.readFileSync(path.join(s.dir, 'bl.lock'), 'utf8')
      assert.match(lockText, new RegExp(`^commit ${signed}$`, 'm'))
      assert.match(lockText, new RegExp(`^signed-by ${fpr}$`, 'm'))
    })

    it('pin --check checks signed-by as --locked does (exit 10); a bl.lock found above that names another directory is PIN_MISMATCH', async () => {
      const file = path.join(s.dir, 'bl.lock')
      const good = fs.readFileSync(file, 'utf8')
      assert.equal((await jA(s, ['pin', '--check'], {cwd: data})).ok, true)
      const expectFail = async (text: string, args: string[], code: number, errCode: string): Promise<any> => {
        fs.writeFileSync(file, text)
        const r = await s.runAsync(withJson(args), {cwd: data})
        assert.equal(r.code, code, `bl ${args.join(' ')}: ${r.stdout}${r.stderr}`)
        assert.equal(r.json().error.code, errCode)
        return r.json().error
      }
      const otherSigner = good.replace(/^signed-by .*$/m, `signed-by ${'ab'.repeat(20)}`)
      for (const args of [['pin', '--check'], ['checkout', '--locked']]) await expectFail(otherSigner, args, 10, 'BAD_SIGNATURE')
      const elsewhere = good.replace(/^path data$/m, 'path elsewhere')
      const e = await expectFail(elsewhere, ['pin', '--check'], 1, 'PIN_MISMATCH')
      assert.match(e.data.problems[0], /not this repository/)
      await expectFail(elsewhere, ['checkout', '--locked'], 1, 'PIN_MISMATCH')
      fs.writeFileSync(file, good)
      assert.equal((await jA(s, ['pin', '--check'], {cwd: data})).ok, true)
    })

    it('clone --locked succeeds with the key, fails with exit 10 from a keyring without it', async () => {
      const ci = tmp('bl-ci-')
      fs.writeFileSync(path.join(ci, 'bl.lock'), lockText)
      const stranger = sandbox() // its own, empty BL_CONFIG_DIR: no keys
      const r1 = await stranger.runAsync(withJson(['clone', '--locked']), {cwd: ci})
      assert.equal(r1.code, 10, r1.stdout + r1.stderr)
      assert.equal(r1.json().error.code, 'UNKNOWN_SIGNING_KEY', r1.stdout)
      assert.equal(fs.existsSync(path.join(ci, 'data')), false, 'no directory left behind')
      await okA(s, ['clone', '-q', '--locked'], {cwd: ci})
      assert.equal((await head(s, path.join(ci, 'data'))).id, signed)
    })
  })
})
