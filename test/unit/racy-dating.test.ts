/**
 * Files a checkout writes are dated by the moment its index is written (Git's racy-clean rule),
 * so the next status trusts their stat instead of reading the whole tree again.
 */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {Context} from '../../src/core/context.ts'
import {add} from '../../src/core/ops/add.ts'
import {switchTo} from '../../src/core/ops/checkout.ts'
import {commit} from '../../src/core/ops/commit.ts'
import {init} from '../../src/core/ops/init.ts'
import {openRepo, type Repo} from '../../src/core/repo.ts'
import {loadIndex, RACY_WINDOW_MS, statClean} from '../../src/core/worktree/index-state.ts'

/**
 * A repository whose clock runs `ahead()` ms ahead of real time: a test moves it forward in the
 * middle of an operation, as if that operation had taken that long.
 */
function tempRepo(t: {after(fn: () => void): void}, ahead: () => number): Repo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-racy-'))
  const ctx: Context = {cwd: dir, env: {BL_AUTHOR_NAME: 'Unit', BL_AUTHOR_EMAIL: 'unit@example.com'}, userConfigDir: path.join(dir, '.cfg'), now: () => new Date(Date.now() + ahead())}
  init(ctx, {})
  const repo = openRepo(ctx)
  t.after(() => {
    repo.close()
    fs.rmSync(dir, {recursive: true, force: true})
  })
  return repo
}

/** main holds f = "old", branch `next` holds f = "new"; HEAD is on `next`. */
async function twoBranches(repo: Repo): Promise<string> {
  const f = path.join(repo.root, 'f')
  fs.writeFileSync(f, 'old')
  await add(repo, {paths: ['f']})
  await commit(repo, {message: 'old'})
  await switchTo(repo, {create: 'next'})
  fs.writeFileSync(f, 'new')
  await add(repo, {paths: ['f']})
  await commit(repo, {message: 'new'})
  return f
}

test('a file checkout wrote more than the racy window before its index is trusted by its stat', async (t) => {
  let f = ''
  // The clock jumps once the checkout has written f: the index is then written "later".
  const repo = tempRepo(t, () => (f && fs.readFileSync(f, 'utf8') === 'old' ? RACY_WINDOW_MS + 4000 : 0))
  f = await twoBranches(repo)
  await switchTo(repo, {target: 'main'})
  assert.equal(fs.readFileSync(f, 'utf8'), 'old')
  const e = loadIndex(repo).get('f')!
  assert.ok(statClean(e, fs.lstatSync(f)), `entry dated ${e.checked}, file modified ${fs.lstatSync(f).mtimeMs}: the next status would hash it again`)
})

test('a file checkout wrote just before its index was written stays racy', async (t) => {
  const repo = tempRepo(t, () => 0)
  const f = await twoBranches(repo)
  await switchTo(repo, {target: 'main'})
  const e = loadIndex(repo).get('f')!
  assert.equal(statClean(e, fs.lstatSync(f)), false, 'a change in the same timestamp tick would go unseen')
})
