/** .blignore rules judged as Git judges .gitignore (each case checked against `git status` by hand). */
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {IgnoreRules} from '../../src/core/worktree/ignore-rules.ts'

function tree(files: Record<string, string>): {rules: IgnoreRules; cleanup(): void} {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-ignore-'))
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), {recursive: true})
    fs.writeFileSync(path.join(root, p), text)
  }
  return {rules: new IgnoreRules(root), cleanup: () => fs.rmSync(root, {recursive: true, force: true})}
}

describe('ignore rules', () => {
  it('a deeper .blignore re-includes a directory that a shallower one excludes, and then the files in it', () => {
    const t = tree({'.blignore': 'd/\n*.log\n', 'a/.blignore': '!d/\n'})
    try {
      assert.equal(t.rules.ignores('d', true), true)
      assert.equal(t.rules.ignores('a/d', true), false)
      assert.equal(t.rules.ignores('a/d/f', false), false)
      assert.equal(t.rules.ignores('a/d/e/f', false), false)
      // the shallower file's other rules still apply to the path itself
      assert.equal(t.rules.ignores('a/d/x.log', false), true)
    } finally {
      t.cleanup()
    }
  })

  it('the shallower file decides a path in a re-included directory when no deeper rule matches it', () => {
    const t = tree({'.blignore': 'd/\n*.csv\n!keep.csv\n', 'a/.blignore': '!d/\n'})
    try {
      assert.equal(t.rules.ignores('a/d/keep.csv', false), false)
      assert.equal(t.rules.ignores('a/d/x.csv', false), true)
      assert.equal(t.rules.ignores('a/d/e/keep.csv', false), false)
      assert.equal(t.rules.ignores('a/d/other', false), false)
    } finally {
      t.cleanup()
    }
  })

  it('nothing below an excluded directory is re-included, not even by a .blignore inside it', () => {
    // The directory can still be walked when it holds tracked files.
    const t = tree({'.blignore': 'd/\n', 'd/.blignore': '!n\n!*/\n', 'd/n': '', 'd/e/f': ''})
    try {
      assert.equal(t.rules.ignores('d', true), true)
      assert.equal(t.rules.ignores('d/n', false), true)
      assert.equal(t.rules.ignores('d/.blignore', false), true)
      assert.equal(t.rules.ignores('d/e', true), true)
      assert.equal(t.rules.ignores('d/e/f', false), true)
    } finally {
      t.cleanup()
    }
  })
})
