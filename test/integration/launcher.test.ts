/**
 * bin/run.js run as a program (`bl`, `npx bl`, a symlink on the PATH): its first lines are a
 * POSIX sh prologue that sets glibc's allocator tunables and execs node (with a smaller young
 * generation) on the same file. The other tests start it as `node bin/run.js`, which skips the
 * prologue; this one runs the file itself.
 */
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {BIN, inheritedEnv, makeTmp} from './helpers.ts'

const TUNED = 'glibc.malloc.mmap_threshold=8388608:glibc.malloc.trim_threshold=67108864:glibc.malloc.hugetlb=1'

describe('the bl launcher', () => {
  const tmp = makeTmp('bl-launch-')
  // Preloaded into the node that the prologue starts: reports what that process sees.
  const probe = path.join(tmp, 'probe.cjs')
  fs.writeFileSync(probe, "process.stderr.write(`pid=${process.pid} tunables=${process.env.GLIBC_TUNABLES} v8=${process.execArgv.join(',')}\\n`)\n")
  const run = (file: string, args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const env: NodeJS.ProcessEnv = {...inheritedEnv(), NODE_OPTIONS: `--require=${probe}`, BL_CONFIG_DIR: path.join(tmp, 'config'), ...extra}
    if (!('GLIBC_TUNABLES' in extra)) delete env.GLIBC_TUNABLES
    return spawnSync(file, args, {cwd: tmp, env, encoding: 'utf8'})
  }

  it('runs as a program: node gets the allocator tunables and the smaller young generation, in the same process (exec)', () => {
    const r = run(BIN, ['--version'])
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /^blacklake\/\d/)
    assert.equal(/tunables=(\S*)/.exec(r.stderr)?.[1], TUNED)
    assert.deepEqual(/v8=(\S*)/.exec(r.stderr)?.[1]?.split(','), ['--max-semi-space-size=8'])
    assert.equal(Number(/pid=(\d+)/.exec(r.stderr)?.[1]), r.pid, 'exec, not a child process: signals and exit codes are node\'s')
  })

  it('keeps a GLIBC_TUNABLES of the user\'s own, passes exit codes through, and works through a symlink', () => {
    const own = run(BIN, ['--version'], {GLIBC_TUNABLES: 'glibc.malloc.arena_max=2'})
    assert.equal(/tunables=(\S*)/.exec(own.stderr)?.[1], 'glibc.malloc.arena_max=2')
    const bad = run(BIN, ['status'])
    assert.equal(bad.status, 4, `NOT_A_REPOSITORY is exit 4: ${bad.stderr}`)
    const link = path.join(tmp, 'bl')
    fs.symlinkSync(BIN, link)
    const viaLink = run(link, ['--version'])
    assert.equal(viaLink.status, 0, viaLink.stderr)
    assert.equal(/tunables=(\S*)/.exec(viaLink.stderr)?.[1], TUNED)
  })

  it('loads oclif once, from the bundle the build writes (not file by file from node_modules)', () => {
    // @oclif/core in node_modules is CommonJS: any of its files loaded lands in require.cache.
    const cacheProbe = path.join(tmp, 'cache-probe.cjs')
    fs.writeFileSync(cacheProbe, "process.on('exit', () => process.stderr.write(`oclif-files=${Object.keys(require.cache).filter((k) => k.includes('/node_modules/@oclif/core/') && k.endsWith('.js')).length}\\n`))\n")
    const r = run(BIN, ['status'], {NODE_OPTIONS: `--require=${cacheProbe}`})
    assert.equal(r.status, 4, `the status command ran (NOT_A_REPOSITORY): ${r.stderr}`)
    assert.equal(/oclif-files=(\d+)/.exec(r.stderr)?.[1], '0', r.stderr)
  })

  it('status and commit load only the subsystems they use (module count is start-up time)', () => {
    const graph = (cmd: string): string[] => {
      const r = spawnSync(process.execPath, [path.join(path.dirname(BIN), '..', 'scripts', 'module-graph.js'), `commands/${cmd}.js`], {encoding: 'utf8'})
      assert.equal(r.status, 0, r.stderr)
      return r.stdout.split('\n').map((l) => l.split(' <- ')[0]!).filter((l) => l.startsWith('core/'))
    }
    const status = graph('status')
    assert.ok(status.includes('core/ops/status.js') && status.includes('core/worktree/scan.js'), status.join(' '))
    for (const heavy of ['core/merge/', 'core/remote/', 'core/tables/', 'core/signing/', 'core/ops/commit.js', 'core/ops/checkout.js'])
      assert.deepEqual(status.filter((m) => m.startsWith(heavy)), [], `bl status loads ${heavy}`)
    const commit = graph('commit')
    assert.ok(commit.includes('core/ops/commit.js') && commit.includes('core/schema/pins-file.js'), commit.join(' '))
    for (const heavy of ['core/ops/lineage.js', 'core/schema/pins.js', 'core/tables/', 'core/remote/remote-repo.js', 'core/remote/pack.js'])
      assert.deepEqual(commit.filter((m) => m.startsWith(heavy)), [], `bl commit loads ${heavy} before it needs it`)
  })

  it('a plugin command (its own copy of oclif) exits cleanly from -h', () => {
    const r = run(BIN, ['plugins', 'install', '-h'])
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /USAGE/)
    assert.doesNotMatch(r.stderr, /Error|EEXIT/)
  })

  it('runs the vendored oclif with a V8 code cache per node and flags; a cache made from other source is never used', () => {
    const vendor = path.join(path.dirname(BIN), '..', 'dist', 'vendor')
    const source = fs.readFileSync(path.join(vendor, 'oclif-core.cjs'))
    const digest = crypto.createHash('sha1').update(source.toString('utf8')).digest()
    const plain = () => spawnSync(process.execPath, [BIN, '--version'], {cwd: tmp, env: {...inheritedEnv(), BL_CONFIG_DIR: path.join(tmp, 'config')}, encoding: 'utf8'})
    const r = plain()
    assert.equal(r.status, 0, r.stderr)
    const caches = () => fs.readdirSync(vendor).filter((f) => /^oclif-core\.cjs\.[0-9a-f]{8}\.v8cache$/.test(f))
    // The build's (bin/run.js's flags) and this one (no flags): two files, each from this source.
    assert.ok(caches().length >= 2, caches().join(' '))
    for (const f of caches()) assert.ok(fs.readFileSync(path.join(vendor, f)).subarray(0, 20).equals(digest), `${f} starts with the source's SHA-1`)
    // A cache that names other source is replaced, and bl runs as before.
    const mine = caches().map((f) => path.join(vendor, f)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)
    const forged = Buffer.concat([Buffer.alloc(20, 7), fs.readFileSync(mine[0]!).subarray(20)])
    for (const f of mine) fs.writeFileSync(f, forged)
    const again = plain()
    assert.equal(again.status, 0, again.stderr)
    assert.match(again.stdout, /^blacklake\/\d/)
    assert.equal(again.stderr, '')
    assert.ok(caches().some((f) => fs.readFileSync(path.join(vendor, f)).subarray(0, 20).equals(digest)), 'the rejected cache was written again')
    // Every other set of flags gets a cache of its own, but never more than four stay.
    for (const mb of [300, 301, 302, 303, 304]) {
      const r = spawnSync(process.execPath, [BIN, '--version'], {cwd: tmp, env: {...inheritedEnv(), NODE_OPTIONS: `--max-old-space-size=${mb}`, BL_CONFIG_DIR: path.join(tmp, 'config')}, encoding: 'utf8'})
      assert.equal(r.status, 0, r.stderr)
    }
    // Four, or five while a bl of another test file writes the cache of its flags back at the same moment (without the limit: seven).
    assert.ok(caches().length <= 5, caches().join(' '))
  })

  it('as `node bin/run.js` the prologue is a no-op statement', () => {
    const r = spawnSync(process.execPath, [BIN, '--version'], {cwd: tmp, env: {...inheritedEnv(), BL_CONFIG_DIR: path.join(tmp, 'config')}, encoding: 'utf8'})
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /^blacklake\/\d/)
  })
})
