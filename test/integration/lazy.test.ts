/**
 * Lazy clones and a thin local store, through the real binary against a directory remote and the
 * S3-compatible test server: `clone --no-checkout` / `--include` / `--filter=blob:none` fetch history
 * only; `checkout -- <glob>` and `pull --include` fetch just the contents they need; `gc --evict`
 * drops content a remote holds (least recently used first) and it comes back transparently.
 */
import {describe, it} from 'node:test'
import {spawnSync} from 'node:child_process'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import {commitFiles, jA, okA, prng, Sandbox, withJson, initRepo} from './helpers.ts'
// Set-up commits in the source repository are made in this process (the core operations of `bl add -A` +
// `bl commit`); a commit in a thin or sparse clone (what these tests are about) runs as `bl`.
import {commitFiles as commitInProcess, setup} from './inproc.ts'
// So are its set-up remotes, pushes, branches and evictions, and a clone that only serves as a
// source (inproc-remote.ts); the clones, pulls, gc runs and pushes a test is about run as `bl`.
import {cloneInProcess, remoteSetup} from './inproc-remote.ts'
import {useRemoteTargets, type Target} from '../support/remote-targets.ts'

const targets = useRemoteTargets('bl-lazy-remote-')
const dirTarget = targets.dir
const s3Target = targets.s3

async function cloneOf(t: Target, url: string[], flags: string[]): Promise<Sandbox> {
  const s = new Sandbox(t.env())
  await okA(s, ['clone', '-q', url[0]!, s.dir, ...url.slice(1), ...flags], {cwd: s.base})
  return s
}

/** Work-tree files (repo paths), .bl excluded. */
function worktreeFiles(s: Sandbox): string[] {
  return (fs.readdirSync(s.dir, {recursive: true, withFileTypes: true}) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(s.dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .filter((p) => !p.startsWith('.bl/'))
    .sort()
}

/** Below the minimum chunk size: one chunk per file, so chunk counts are exact. */
const SIZE = 60_000
const v1: Record<string, Buffer> = {
  'images/a/1.bin': prng(SIZE, 'a1'),
  'images/a/2.bin': prng(SIZE, 'a2'),
  'images/a/3.bin': prng(SIZE, 'a3'),
  'images/b/1.bin': prng(SIZE, 'b1'),
  'images/b/2.bin': prng(SIZE, 'b2'),
  'readme.txt': Buffer.from('a dataset\n'),
}

for (const t of [dirTarget, s3Target]) {
  describe(`lazy clone and thin store over ${t.name}`, () => {
    it('--no-checkout fetches history only; checkout -- <glob> and pull --include bring just what they need', async () => {
      const a = new Sandbox(t.env())
      initRepo(a)
      await commitInProcess(a, v1, 'v1')
      const url = t.url('lazy-1')
      await remoteSetup(a).remoteAdd('origin', ...url)
      await remoteSetup(a).push('-q', '-u')

      const b = await cloneOf(t, url, ['--no-checkout'])
      assert.deepEqual(worktreeFiles(b), [], 'nothing is checked out')
      const st = await jA(b, ['status'])
      assert.equal(st.clean, true, 'files not checked out are not deletions')
      let fsck = await jA(b, ['fsck'])
      assert.equal(fsck.ok, true)
      assert.equal(fsck.chunks, 0, 'no file content was downloaded')
      assert.ok(fsck.promised >= 6, `content is promised by the remote (${fsck.promised})`)

      await okA(b, ['checkout', '--', 'images/a/*.bin'])
      assert.deepEqual(worktreeFiles(b), ['images/a/1.bin', 'images/a/2.bin', 'images/a/3.bin'])
      for (const p of ['images/a/1.bin', 'images/a/2.bin', 'images/a/3.bin']) assert.deepEqual(b.read(p), v1[p])
      fsck = await jA(b, ['fsck'])
      assert.equal(fsck.ok, true)
      assert.equal(fsck.chunks, 3, 'only the requested files\' content is local')
      assert.equal((await jA(b, ['status'])).clean, true)

      // Upstream changes one included and one excluded file, and adds a directory.
      const a2 = prng(SIZE, 'a2-v2')
      const b1 = prng(SIZE, 'b1-v2')
      await commitInProcess(a, {'images/a/2.bin': a2, 'images/b/1.bin': b1, 'images/c/new.bin': prng(SIZE, 'c')}, 'v2')
      await remoteSetup(a).push('-q')
      const pulled = await jA(b, ['pull', '--include', 'images/b'])
      assert.ok(pulled.fetch.bytes < 50_000, `pull fetched history only (${pulled.fetch.bytes} bytes)`)
      assert.equal(pulled.materialized, 1, 'images/b/2.bin was brought in (b/1.bin came with the merge)')
      assert.deepEqual(worktreeFiles(b), ['images/a/1.bin', 'images/a/2.bin', 'images/a/3.bin', 'images/b/1.bin', 'images/b/2.bin'])
      assert.deepEqual(b.read('images/a/2.bin'), a2)
      assert.deepEqual(b.read('images/b/1.bin'), b1)
      assert.equal((await jA(b, ['fsck'])).chunks, 6, 'a/1-3, a/2 v2, b/1 v2, b/2: the old b/1, images/c and readme.txt were never downloaded')

      // A commit from the sparse tree keeps the files it never checked out.
      await commitFiles(b, {'images/a/4.bin': prng(1000, 'a4')}, 'from sparse')
      await okA(b, ['push', '-q'])
      await okA(a, ['pull', '-q', '--ff-only'])
      assert.equal(a.read('readme.txt').toString(), 'a dataset\n')
      assert.deepEqual(a.read('images/c/new.bin'), prng(SIZE, 'c'))
      assert.deepEqual(a.read('images/a/4.bin'), prng(1000, 'a4'))

      // --include on a complete work tree is a usage error with a hint.
      const r = await a.runAsync(withJson(['pull', '--include', 'images']))
      assert.equal(r.code, 2, r.stdout + r.stderr)
      assert.equal(r.json().error.code, 'INVALID_ARGUMENT')
      a.cleanup()
      b.cleanup()
    })

    it('gc --evict drops content the remote holds; it comes back on demand, byte-identical', async () => {
      const a = new Sandbox(t.env())
      initRepo(a)
      await commitInProcess(a, v1, 'v1')
      const url = t.url('lazy-2')
      await remoteSetup(a).remoteAdd('origin', ...url)
      // Nothing is on the remote yet: nothing may be evicted.
      const none = await jA(a, ['gc', '--evict'])
      assert.equal(none.evict.evictedChunks, 0)
      assert.ok(none.evict.unpushedBytes >= 5 * SIZE)
      await remoteSetup(a).push('-q', '-u')
      const ev = await jA(a, ['gc', '--evict'])
      assert.equal(ev.evict.evictedChunks, 6)
      assert.ok(ev.evict.sizeAfter < ev.evict.sizeBefore - 4 * SIZE, `the store shrank (${ev.evict.sizeBefore} -> ${ev.evict.sizeAfter})`)
      const fsck = await jA(a, ['fsck'])
      assert.equal(fsck.ok, true)
      assert.equal(fsck.chunks, 0)
      assert.equal((await jA(a, ['status'])).clean, true, 'the work tree is untouched')
      // show, restore and a switch to an older commit fetch what they need.
      assert.deepEqual((await okA(a, ['show', 'HEAD:images/b/2.bin'])).stdoutBuf, v1['images/b/2.bin'])
      fs.rmSync(path.join(a.dir, 'images/a/3.bin'))
      await okA(a, ['checkout', '--', 'images/a/3.bin'])
      assert.deepEqual(a.read('images/a/3.bin'), v1['images/a/3.bin'])
      await commitInProcess(a, {'images/a/1.bin': prng(SIZE, 'a1-v2')}, 'v2')
      await okA(a, ['gc', '--evict', '-q'])
      await okA(a, ['switch', '-q', '--detach', 'HEAD~1'])
      assert.deepEqual(a.read('images/a/1.bin'), v1['images/a/1.bin'])
      // The unpushed v2 content was kept: evicting never loses data.
      await okA(a, ['switch', '-q', 'main'])
      assert.deepEqual(a.read('images/a/1.bin'), prng(SIZE, 'a1-v2'))
      assert.equal((await jA(a, ['fsck'])).ok, true)
      // The remote holds content this repository no longer stores: removing it is refused.
      const rm = await a.runAsync(withJson(['remote', 'remove', 'origin']))
      assert.equal(rm.code, 5, rm.stdout + rm.stderr)
      assert.equal(rm.json().error.code, 'LOCAL_CHANGES')
      assert.ok(rm.json().error.data.chunks > 0)
      assert.equal((await jA(a, ['remote', 'list'])).length, 1)
      a.cleanup()
    })

    it('--filter=blob:none checks out the current files only; older versions come on demand', async () => {
      const a = new Sandbox(t.env())
      initRepo(a)
      await commitInProcess(a, v1, 'v1')
      const newer = prng(SIZE, 'a1-newer')
      await commitInProcess(a, {'images/a/1.bin': newer}, 'v2')
      const url = t.url('lazy-3')
      await remoteSetup(a).remoteAdd('origin', ...url)
      await remoteSetup(a).push('-q', '-u')
      const c = await cloneOf(t, url, ['--filter=blob:none'])
      assert.deepEqual(worktreeFiles(c), Object.keys(v1).sort())
      assert.deepEqual(c.read('images/a/1.bin'), newer)
      const fsck = await jA(c, ['fsck'])
      assert.equal(fsck.ok, true)
      assert.equal(fsck.chunks, 6, 'the v1 version of images/a/1.bin was not downloaded')
      assert.equal(fsck.promised, 1)
      // bl archive fetches the content it needs, as checkout does, and verifies it on the way.
      const tar = path.join(c.base, 'v1.tar')
      assert.equal((await jA(c, ['archive', '-o', tar, 'HEAD~1', 'images/a'])).entries, 5)
      assert.deepEqual(spawnSync('tar', ['-xOf', tar, 'images/a/1.bin']).stdout, v1['images/a/1.bin'])
      // Log and diff of history work without content.
      assert.equal((await jA(c, ['log'])).length, 2)
      assert.equal((await jA(c, ['diff', 'HEAD~1', 'HEAD'])).changes.length, 1)
      await okA(c, ['checkout', '-q', 'HEAD~1', '--', 'images/a/1.bin'])
      assert.deepEqual(c.read('images/a/1.bin'), v1['images/a/1.bin'])
      a.cleanup()
      c.cleanup()
    })
  })
}

describe('thin store details (directory remote)', () => {
  it('gc --evict --max-size keeps the most recently used content; a push to another remote fetches what it lacks', async () => {
    const a = new Sandbox()
    initRepo(a)
    const files = {'d/1.bin': prng(100_000, 'm1'), 'd/2.bin': prng(100_000, 'm2'), 'd/3.bin': prng(100_000, 'm3'), 'd/4.bin': prng(100_000, 'm4')}
    await commitInProcess(a, files, 'four files')
    const url = dirTarget.url('lazy-lru')
    await remoteSetup(a).remoteAdd('origin', ...url)
    await remoteSetup(a).push('-q', '-u')
    // Use d/2.bin last: it is the one to keep.
    await okA(a, ['show', 'HEAD:d/3.bin'])
    await new Promise((r) => setTimeout(r, 20))
    await okA(a, ['show', 'HEAD:d/2.bin'])
    const ev = await jA(a, ['gc', '--evict', '--max-size', '150K'])
    assert.equal(ev.evict.evictedChunks, 3)
    assert.equal(ev.evict.contentBytes, 100_000)
    // With the remote gone, only the kept file can still be read.
    const remoteDir = url[0]!
    fs.renameSync(remoteDir, remoteDir + '.away')
    assert.deepEqual((await okA(a, ['show', 'HEAD:d/2.bin'])).stdoutBuf, files['d/2.bin'])
    const gone = await a.runAsync(['show', 'HEAD:d/1.bin'])
    assert.equal(gone.code, 9, `evicted content needs the remote: ${gone.stderr}`)
    assert.match(gone.stderr, /kept on origin only .*fetching them failed/)
    assert.match(gone.stderr, /hint: Reconnect to origin/)
    fs.renameSync(remoteDir + '.away', remoteDir)

    // Push to a second remote: the evicted chunks are fetched from origin and uploaded.
    const url2 = dirTarget.url('lazy-lru-backup')
    await remoteSetup(a).remoteAdd('backup', ...url2)
    await okA(a, ['push', '-q', 'backup', 'main'])
    const c = new Sandbox()
    await okA(c, ['clone', '-q', url2[0]!, c.dir], {cwd: c.base})
    for (const [p, v] of Object.entries(files)) assert.deepEqual(c.read(p), v)
    assert.equal((await jA(c, ['fsck'])).ok, true)
    // Either remote may go while the other holds the evicted content; the last one may not.
    await remoteSetup(a).gcEvict()
    await okA(a, ['remote', 'remove', 'backup'])
    const last = await a.runAsync(withJson(['remote', 'remove', 'origin']))
    assert.equal(last.code, 5, last.stdout + last.stderr)
    assert.equal(last.json().error.code, 'LOCAL_CHANGES')

    const bad = await a.runAsync(withJson(['gc', '--evict', '--max-size', 'lots']))
    assert.equal(bad.code, 2)
    assert.equal(bad.json().error.code, 'INVALID_ARGUMENT')
    a.cleanup()
    c.cleanup()
  })

  it('remote remove: once the remote content was evicted to is gone, the remote that also holds it is the last copy and is kept', async () => {
    const a = new Sandbox()
    initRepo(a)
    const files = {'big.bin': prng(200_000, 'only-remote')}
    await commitInProcess(a, files, 'one file')
    const origin = dirTarget.url('lazy-last-origin')
    const backup = dirTarget.url('lazy-last-backup')
    await remoteSetup(a).remoteAdd('origin', ...origin)
    await remoteSetup(a).push('-q', '-u')
    await remoteSetup(a).gcEvict()
    // Someone else copies the repository to a second remote, which this clone then fetches from.
    const b = new Sandbox()
    await cloneInProcess(b, [origin[0]!, b.dir], {cwd: b.base})
    await remoteSetup(b).remoteAdd('backup', ...backup)
    await remoteSetup(b).push('-q', 'backup', 'main')
    await remoteSetup(a).remoteAdd('backup', ...backup)
    await okA(a, ['fetch', '-q', 'backup'])
    await okA(a, ['remote', 'remove', 'origin'])
    const last = await a.runAsync(withJson(['remote', 'remove', 'backup']))
    assert.equal(last.code, 5, last.stdout + last.stderr)
    assert.equal(last.json().error.code, 'LOCAL_CHANGES')
    assert.deepEqual((await okA(a, ['show', 'HEAD:big.bin'])).stdoutBuf, files['big.bin'], 'the evicted content comes from backup')
    // Pointing the last holder at another repository warns, and the failed read says what to undo.
    await remoteSetup(a).gcEvict()
    const elsewhere = dirTarget.url('lazy-last-elsewhere')
    const moved = await okA(a, ['remote', 'set-url', 'backup', ...elsewhere])
    assert.match(moved.stderr, /warning: backup held \d+ chunks? of content not stored here/)
    const lost = await a.runAsync(['show', 'HEAD:big.bin'])
    assert.notEqual(lost.code, 0)
    assert.match(lost.stderr, /^hint: .*set-url/m, lost.stderr)
    await okA(a, ['remote', 'set-url', 'backup', ...backup])
    assert.deepEqual((await okA(a, ['show', 'HEAD:big.bin'])).stdoutBuf, files['big.bin'], 'back at the right repository')
    a.cleanup()
    b.cleanup()
  })

  it('gc --evict keeps content that no remote ref reaches any more (gc --remote may delete its pack)', async () => {
    const a = new Sandbox()
    initRepo(a)
    await commitInProcess(a, {'base.bin': prng(SIZE, 'base')}, 'base')
    await remoteSetup(a).remoteAdd('origin', ...dirTarget.url('lazy-unreached'))
    await remoteSetup(a).push('-q', '-u')
    await setup(a).switchNew('tmp')
    const precious = prng(SIZE, 'only copy')
    await commitInProcess(a, {'precious.bin': precious}, 'precious')
    await remoteSetup(a).push('-q', 'origin', 'tmp')
    // The remote branch goes; the local one keeps the commit, whose content is in a dead pack now.
    await remoteSetup(a).push('-q', 'origin', '--delete', 'tmp')
    const ev = await jA(a, ['gc', '--evict'])
    assert.equal(ev.evict.evictedChunks, 1, 'only base.bin, which origin/main reaches, is evicted')
    assert.equal(ev.evict.unpushedBytes, SIZE)
    await okA(a, ['gc', '--remote', '--grace', '0s', '-q'])
    assert.deepEqual((await okA(a, ['show', 'tmp:precious.bin'])).stdoutBuf, precious)
    assert.deepEqual((await okA(a, ['show', 'main:base.bin'])).stdoutBuf, prng(SIZE, 'base'))
    assert.equal((await jA(a, ['fsck'])).ok, true)
    a.cleanup()
  })

  it('clone --include checks out just the matching paths; switch keeps the tree sparse', async () => {
    const a = new Sandbox()
    initRepo(a)
    await commitInProcess(a, v1, 'v1')
    await setup(a).branch('other')
    await setup(a).switch('other')
    await commitInProcess(a, {'images/b/1.bin': prng(SIZE, 'other-b1'), 'images/a/1.bin': prng(SIZE, 'other-a1')}, 'other')
    const url = dirTarget.url('lazy-include')
    await remoteSetup(a).remoteAdd('origin', ...url)
    await remoteSetup(a).push('-q', 'origin', 'main', 'other')
    const b = new Sandbox()
    await okA(b, ['clone', '-q', url[0]!, b.dir, '--include', 'images/b/*', '--branch', 'main'], {cwd: b.base})
    assert.deepEqual(worktreeFiles(b), ['images/b/1.bin', 'images/b/2.bin'])
    await okA(b, ['switch', '-q', '-c', 'other', 'origin/other'])
    assert.deepEqual(worktreeFiles(b), ['images/b/1.bin', 'images/b/2.bin'], 'images/a stays out of the work tree')
    assert.deepEqual(b.read('images/b/1.bin'), prng(SIZE, 'other-b1'))
    assert.equal((await jA(b, ['status'])).clean, true)
    assert.deepEqual((await jA(b, ['status'])).sparse, {include: ['images/b/*']})
    // The index still tracks everything: a commit keeps images/a at the branch's version.
    await commitFiles(b, {'images/b/3.bin': 'three\n'}, 'three')
    const tree = await jA(b, ['ls-tree', '-r', 'HEAD'])
    assert.deepEqual(tree.map((e: any) => e.path).sort(), ['images/a/1.bin', 'images/a/2.bin', 'images/a/3.bin', 'images/b/1.bin', 'images/b/2.bin', 'images/b/3.bin', 'readme.txt'])
    // `checkout -- .` brings in everything and ends the sparse work tree.
    await okA(b, ['checkout', '--', '.'])
    assert.equal(worktreeFiles(b).length, 7)
    assert.deepEqual(b.read('images/a/1.bin'), prng(SIZE, 'other-a1'))
    const st = await jA(b, ['status'])
    assert.equal(st.sparse, null)
    assert.equal(st.clean, true)
    a.cleanup()
    b.cleanup()
  })
  it('sparse-checkout set narrows a work tree (files leave disk, stay tracked) and never drops a local change; add fetches in a lazy clone; disable brings all back', async () => {
    const a = new Sandbox()
    initRepo(a)
    await commitInProcess(a, v1, 'v1')
    const url = dirTarget.url('lazy-sparse-checkout')
    await remoteSetup(a).remoteAdd('origin', ...url)
    await remoteSetup(a).push('-q', '-u')
    const notSparse = await a.runAsync(withJson(['sparse-checkout', 'add', 'images']))
    assert.equal(notSparse.code, 2, notSparse.stdout + notSparse.stderr)
    // A full work tree, narrowed: what leaves is deleted from disk (with its emptied directory).
    const set = await jA(a, ['sparse-checkout', 'set', 'images/a', 'readme.txt'])
    assert.deepEqual(set, {sparse: true, include: ['images/a', 'readme.txt'], written: [], removed: ['images/b/1.bin', 'images/b/2.bin']})
    assert.deepEqual(worktreeFiles(a), ['images/a/1.bin', 'images/a/2.bin', 'images/a/3.bin', 'readme.txt'])
    assert.equal(fs.existsSync(a.p('images/b')), false)
    assert.equal((await jA(a, ['status'])).clean, true, 'files outside the set are not deleted, only not checked out')
    // A leaving file with a local change refuses the whole command; nothing changes.
    a.write('readme.txt', 'edited\n')
    const refused = await a.runAsync(withJson(['sparse-checkout', 'set', 'images/a']))
    assert.equal(refused.code, 5, refused.stdout + refused.stderr)
    assert.equal(refused.json().error.code, 'LOCAL_CHANGES')
    assert.deepEqual(refused.json().error.data.paths, ['readme.txt'])
    assert.equal(a.read('readme.txt').toString(), 'edited\n')
    assert.deepEqual((await jA(a, ['sparse-checkout', 'list'])).include, ['images/a', 'readme.txt'])
    // An untracked file where a directory of the set must go refuses, nothing written.
    a.write('images/b', 'not a directory\n')
    const blocked = await a.runAsync(withJson(['sparse-checkout', 'disable']))
    assert.equal(blocked.code, 5, blocked.stdout + blocked.stderr)
    assert.deepEqual(blocked.json().error.data.paths, ['images/b'])
    assert.equal(a.read('images/b').toString(), 'not a directory\n')
    fs.rmSync(a.p('images/b'))
    // disable brings back what the set left out, not a file the user deleted inside it.
    a.write('readme.txt', 'a dataset\n')
    fs.rmSync(a.p('images/a/1.bin'))
    const all = await jA(a, ['sparse-checkout', 'disable'])
    assert.deepEqual([all.sparse, all.written], [false, ['images/b/1.bin', 'images/b/2.bin']])
    assert.deepEqual(a.read('images/b/2.bin'), v1['images/b/2.bin'])
    assert.equal(fs.existsSync(a.p('images/a/1.bin')), false)
    // Run from a directory that leaves the set: its files go, the directory itself stays (as Git keeps the cwd).
    await okA(a, ['sparse-checkout', 'set', '../../readme.txt'], {cwd: a.p('images/b')})
    assert.deepEqual(fs.readdirSync(a.p('images/b')), [])
    assert.equal(fs.existsSync(a.p('images/a')), false)
    // A lazy clone fetches just the files entering the set.
    const b = new Sandbox()
    await okA(b, ['clone', '-q', url[0]!, b.dir, '--no-checkout'], {cwd: b.base})
    const added = await jA(b, ['sparse-checkout', 'add', 'images/b'])
    assert.deepEqual(added.written, ['images/b/1.bin', 'images/b/2.bin'])
    assert.deepEqual(worktreeFiles(b), ['images/b/1.bin', 'images/b/2.bin'])
    assert.deepEqual(b.read('images/b/1.bin'), v1['images/b/1.bin'])
    a.cleanup()
    b.cleanup()
  })
})

describe('remote checks in a full clone (directory remote)', () => {
  it('fsck --remote and gc --remote in a clone behind the remote: the next pull still brings the new files', async () => {
    const a = new Sandbox()
    initRepo(a)
    await commitInProcess(a, {'one.bin': prng(SIZE, 'one')}, 'one')
    const url = dirTarget.url('full-behind')
    await remoteSetup(a).remoteAdd('origin', ...url)
    await remoteSetup(a).push('-q', '-u')
    const b = new Sandbox()
    await cloneInProcess(b, [url[0]!, b.dir], {cwd: b.base})
    await commitInProcess(a, {'two.bin': prng(SIZE, 'two')}, 'two')
    await remoteSetup(a).push('-q')
    // The check walks the remote's new history (metadata only) before b has fetched it.
    assert.equal((await jA(b, ['fsck', '--remote'])).ok, true)
    await commitInProcess(a, {'three.bin': prng(SIZE, 'three')}, 'three')
    await remoteSetup(a).push('-q')
    await okA(b, ['gc', '-q', '--remote', '--grace', '1d'])
    await okA(b, ['pull', '-q'])
    assert.deepEqual(b.read('two.bin'), prng(SIZE, 'two'))
    assert.deepEqual(b.read('three.bin'), prng(SIZE, 'three'))
    assert.deepEqual((await okA(b, ['show', 'HEAD~1:two.bin'])).stdoutBuf, prng(SIZE, 'two'))
    const fsck = await jA(b, ['fsck'])
    assert.equal(fsck.ok, true)
    assert.equal(fsck.promised, 0, 'b is still a full clone: every content is here')
    a.cleanup()
    b.cleanup()
  })
})
