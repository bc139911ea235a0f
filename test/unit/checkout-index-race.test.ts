/**
 * A checkout that another process stages into while it writes files: the index then holds the
 * other process's entry as well, so it must not be recorded as equal to the new tree (status
 * would skip the HEAD-vs-index diff and hide the staged file).
 */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {loadCommit} from '../../src/core/odb.ts'
import {moveWorktree} from '../../src/core/ops/checkout.ts'
import {resolveRevision} from '../../src/core/refs/revision.ts'
import {openRepo, type Repo} from '../../src/core/repo.ts'
import type {IndexEntry} from '../../src/core/store/types.ts'
import {okA, repoWithA} from '../integration/helpers.ts'

const tree = (repo: Repo, rev: string) => loadCommit(repo.store, resolveRevision(repo, rev)).tree

for (const force of [false, true]) {
  test(`checkout${force ? ' --force' : ''}: an entry another process staged meanwhile keeps the index from being "the new tree"`, async (t) => {
    const s = await repoWithA({'a.txt': 'one\n'})
    t.after(() => s.cleanup())
    s.write('a.txt', 'two\n')
    s.write('b.txt', 'b\n')
    await okA(s, ['add', '-A', '-q'])
    await okA(s, ['commit', '-q', '-m', 'two'])
    const ctx = {cwd: s.dir, env: {}, userConfigDir: s.configDir, now: () => new Date()}
    const repo = openRepo(ctx)
    t.after(() => repo.close())
    const from = tree(repo, 'HEAD')
    const to = tree(repo, 'HEAD~1')
    const staged: IndexEntry = {...repo.store.readIndex().find((e) => e.path === 'b.txt')!, path: 'race.txt'}
    await moveWorktree(repo, from, to, force, {
      progress: {
        // Before the files are written: another connection (as a concurrent `bl add`) stages a file.
        onTotals() {
          const other = openRepo(ctx)
          other.store.transaction(() => other.store.putIndexEntry(staged), {durable: true})
          other.close()
        },
      },
    })
    assert.ok(repo.store.readIndex().some((e) => e.path === 'race.txt'), 'the other process\'s entry is kept')
    assert.notEqual(repo.store.indexTree(), to, 'the index is not the new tree')
  })
}
