/**
 * Git's everyday flags: `commit --amend` (with -F, --author, --date, --reset-author), `merge
 * --squash` / `--no-commit`, `status --porcelain[=v2]` / `-b` / `-z`, `reset --keep` / `--merge`.
 * Where practical the same small case runs through real `git` and the answers are compared.
 */
import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {makeTmp, repoWith, rmrf, Sandbox, withJson} from './helpers.ts'
import {repoWithIP} from './inproc.ts'
import {ops} from './inproc-history.ts'
import {remoteSetup} from './inproc-remote.ts'
import {trust} from './inproc-trust.ts'

const sandboxes: Sandbox[] = []
after(() => {
  for (const s of sandboxes) s.cleanup()
})
function repo(files: Record<string, string>, message = 'initial'): Sandbox {
  const s = repoWith(files, message)
  sandboxes.push(s)
  return s
}
/** `repo` with its commit made in-process. */
async function repoIP(files: Record<string, string>, message = 'initial'): Promise<Sandbox> {
  const s = await repoWithIP(files, message)
  sandboxes.push(s)
  return s
}

/** bl --json expected to fail with `exit` and `code`; returns the error. */
function refused(s: Sandbox, args: string[], exit: number, code: string, opts: Parameters<Sandbox['bl']>[1] = {}): any {
  const r = s.bl(withJson(args), opts)
  assert.equal(r.code, exit, `bl ${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`)
  const doc = r.json()
  assert.equal(doc.error.code, code, r.stdout)
  return doc.error
}

const gitAvailable = spawnSync('git', ['--version']).status === 0

/** A scratch Git repository with a fixed identity; `git(args)` runs git in it and returns stdout. */
function gitRepo(): {dir: string; git: (args: string[], input?: string) => string} {
  const dir = makeTmp('bl-gitflags-git-')
  after(() => rmrf(dir))
  const env = {...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_NOSYSTEM: '1', HOME: dir}
  const git = (args: string[], input?: string): string => {
    const r = spawnSync('git', args, {cwd: dir, env, input, encoding: 'utf8'})
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }
  git(['init', '-q', '-b', 'main'])
  return {dir, git}
}

/**
 * The same steps in a bl repository and a git one, for comparing what each leaves behind. `both`
 * runs `bl <args> -q` and `git <args>`; `setUp` runs the in-process counterpart of `bl <args> -q`
 * (a step no test asserts) and the same `git <args>` as `both` does.
 */
function twin(): {s: Sandbox; g: ReturnType<typeof gitRepo>; write: (p: string, data: string) => void; both: (args: string[]) => {bl: number | null; git: number | null}; setUp: (bl: () => Promise<unknown>, args: string[]) => Promise<void>} {
  const s = repo({})
  const g = gitRepo()
  const write = (p: string, data: string): void => {
    s.write(p, data)
    fs.mkdirSync(path.dirname(path.join(g.dir, p)), {recursive: true})
    fs.writeFileSync(path.join(g.dir, p), data)
  }
  const git = (args: string[]): number | null => spawnSync('git', args, {cwd: g.dir, env: {...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com', HOME: g.dir}}).status
  const both = (args: string[]): {bl: number | null; git: number | null} => ({bl: s.bl([...args, '-q']).code, git: git(args)})
  const setUp = async (bl: () => Promise<unknown>, args: string[]): Promise<void> => {
    await bl()
    assert.equal(git(args), 0, `git ${args.join(' ')}`)
  }
  return {s, g, write, both, setUp}
}

// One suite whose parts run side by side: most of the time is bl's start-up, on two cores.
describe('git flags', {concurrency: true}, () => {
  describe('commit --amend', {concurrency: true}, () => {
    it('replaces the tip: same parents, message and author kept unless given, new committer, reflog, -F, --date, --author, --reset-author, detached HEAD', async () => {
      const s = await repoIP({'a.csv': '1\n'}, 'first')
      const rootId = await ops(s).rev('HEAD')
      // A root commit is amended into another root commit.
      const r0 = s.j(['commit', '--amend', '-m', 'root'])
      assert.deepEqual([r0.parents, r0.amended, r0.root, r0.message], [[], rootId, true, 'root\n'])

      s.write('a.csv', '2\n')
      const c2 = s.j(['commit', '-a', '-m', 'two', '--author', 'Ada Lovelace <ada@example.com>', '--date', '2020-01-02T03:04:05+02:00'])
      s.write('a.csv', '3\n')
      s.write('msg.txt', 'from a file\n\nbody\n')
      // -a with --amend, the message from a file, committed by someone else: the author stays.
      const c3 = s.j(['commit', '--amend', '-a', '-F', 'msg.txt'], {env: {BL_AUTHOR_NAME: 'Other', BL_AUTHOR_EMAIL: 'o@example.com'}})
      assert.deepEqual([c3.parents, c3.amended, c3.message], [[r0.id], c2.id, 'from a file\n\nbody\n'])
      const [log] = s.j(['log', '-n', '1'])
      assert.deepEqual(log.author, {name: 'Ada Lovelace', email: 'ada@example.com', time: 1577927045, tz: 120})
      assert.equal(log.committer.name, 'Other')
      const reflog = s.j(['reflog'])
      assert.equal(reflog[0].message, 'commit (amend): from a file')
      assert.equal(reflog[0].old, c2.id)

      // No new message: the old one is kept (--no-edit is accepted); -F - reads stdin; --reset-author renews the author.
      const c4 = s.j(['commit', '--amend', '--no-edit', '--reset-author'], {env: {BL_AUTHOR_NAME: 'Other', BL_AUTHOR_EMAIL: 'o@example.com', BL_AUTHOR_DATE: '1700000000 +0000'}})
      assert.equal(c4.message, 'from a file\n\nbody\n')
      const [log4] = s.j(['log', '-n', '1'])
      assert.deepEqual(log4.author, {name: 'Other', email: 'o@example.com', time: 1700000000, tz: 0})
      assert.equal(s.j(['commit', '--amend', '-F', '-'], {input: 'from stdin\n'}).message, 'from stdin\n')

      // Amending to the parent's tree would make the commit empty: refused as in Git, unless --allow-empty.
      s.write('a.csv', '1\n')
      refused(s, ['commit', '--amend', '-a', '--no-edit'], 1, 'NOTHING_TO_COMMIT')
      const empty = s.j(['commit', '--amend', '-a', '--no-edit', '--allow-empty'])
      assert.equal(empty.tree, r0.tree)

      // Misuse.
      refused(s, ['commit', '--reset-author', '-m', 'x', '--allow-empty'], 2, 'INVALID_ARGUMENT')
      refused(s, ['commit', '--allow-empty'], 2, 'INVALID_ARGUMENT')
      refused(s, ['commit', '--amend', '--author', 'nobody', '--no-edit'], 2, 'INVALID_ARGUMENT')
      refused(s, ['commit', '--amend', '-F', 'missing.txt'], 4, 'PATH_NOT_FOUND')

      // On a detached HEAD the amended commit becomes HEAD; the branch stays.
      await ops(s).switchDetach('HEAD')
      const d = s.j(['commit', '--amend', '--allow-empty', '-m', 'detached'])
      assert.deepEqual([d.branch, d.amended], [null, empty.id])
      assert.equal(s.j(['log', '-n', '1', 'main'])[0].id, empty.id, 'the branch stays')
    })

    it('is refused on an unborn branch', () => {
      const s = repo({})
      refused(s, ['commit', '--amend', '-m', 'x'], 4, 'UNKNOWN_REVISION')
    })

    it('goes through branch protection and signs like any commit', async () => {
      const s = await repoIP({'base.csv': 'a\n'}, 'DATA-1 base')
      const b = ops(s)
      // The key, the rule and its signer are set-up (inproc-trust.ts): the amend is what is checked.
      const t = trust(s)
      const owner = (await t.keyGenerate('Owner', 'owner@example.com', {noPassphrase: true})).fingerprint
      b.config('user.signingKey', owner)
      await t.protectSet('main', {requireSigned: true, messagePattern: '^DATA-[0-9]+ '})
      await t.signersAdd(owner, {branches: ['main']})
      const tip = await b.rev('HEAD')
      // Unsigned: refused at once; signed but off the message pattern: refused; nothing moves.
      assert.deepEqual(refused(s, ['commit', '--amend', '-m', 'DATA-2 unsigned'], 11, 'PROTECTED_BRANCH').data.violations.map((v: any) => v.check), ['require-signed'])
      assert.deepEqual(refused(s, ['commit', '--amend', '-S', '-m', 'no ticket'], 11, 'PROTECTED_BRANCH').data.violations.map((v: any) => v.check), ['message-pattern'])
      assert.equal(s.j(['log', '-n', '1'])[0].id, tip)
      // commit.sign signs the amended commit; verify-commit accepts it.
      b.config('commit.sign', 'true')
      const c = s.j(['commit', '--amend', '-m', 'DATA-2 signed'])
      assert.equal(c.signedBy, owner)
      assert.equal(s.j(['verify-commit', 'HEAD']).status, 'good')
    })
  })

  describe('merge --squash and --no-commit', {concurrency: true}, () => {
    it('--squash stages the result with no merge state; --no-commit stops before the merge commit that `bl commit` makes; --abort undoes it', async () => {
      const s = await repoIP({'a.csv': '1\n', 'b.csv': '1\n'}, 'base')
      const b = ops(s)
      await b.branch('f')
      s.write('a.csv', '2\n')
      const main = await b.commitA('ours')
      await b.switch('f')
      s.write('b.csv', '2\n')
      s.write('c.csv', 'new\n')
      const f = await b.commitAll('theirs')
      await b.switch('main')

      // --squash: HEAD stays, the result is staged, nothing is in progress; the commit has one parent.
      const sq = s.bl(['merge', '--squash', 'f'])
      assert.equal(sq.code, 0, sq.stderr)
      assert.match(sq.stdout, /^Squash commit -- not updating HEAD/)
      let st = s.j(['status'])
      assert.deepEqual([st.head, st.operation, st.staged.map((e: any) => `${e.status} ${e.path}`)], [main, null, ['M b.csv', 'A c.csv']])
      const c = s.j(['commit', '-m', 'squashed'])
      assert.deepEqual(c.parents, [main])
      await b.reset('hard', 'HEAD~1')

      // --no-commit: stopped like a merge with its conflicts resolved; amend and partial commits are refused.
      assert.equal(s.j(['merge', '--no-commit', 'f']).status, 'stopped')
      st = s.j(['status'])
      assert.deepEqual([st.head, st.operation.kind, st.conflicts], [main, 'merge', []])
      refused(s, ['commit', '--amend', '--no-edit'], 5, 'OPERATION_IN_PROGRESS')
      refused(s, ['commit', '-m', 'part', 'b.csv'], 5, 'OPERATION_IN_PROGRESS')
      s.ok(['merge', '--abort', '-q'])
      st = s.j(['status'])
      assert.deepEqual([st.head, st.operation, st.clean, s.read('b.csv').toString()], [main, null, true, '1\n'])
      s.ok(['merge', '--no-commit', '-q', 'f'])
      const m = s.j(['commit'])
      assert.deepEqual([m.parents, m.message], [[main, f], "Merge branch 'f'\n"])
      assert.equal(s.j(['reflog'])[0].message, "commit (merge): Merge branch 'f'")
      assert.equal(s.j(['status']).operation, null)

      // --squash that conflicts stops like a merge; once resolved, `bl commit` makes a one-parent commit.
      await b.switch('f')
      s.write('a.csv', '9\n')
      await b.commitA('theirs again')
      await b.switch('main')
      const r = s.bl(withJson(['merge', '--squash', 'f']))
      assert.equal(r.code, 3, r.stdout)
      refused(s, ['commit', '-m', 'too early'], 5, 'OPERATION_IN_PROGRESS')
      await b.checkoutSide('theirs', 'a.csv')
      const c2 = s.j(['commit', '-m', 'squashed again'])
      assert.deepEqual(c2.parents, [m.id])
      assert.equal(s.read('a.csv').toString(), '9\n')
      refused(s, ['merge', '--squash', '--no-ff', 'f'], 2, 'INVALID_ARGUMENT')
    })
  })

  describe('merge --squash message (Git\'s SQUASH_MSG)', {concurrency: true}, () => {
    it('after a clean --squash, `bl commit` without -m takes the squash message; a reset drops it and it never names a later commit', async () => {
      const s = await repoIP({'a.csv': '1\n'}, 'base')
      const b = ops(s)
      await b.switchNew('f')
      s.write('b.csv', 'b\n')
      const f1 = await b.commitAll('add b')
      s.write('c.csv', 'c\n')
      const f2 = await b.commitAll('add c')
      await b.switch('main')
      const main = await b.rev('HEAD')
      assert.match(s.ok(['merge', '--squash', 'f']).stdout, /`bl commit` without -m uses the squash message/)
      const c = s.j(['commit'])
      assert.deepEqual(c.parents, [main])
      assert.match(c.message, new RegExp(`^Squashed commit of the following:\\n\\ncommit ${f2}\\n[^]*    add c\\n\\ncommit ${f1}\\n[^]*    add b\\n$`))
      // Used once: the next commit needs a message of its own again.
      s.write('a.csv', '2\n')
      refused(s, ['commit', '-a'], 2, 'INVALID_ARGUMENT')
      // A reset after the squash drops what it staged, and its message with it.
      await b.reset('hard', main)
      s.ok(['merge', '--squash', '-q', 'f'])
      await b.reset('hard')
      s.write('a.csv', '3\n')
      refused(s, ['commit', '-a'], 2, 'INVALID_ARGUMENT')
      // HEAD moved by other means (here a switch carrying the staged result): the message is stale, never used.
      await b.restore('a.csv')
      s.ok(['merge', '--squash', '-q', 'f'])
      await b.switchDetach(f2)
      refused(s, ['commit', '-a', '--allow-empty'], 2, 'INVALID_ARGUMENT')
    })
  })

  describe('status --porcelain, -b, -z', {concurrency: true}, () => {
    it('prints what git status --porcelain prints, from any directory, quoted as Git quotes; -z as git -z', {skip: !gitAvailable}, async () => {
      const {s, g, write, setUp} = twin()
      const b = ops(s)
      for (const f of ['keep.csv', 'staged.csv', 'unstaged.csv', 'both.csv', 'del.csv', 'gone.csv', 'old.csv', 'a b.csv', 'é.csv']) write(f, `${f}\n`)
      await setUp(() => b.addAll(), ['add', '-A'])
      await setUp(() => b.commit('one'), ['commit', '-m', 'one'])
      for (const f of ['staged.csv', 'both.csv', 'é.csv']) write(f, 'staged\n')
      await setUp(() => b.add('staged.csv', 'both.csv', 'é.csv'), ['add', 'staged.csv', 'both.csv', 'é.csv'])
      for (const f of ['unstaged.csv', 'both.csv', 'a b.csv']) write(f, 'unstaged\n')
      await setUp(() => b.rm(['del.csv']), ['rm', 'del.csv'])
      fs.rmSync(s.p('gone.csv'))
      fs.rmSync(path.join(g.dir, 'gone.csv'))
      await setUp(() => b.mv('old.csv', 'new.csv'), ['mv', 'old.csv', 'new.csv'])
      for (const f of ['q"x.csv', 'sp ace.csv', 'dir/inner.csv', 'tab\there.csv']) write(f, 'untracked\n')
      const want = g.git(['status', '--porcelain'])
      assert.match(want, /^R {2}old\.csv -> new\.csv$/m, 'the case has a staged rename')
      const sub = s.p('dir')
      // Piped stdin (a `while read` loop around it) is no pathspec: oclif would read a missing argument from it.
      const out = s.ok(['status', '--porcelain'], {cwd: sub, env: {BL_COLOR: 'always'}, input: 'keep.csv\n'})
      assert.equal(out.stdout, want)
      const z = s.ok(['status', '-z'])
      assert.equal(z.stdout, g.git(['status', '-z']))
      assert.equal(s.ok(['status', '--porcelain', '-b']).stdout, g.git(['status', '--porcelain', '-b']))
      assert.match(s.ok(['status', '--porcelain=v1', '-z', '-b']).stdout, /^## main\0/)
      // v2: the same lines once ids (Git's 40 digits, bl's 64) are masked.
      const ids = (t: string): string => t.replace(/\b([0-9a-f]{40}|[0-9a-f]{64})\b/g, '<id>')
      assert.equal(ids(s.ok(['status', '--porcelain=v2', '--branch']).stdout), ids(g.git(['status', '--porcelain=v2', '--branch'])))
      // --short stays relative to the current directory.
      assert.match(s.ok(['status', '--short'], {cwd: sub}).stdout, /^\?\? \.\/$/m)
    })

    it('-b shows the upstream, ahead and behind, a detached HEAD and an unborn branch as Git does', async () => {
      const s = await repoIP({'a.csv': '1\n'})
      const b = ops(s)
      const remote = path.join(s.base, 'remote')
      await b.remoteAdd('origin', remote)
      await remoteSetup(s).push('-q', '-u', 'origin', 'main')
      await b.commitMsg('ahead', {allowEmpty: true})
      assert.equal(s.ok(['status', '--porcelain', '-b']).stdout, '## main...origin/main [ahead 1]\n')
      assert.equal(s.ok(['status', '-sb']).stdout, '## main...origin/main [ahead 1]\n')
      await b.switchDetach('HEAD')
      assert.equal(s.ok(['status', '--porcelain', '--branch']).stdout, '## HEAD (no branch)\n')
      const u = repo({})
      assert.equal(u.ok(['status', '--porcelain', '-b']).stdout, '## No commits yet on main\n')
      assert.equal(u.ok(['status', '--porcelain']).stdout, '', 'a clean tree prints nothing')
    })
  })

  describe('reset --keep and --merge', {concurrency: true}, () => {
    it('leave what git leaves, refuse what git refuses, and --merge aborts a merge keeping unrelated edits', {skip: !gitAvailable}, async () => {
      const {s, g, write, both, setUp} = twin()
      const b = ops(s)
      const porcelain = (): void => assert.equal(s.ok(['status', '--porcelain']).stdout, g.git(['status', '--porcelain']))
      for (const f of ['a', 'b', 'c']) write(`${f}.csv`, '1\n')
      await setUp(() => b.addAll(), ['add', '-A'])
      await setUp(() => b.commit('one'), ['commit', '-m', 'one'])
      await setUp(() => b.tag('one'), ['tag', 'one'])
      write('a.csv', '2\n')
      await setUp(() => b.commitA('two'), ['commit', '-a', '-m', 'two'])
      await setUp(() => b.tag('two'), ['tag', 'two'])

      // --keep: a staged change to a path the reset does not move becomes unstaged; work tree kept.
      write('b.csv', 'staged\n')
      await setUp(() => b.add('b.csv'), ['add', 'b.csv'])
      write('c.csv', 'local\n')
      assert.deepEqual(both(['reset', '--keep', 'one']), {bl: 0, git: 0})
      porcelain()
      assert.equal(s.read('a.csv').toString(), '1\n')
      // A local change to a path that differs between HEAD and the target refuses, touching nothing.
      write('a.csv', 'local\n')
      const kept = refused(s, ['reset', '--keep', 'two'], 5, 'LOCAL_CHANGES')
      assert.deepEqual(kept.data.paths, ['a.csv'])
      assert.notEqual(both(['reset', '--keep', 'two']).git, 0)
      // --merge: an unstaged change to a path it must rewrite refuses too.
      assert.equal(refused(s, ['reset', '--merge', 'two'], 5, 'LOCAL_CHANGES').data.paths[0], 'a.csv')
      assert.notEqual(both(['reset', '--merge', 'two']).git, 0)
      porcelain()
      assert.equal(s.j(['log', '-n', '1']).at(0).message, 'one\n')

      // --merge aborts a merge stopped by --no-commit: its staged result goes, the unrelated edit (c) stays.
      await setUp(() => b.reset('hard'), ['reset', '--hard'])
      await setUp(() => b.switchNew('f'), ['switch', '-c', 'f'])
      write('b.csv', 'theirs\n')
      await setUp(() => b.commitA('theirs'), ['commit', '-a', '-m', 'theirs'])
      await setUp(() => b.switch('main'), ['switch', 'main'])
      write('c.csv', 'local\n')
      assert.deepEqual(both(['merge', '--no-commit', '--no-ff', 'f']), {bl: 0, git: 0})
      porcelain()
      assert.deepEqual(both(['reset', '--merge']), {bl: 0, git: 0})
      porcelain()
      assert.equal(s.j(['status']).operation, null)
      assert.equal(s.read('c.csv').toString(), 'local\n')

      // Unlike git, staged content found nowhere else is refused rather than dropped.
      write('b.csv', 'only here\n')
      await b.add('b.csv')
      assert.deepEqual(refused(s, ['reset', '--merge', 'one'], 5, 'LOCAL_CHANGES').data.paths, ['b.csv'])
      assert.equal(s.read('b.csv').toString(), 'only here\n')
    })
  })

  describe('add -u, status --ignored, switch -C, checkout -B', () => {
    it('add -u stages changes and deletions of tracked files only, as git add -u (whole tree, or under a path)', async () => {
      const {s, g, write, both, setUp} = twin()
      const b = ops(s)
      for (const f of ['a.csv', 'b.csv', 'd/c.csv', 'd/e.csv', 'keep.csv']) write(f, `${f}\n`)
      await setUp(() => b.addAll(), ['add', '-A'])
      await setUp(() => b.commit('one'), ['commit', '-m', 'one'])
      for (const f of ['a.csv', 'd/c.csv']) write(f, 'changed\n')
      for (const f of ['b.csv', 'd/e.csv']) {
        fs.rmSync(s.p(f))
        fs.rmSync(path.join(g.dir, f))
      }
      write('new.csv', 'new\n')
      write('d/new.csv', 'new\n')
      // -n lists the real changes only: a file only touched (its stat new, its content not) is hashed, not listed.
      const later = new Date(Date.now() + 5000)
      fs.utimesSync(s.p('keep.csv'), later, later)
      assert.equal(s.ok(['add', '-n', '-u']).stdout, 'update a.csv\nupdate d/c.csv\nremove b.csv\nremove d/e.csv\n')
      assert.deepEqual(both(['add', '-u', 'd']), {bl: 0, git: 0})
      assert.equal(s.ok(['status', '--porcelain']).stdout, g.git(['status', '--porcelain']))
      assert.deepEqual(both(['add', '-u']), {bl: 0, git: 0})
      const want = g.git(['status', '--porcelain'])
      assert.match(want, /^\?\? new\.csv$/m, 'new files stay untracked')
      assert.equal(s.ok(['status', '--porcelain']).stdout, want)
      assert.equal(refused(s, ['add', '-u', '-A'], 2, 'INVALID_ARGUMENT').code, 'INVALID_ARGUMENT')
    })

    it('status --ignored lists ignored files as git status --ignored does (short, porcelain v1 and v2, -uall)', async () => {
      const {s, g, write, setUp} = twin()
      const b = ops(s)
      write('tracked.csv', 't\n')
      write('tracked/x.tmp', 'tracked, though its name is ignored\n')
      await setUp(() => b.addAll(), ['add', '-A'])
      const rules = '*.tmp\nbuild/\nlogs/*.log\n!keep.tmp\n'
      s.write('.blignore', rules)
      fs.writeFileSync(path.join(g.dir, '.gitignore'), rules)
      await setUp(() => b.add('.blignore'), ['add', '.gitignore'])
      await setUp(() => b.commit('one'), ['commit', '-m', 'one'])
      for (const f of ['a.tmp', 'keep.tmp', 'build/out/o.bin', 'build/p.bin', 'logs/a.log', 'logs/b.log', 'mixed/m.tmp', 'mixed/n.txt', 'tracked/y.tmp', 'new.csv']) write(f, 'x\n')
      for (const args of [['--porcelain', '--ignored'], ['--porcelain', '--ignored', '-uall'], ['--short', '--ignored', 'build', 'mixed']]) {
        const want = g.git(['status', ...args])
        assert.match(want, /^!! /m)
        assert.equal(s.ok(['status', ...args]).stdout, want, `status ${args.join(' ')}`)
      }
      const ids = (t: string): string => t.replace(/\b([0-9a-f]{40}|[0-9a-f]{64})\b/g, '<id>')
      assert.equal(ids(s.ok(['status', '--porcelain=v2', '--ignored']).stdout), ids(g.git(['status', '--porcelain=v2', '--ignored'])))
      assert.deepEqual(s.j(['status', '--ignored']).ignored, ['a.tmp', 'build/', 'logs/', 'mixed/m.tmp', 'tracked/y.tmp'])
      assert.equal(s.j(['status']).ignored, undefined, 'only when asked')
    })

    it('switch -C and checkout -B reset an existing branch to the start point (with a reflog entry); -c still refuses it', async () => {
      const s = await repoIP({'a.txt': '1\n'}, 'one')
      const b = ops(s)
      const one = await b.rev()
      s.write('a.txt', '2\n')
      const two = await b.commitA('two')
      await b.checkout('main')
      assert.equal(refused(s, ['switch', '-c', 'main', one], 5, 'REF_EXISTS').code, 'REF_EXISTS')
      const sw = s.j(['switch', '-C', 'scratch', one])
      assert.deepEqual([sw.branch, sw.created, sw.reset], ['scratch', true, undefined])
      const again = s.j(['switch', '-C', 'scratch', two])
      assert.deepEqual([again.commit, again.created, again.reset], [two, false, one])
      assert.equal(s.read('a.txt').toString(), '2\n')
      assert.match(s.j(['reflog', 'scratch'])[0].message, /^branch: Reset to /)
      assert.match(s.ok(['switch', '-C', 'scratch', two]).stdout, /^Reset branch 'scratch'$/m, 'on the branch itself, in Git\'s words')
      const co = s.j(['checkout', '-B', 'scratch', one])
      assert.deepEqual([co.branch, co.commit, co.reset], ['scratch', one, two])
      assert.equal(s.read('a.txt').toString(), '1\n')
    })
  })
})
