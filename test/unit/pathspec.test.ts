/** Pathspecs: plain prefixes and Git's default wildcards (`*` and `?` cross `/`, `[...]` classes). */
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {globBase, isGlob, underSpec} from '../../src/core/worktree/paths.ts'

describe('pathspecs', () => {
  it('a plain spec matches itself and everything under it, nothing else', () => {
    assert.ok(underSpec('images', 'images'))
    assert.ok(underSpec('images/a/1.png', 'images'))
    assert.ok(!underSpec('images2/a.png', 'images'))
    assert.ok(underSpec('anything', ''))
  })
  it('wildcards follow Git: * crosses directories, ? is one character, [...] a class', () => {
    assert.ok(underSpec('a/b/c.png', '*.png'))
    assert.ok(underSpec('images/a/1.png', 'images/*.png'))
    assert.ok(!underSpec('images/a/1.jpg', 'images/*.png'))
    assert.ok(underSpec('img/x1.bin', 'img/x?.bin'))
    assert.ok(!underSpec('img/x10.bin', 'img/x?.bin'))
    assert.ok(underSpec('d/2.bin', 'd/[12].bin'))
    assert.ok(!underSpec('d/3.bin', 'd/[12].bin'))
    assert.ok(underSpec('d/3.bin', 'd/[!12].bin'))
    assert.ok(underSpec('data/2024/x.csv', 'data/*'), 'a wildcard directory match covers what is under it')
    assert.ok(!underSpec('a.pngx', '*.png'))
    assert.ok(!underSpec('a+b.png', 'a.b.png'), 'regex metacharacters are literal')
  })
  it('the base directory of a wildcard spec is its literal leading directories', () => {
    assert.equal(globBase('images/a/*.png'), 'images/a')
    assert.equal(globBase('*.png'), '')
    assert.equal(globBase('data/x?/y'), 'data')
    assert.equal(isGlob('plain/path'), false)
  })
})
