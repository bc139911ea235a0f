/**
 * bl in scripts and shells: --quiet, colours (NO_COLOR, BL_COLOR), prompts that never block
 * without a terminal, `bl help <command>` with examples for every command, shell completion
 * (oclif's autocomplete plugin) and plugins (oclif's plugins plugin), through the real binary.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {stripVTControlCharacters} from 'node:util'
import {BIN, makeTmp, repoWithA, rmrf, Sandbox, initRepo} from './helpers.ts'

const ESC = '\x1b['
const MANIFEST = fileURLToPath(new URL('../../oclif.manifest.json', import.meta.url))

describe('scripting', () => {
  let s: Sandbox
  let xdg: string
  /** oclif keeps plugins, caches and settings under XDG dirs: point them at a temp dir. */
  let xdgEnv: Record<string, string>

  before(async () => {
    s = await repoWithA({'a.csv': 'id\n1\n'})
    s.write('a.csv', 'id\n1\n2\n')
    s.write('new.csv', 'x\n')
    xdg = makeTmp('bl-xdg-')
    xdgEnv = {XDG_DATA_HOME: path.join(xdg, 'data'), XDG_CACHE_HOME: path.join(xdg, 'cache'), XDG_CONFIG_HOME: path.join(xdg, 'config')}
  })
  after(() => {
    s.cleanup()
    rmrf(xdg)
  })

  it('a closed pipe (`bl ... | head -1`) ends bl quietly with 141, as SIGPIPE ends Git', () => {
    // More than a pipe buffer (64 KiB) of output, so bl is still writing when head has gone.
    const p = new Sandbox()
    initRepo(p)
    p.write('big.bin', crypto.randomBytes(1 << 20))
    for (let i = 0; i < 2000; i++) p.write(`many/f${i}.txt`, `${i}\n`)
    p.ok(['add', '-A', '-q'])
    p.ok(['commit', '-q', '-m', 'pipe'])
    for (const args of ['show HEAD:big.bin', 'ls-tree -r HEAD', 'ls-tree -r -l HEAD --json']) {
      const r = spawnSync('bash', ['-c', `${JSON.stringify(BIN)} ${args} | head -c 1 > /dev/null; echo "status=\${PIPESTATUS[0]}" >&2`], {cwd: p.dir, env: p.env(), encoding: 'utf8'})
      assert.match(r.stderr, /status=141\s*$/, `bl ${args}: ${r.stderr}`)
      assert.doesNotMatch(r.stderr, /error|internal/, `bl ${args} printed an error`)
    }
    p.cleanup()
  })

  it('--quiet prints nothing on stdout, for read and write commands alike', async () => {
    for (const args of [['status'], ['log'], ['branch'], ['diff', '--stat'], ['ls-tree', 'HEAD']]) {
      const loud = await s.runAsync(args)
      assert.equal(loud.code, 0, loud.stderr)
      assert.notEqual(loud.stdout, '', `bl ${args.join(' ')} prints something without -q`)
      const quiet = await s.runAsync([...args, '-q'])
      assert.equal(quiet.code, 0, quiet.stderr)
      assert.equal(quiet.stdout, '', `bl ${args.join(' ')} -q`)
    }
    const c = await s.runAsync(['commit', '-a', '-q', '-m', 'quiet commit'])
    assert.equal(c.code, 0, c.stderr)
    assert.equal(c.stdout + c.stderr, '')
    // Errors still show.
    const bad = await s.runAsync(['log', 'nosuchrev', '-q'])
    assert.equal(bad.code, 4)
    assert.match(bad.stderr, /^error: .*nosuchrev/m)
  })

  it('colours only when asked for (BL_COLOR=always) and never with NO_COLOR; none in pipes by default', async () => {
    s.write('a.csv', 'id\n1\n2\n3\n')
    const piped = await s.runAsync(['status'])
    assert.ok(!piped.stdout.includes(ESC), 'no escapes when stdout is a pipe')
    const forced = await s.runAsync(['status'], {env: {BL_COLOR: 'always'}})
    assert.ok(forced.stdout.includes(`${ESC}31m`), `red for unstaged/untracked: ${JSON.stringify(forced.stdout)}`)
    const log = await s.runAsync(['log', '--oneline'], {env: {BL_COLOR: 'always'}})
    assert.ok(log.stdout.includes(`${ESC}33m`), 'yellow commit ids')
    for (const args of [['status'], ['log']]) {
      const r = await s.runAsync(args, {env: {BL_COLOR: 'always', NO_COLOR: '1'}})
      assert.equal(r.code, 0)
      assert.ok(!r.stdout.includes(ESC), `NO_COLOR wins for bl ${args[0]}`)
    }
    // --json is never coloured.
    const j = await s.runAsync(['status', '--json'], {env: {BL_COLOR: 'always'}})
    assert.ok(!j.stdout.includes(ESC))
    JSON.parse(j.stdout)
  })

  it('a prompt never waits without a terminal: it fails at once, naming the variable that answers it', async () => {
    const started = Date.now()
    const r = await s.runAsync(['key', 'generate', '--name', 'No Tty', '--email', 'nt@example.com'], {unset: ['BL_KEY_PASSPHRASE']})
    assert.ok(Date.now() - started < 30_000)
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error: .*passphrase/im)
    assert.match(r.stderr, /^hint: .*BL_KEY_PASSPHRASE/m)
    const j = await s.runAsync(['key', 'generate', '--name', 'No Tty', '--email', 'nt@example.com', '--json'], {unset: ['BL_KEY_PASSPHRASE']})
    const doc = JSON.parse(j.stdout)
    assert.equal(doc.error.code, 'PASSPHRASE_REQUIRED')
    assert.match(doc.error.hint, /BL_KEY_PASSPHRASE/)
  })

  it('every command has a summary and examples, and `bl help <command>` shows them', async () => {
    const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as {commands: Record<string, {summary?: string; description?: string; examples?: string[]}>}
    const ids = Object.keys(manifest.commands)
    assert.ok(ids.length >= 50, `${ids.length} commands`)
    for (const id of ids) {
      const c = manifest.commands[id]!
      assert.ok(c.summary || c.description, `${id} has a summary`)
      assert.ok((c.examples?.length ?? 0) > 0, `${id} has examples`)
    }
    for (const id of ['pin', 'lineage', 'remote add', 'clone']) {
      const r = await s.runAsync(['help', ...id.split(' ')])
      assert.equal(r.code, 0, r.stderr)
      const text = stripVTControlCharacters(r.stdout) // oclif styles help where it detects colour (CI runners)
      assert.match(text, /^USAGE/m)
      assert.match(text, /^EXAMPLES/m)
      assert.ok(text.includes(`$ bl ${id}`), `bl help ${id} shows usage with the real binary name`)
    }
  })

  it('shell completion: `bl autocomplete` explains the set-up and builds completion scripts that know the commands', async () => {
    const how = await s.runAsync(['autocomplete', 'bash'], {env: xdgEnv})
    assert.equal(how.code, 0, how.stderr)
    assert.match(how.stdout, /bash/)
    const r = await s.runAsync(['autocomplete', '--refresh-cache'], {env: xdgEnv})
    assert.equal(r.code, 0, r.stderr)
    const bash = fs.readFileSync(path.join(xdgEnv.XDG_CACHE_HOME!, 'blacklake', 'autocomplete', 'functions', 'bash', 'bl.bash'), 'utf8')
    const zsh = fs.readFileSync(path.join(xdgEnv.XDG_CACHE_HOME!, 'blacklake', 'autocomplete', 'functions', 'zsh', '_bl'), 'utf8')
    for (const cmd of ['commit', 'pin', 'lineage']) {
      assert.ok(bash.includes(cmd), `bash completion knows ${cmd}`)
      assert.ok(zsh.includes(cmd), `zsh completion knows ${cmd}`)
    }
  })

  it('plugins: a linked plugin adds a command; unlinking removes it', async () => {
    const plugin = path.join(xdg, 'bl-plugin-hello')
    fs.mkdirSync(path.join(plugin, 'commands'), {recursive: true})
    fs.writeFileSync(path.join(plugin, 'package.json'), JSON.stringify({name: 'bl-plugin-hello', version: '1.0.0', oclif: {commands: './commands'}}))
    fs.writeFileSync(
      path.join(plugin, 'commands', 'hello.js'),
      "module.exports = class Hello {\n  static description = 'Say hello.'\n  static strict = false\n  static async run(argv) { process.stdout.write('hello from a plugin ' + argv.join(' ') + '\\n') }\n}\n",
    )
    const before = await s.runAsync(['hello'], {env: xdgEnv})
    assert.notEqual(before.code, 0)
    const link = await s.runAsync(['plugins', 'link', '--no-install', plugin], {env: xdgEnv})
    assert.equal(link.code, 0, link.stderr)
    const list = await s.runAsync(['plugins'], {env: xdgEnv})
    // oclif's plugin list styles its output where it detects colour support (CI runners do)
    assert.match(stripVTControlCharacters(list.stdout), /bl-plugin-hello 1\.0\.0 \(link\)/)
    const hello = await s.runAsync(['hello', 'world'], {env: xdgEnv})
    assert.equal(hello.code, 0, hello.stderr)
    assert.equal(hello.stdout, 'hello from a plugin world\n')
    const unlink = await s.runAsync(['plugins', 'unlink', 'bl-plugin-hello'], {env: xdgEnv})
    assert.equal(unlink.code, 0, unlink.stderr)
    assert.notEqual((await s.runAsync(['hello'], {env: xdgEnv})).code, 0)
  })
})
