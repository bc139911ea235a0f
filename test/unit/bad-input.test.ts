import {test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {BlError} from '../../src/core/errors.ts'
import {add} from '../../src/core/ops/add.ts'
import {Ingestor} from '../../src/core/worktree/ingest.ts'
import {tempRepo} from '../support/temp-repo.ts'

function setup(t: {after(fn: () => void): void}) {
  return tempRepo(t, {prefix: 'bl-bad-', env: {BL_AUTHOR_NAME: 'U', BL_AUTHOR_EMAIL: 'u@example.com'}})
}

const isCode = (code: string) => (e: unknown) => e instanceof BlError && e.code === code

test('a file that vanishes before it is read is a clear error', (t) => {
  const {dir, repo} = setup(t)
  const ing = new Ingestor(repo.store)
  assert.throws(() => ing.addFile(path.join(dir, 'gone.csv'), 'gone.csv'), (e: unknown) => isCode('FILE_CHANGED_DURING_READ')(e) && /gone\.csv: vanished/.test((e as Error).message))
})

test('a file that grows while add reads it fails the add and stages nothing', async (t) => {
  const {dir, repo} = setup(t)
  const file = path.join(dir, 'growing.bin')
  fs.writeFileSync(file, Buffer.alloc(96 * 1024 * 1024, 7))
  // Another process appends to the file continuously while bl reads it.
  const writer = spawn(process.execPath, ['-e', `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(file)},'a');setInterval(()=>fs.writeSync(fd,'x'),1);setTimeout(()=>process.exit(0),20000)`])
  t.after(() => writer.kill('SIGKILL'))
  const start = fs.statSync(file).size
  while (fs.statSync(file).size === start) await sleep(5)
  await assert.rejects(add(repo, {paths: ['growing.bin']}), (e: unknown) => isCode('FILE_CHANGED_DURING_READ')(e) && /changed while bl was reading it/.test((e as Error).message))
  assert.equal(repo.store.readIndex().length, 0, 'nothing staged')
})

test('names bl cannot store are refused with the path and the reason', async (t) => {
  const {dir, repo} = setup(t)
  fs.writeFileSync(path.join(dir, 'ok.csv'), 'a,b\n')
  fs.writeFileSync(path.join(dir, 'bad\nname.csv'), 'x')
  await assert.rejects(add(repo, {paths: [], all: true}), (e: unknown) => isCode('BAD_PATH_NAME')(e) && (e as Error).message.includes('"bad\\nname.csv"'))
  assert.equal(repo.store.readIndex().length, 0, 'nothing staged, not even ok.csv')
})

test('paths outside the work tree and inside .bl are refused', async (t) => {
  const {repo} = setup(t)
  await assert.rejects(add(repo, {paths: ['../elsewhere.csv']}), isCode('PATH_OUTSIDE_REPO'))
  await assert.rejects(add(repo, {paths: ['.bl/bl.db']}), isCode('PATH_OUTSIDE_REPO'))
  await assert.rejects(add(repo, {paths: ['missing.csv']}), isCode('PATHSPEC_NO_MATCH'))
})
