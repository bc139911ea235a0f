/** bl get: one path of a remote repository, downloaded without a repository (a directory remote). */
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import {failsWith, repoWith, revId} from './helpers.ts'

describe('get', () => {
  it('a directory at the default branch, a file at a tag (-o); refuses an existing output and a missing path, leaving nothing behind', () => {
    const s = repoWith({'d/a.csv': '1\n', 'd/e/b.csv': '2\n', 'top.txt': 'top\n'}, 'one')
    try {
      const v1 = revId(s, 'HEAD')
      s.ok(['tag', 'v1'])
      s.write('d/a.csv', '1b\n')
      s.ok(['commit', '-q', '-a', '-m', 'two'])
      const remote = path.join(s.base, 'remote')
      s.ok(['remote', 'add', 'origin', remote])
      s.ok(['push', '-q', '-u', 'origin', 'main', '--tags'])
      const out = path.join(s.base, 'out')
      fs.mkdirSync(out)
      const dir = s.j(['get', remote, 'd'], {cwd: out})
      assert.deepEqual([dir.kind, dir.files, dir.commit, dir.output], ['dir', 2, revId(s, 'HEAD'), path.join(out, 'd')])
      assert.deepEqual([fs.readFileSync(path.join(out, 'd/a.csv'), 'utf8'), fs.readFileSync(path.join(out, 'd/e/b.csv'), 'utf8')], ['1b\n', '2\n'])
      const file = s.j(['get', remote, 'd/a.csv', '--rev', 'v1', '-o', 'a1.csv'], {cwd: out})
      assert.deepEqual([file.kind, file.commit], ['file', v1])
      assert.equal(fs.readFileSync(path.join(out, 'a1.csv'), 'utf8'), '1\n')
      assert.equal(s.j(['get', remote, 'top.txt', '--rev', v1.slice(0, 12), '-o', 'top-v1.txt'], {cwd: out}).commit, v1, 'a commit id prefix')
      const exists = s.bl(['get', remote, 'd', '--json'], {cwd: out})
      assert.deepEqual([exists.code, exists.json().error.code], [2, 'INVALID_ARGUMENT'])
      const missing = s.bl(['get', remote, 'd/nope.csv', '--json'], {cwd: out})
      assert.deepEqual([missing.code, missing.json().error.code], [4, 'PATH_NOT_FOUND'])
      assert.deepEqual(fs.readdirSync(out).sort(), ['a1.csv', 'd', 'top-v1.txt'], 'no temporary clone is left')
      failsWith(s, ['get', remote, '../escape'], 2, 'INVALID_ARGUMENT')
    } finally {
      s.cleanup()
    }
  })
})
