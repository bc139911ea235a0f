/**
 * Progress on stderr, end to end with the real binary: plain lines (files, bytes, rate) when
 * stderr is not a terminal, under TERM=dumb and in CI; an Ink frame in a real pty (util-linux
 * `script`); nothing at all with --json or --quiet; push and clone against the S3 test server.
 * BL_PROGRESS_INTERVAL_MS=1 makes lines come at once instead of every few seconds.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import path from 'node:path'
import {BIN, collect, okA, prng, Sandbox, type RunOptions, initRepo} from './helpers.ts'
import {s3Env, startS3Server, type S3TestServer} from '../support/s3-server.ts'

const FILES = 300
const FAST = {BL_PROGRESS_INTERVAL_MS: '1'}
const ESC = '\x1b'
/** 300 files of 4 KiB. */
const TOTAL = /1\.2 MiB/

/** Rewrites every file of data/ with new content, so the next add stores them all again. */
function writeData(s: Sandbox, seed: string): void {
  const data = prng(FILES * 4096, seed)
  for (let i = 0; i < FILES; i++) s.write(`data/f${String(i).padStart(3, '0')}.bin`, data.subarray(i * 4096, (i + 1) * 4096))
}

const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`

/**
 * Runs `bl args` in a real pseudo-terminal (util-linux `script`); returns everything the terminal
 * got (stdout and stderr share it). Inherited CI variables are removed: Ink must believe it is
 * interactive.
 */
function inPty(s: Sandbox, args: string[], opts: RunOptions = {}): {code: number | null; out: string} {
  const r = spawnSync('script', ptyArgs(args), {cwd: s.dir, env: ptyEnv(s, opts), stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8'})
  if (r.error) throw r.error
  return {code: r.status, out: r.stdout.replace(/\r\n/g, '\n')}
}

/** inPty without blocking this process (the S3 test server lives in it). */
async function inPtyAsync(s: Sandbox, args: string[], opts: RunOptions = {}): Promise<{code: number | null; out: string}> {
  const r = await collect(spawn('script', ptyArgs(args), {cwd: s.dir, env: ptyEnv(s, opts), stdio: ['ignore', 'pipe', 'pipe']}))
  return {code: r.code, out: r.stdout.replace(/\r\n/g, '\n')}
}

const ptyArgs = (args: string[]): string[] => ['-qec', `stty cols 120 rows 40; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`, '/dev/null']

function ptyEnv(s: Sandbox, opts: RunOptions): NodeJS.ProcessEnv {
  // Inherited values must not decide the mode; the test's own do.
  const inherited = ['CI', 'CONTINUOUS_INTEGRATION', 'BL_PROGRESS_INTERVAL_MS'].filter((k) => !opts.env || !(k in opts.env))
  return s.env({...opts, unset: [...inherited, ...(opts.unset ?? [])]})
}

/** Files an add stored (new or changed). */
const stored = (res: {added: string[]; updated: string[]}): number => res.added.length + res.updated.length

const strip = (s: string): string => s.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')

describe('progress on stderr', () => {
  let s: Sandbox
  before(() => {
    s = new Sandbox()
    initRepo(s)
  })
  after(() => s.cleanup())

  it('not a terminal: plain lines with files, bytes and rate, then a summary; no escape codes', () => {
    writeData(s, 'plain')
    const r = s.ok(['add', 'data'], {env: FAST})
    const lines = r.stderr.trimEnd().split('\n')
    assert.ok(lines.length >= 2, r.stderr)
    for (const l of lines) assert.match(l, /^add: /)
    assert.ok(lines.some((l) => /^add: \d+\/300 files, [\d.]+ (B|KiB|MiB)\/1\.2 MiB \(\d+%\)/.test(l)), r.stderr)
    // The average rate, unless the time shows as 0.0s (no honest rate then).
    assert.match(lines.at(-1)!, /^add: 300 files, 1\.2 MiB in (0\.0s|\d+\.\ds \([\d.]+ (B|KiB|MiB)\/s\))$/)
    assert.ok(!r.stderr.includes(ESC), 'plain lines only')
    assert.equal(r.stdout, '')
  })

  it('--json and --quiet: nothing at all on stderr (the same add without them prints progress)', () => {
    writeData(s, 'json')
    const j = s.ok(['add', 'data', '--json'], {env: FAST})
    assert.equal(j.stderr, '')
    assert.equal(stored(j.json().result), FILES)
    writeData(s, 'quiet')
    const q = s.ok(['add', 'data', '-q'], {env: FAST})
    assert.equal(q.stderr + q.stdout, '')
    writeData(s, 'control')
    assert.match(s.ok(['add', 'data'], {env: FAST}).stderr, /^add: 300 files/m)
  })

  it('commit -a: files and bytes of the staging, then the commit line on stdout; checkout: the files written', () => {
    writeData(s, 'commit-1')
    s.ok(['add', 'data', '-q'])
    s.ok(['commit', '-q', '-m', 'one'])
    writeData(s, 'commit-2')
    const r = s.ok(['commit', '-a', '-m', 'two'], {env: FAST})
    assert.match(r.stderr, /^commit: \d+\/300 files, [\d.]+ (B|KiB|MiB)\/1\.2 MiB/m)
    assert.match(r.stderr, /^commit: 300 files, 1\.2 MiB in /m)
    assert.match(r.stdout, /^\[main [0-9a-f]{12}\] two$/m)
    writeData(s, 'commit-3')
    const q = s.ok(['commit', '-a', '-q', '-m', 'three'], {env: FAST})
    assert.equal(q.stderr + q.stdout, '')
    // Checking out another commit counts the files it writes.
    const co = s.ok(['checkout', 'HEAD~1'], {env: FAST})
    assert.match(co.stderr, /^checkout: writing \d+\/300 files, [\d.]+ (B|KiB|MiB)\/1\.2 MiB/m)
    assert.match(co.stderr, /^checkout: writing 300 files, 1\.2 MiB in /m)
    s.ok(['checkout', '-q', 'main'])
  })

  it('a terminal: Ink draws a frame with a bar, then leaves the summary and shows the cursor again; --json draws nothing', () => {
    writeData(s, 'tty')
    const r = inPty(s, ['add', 'data'], {env: {...FAST, TERM: 'xterm-256color'}})
    assert.equal(r.code, 0, r.out)
    assert.ok(r.out.includes(`${ESC}[?25l`), 'Ink hides the cursor while drawing')
    const text = strip(r.out)
    assert.match(text, /add: [█░]{20} \d+\/300 files, [\d.]+ (B|KiB|MiB)\/1\.2 MiB \(\d+%\)/)
    assert.match(text, /add: 300 files, 1\.2 MiB in \d+\.\ds/)
    assert.ok(r.out.lastIndexOf(`${ESC}[?25h`) > r.out.lastIndexOf('add: 300 files'), 'the cursor is back at the end')
    // The same terminal with --json: only the JSON document.
    writeData(s, 'tty-json')
    const j = inPty(s, ['add', 'data', '--json'], {env: {...FAST, TERM: 'xterm-256color'}})
    assert.equal(j.code, 0, j.out)
    assert.ok(!j.out.includes('█') && !j.out.includes('░') && !/^add: /m.test(j.out), j.out.slice(0, 300))
    assert.equal(stored(JSON.parse(j.out).result), FILES)
  })

  it('a terminal with TERM=dumb, or in CI: plain lines, no escape codes', () => {
    for (const env of [{TERM: 'dumb'}, {TERM: 'xterm-256color', CI: 'true'}] as Array<Record<string, string>>) {
      writeData(s, `dumb-${env.TERM}`)
      const r = inPty(s, ['add', 'data'], {env: {...FAST, ...env}})
      assert.equal(r.code, 0, r.out)
      assert.ok(!r.out.includes(ESC), `${JSON.stringify(env)}: ${JSON.stringify(r.out.slice(0, 300))}`)
      assert.match(r.out, /^add: \d+\/300 files, [\d.]+ (B|KiB|MiB)\/1\.2 MiB/m)
      assert.match(r.out, /^add: 300 files, 1\.2 MiB in /m)
    }
  })
})

describe('transfer progress against the S3 test server', () => {
  let server: S3TestServer
  before(async () => {
    server = await startS3Server()
  })
  after(async () => {
    await server.stop()
  })

  it('push and clone print plain lines of objects and bytes; clone then counts the files it writes', async () => {
    const a = new Sandbox(s3Env(server))
    try {
      initRepo(a)
      writeData(a, 'push')
      await okA(a, ['add', 'data', '-q'])
      await okA(a, ['commit', '-q', '-m', 'one'])
      const url = [`s3://${server.bucket}/progress`, '--endpoint', server.endpoint, '--path-style']
      await okA(a, ['remote', 'add', 'origin', ...url])
      const push = await okA(a, ['push', '-u', 'origin', 'main'], {env: FAST})
      assert.match(push.stderr, /^push: \d+\/\d+ objects, [\d.]+ (B|KiB|MiB)/m)
      assert.match(push.stderr, /^push: \d+ objects, [\d.]+ (B|KiB|MiB) in \d+\.\ds/m)
      assert.ok(!push.stderr.includes(ESC))
      const dest = path.join(a.base, 'copy')
      const clone = await okA(a, ['clone', url[0]!, dest, ...url.slice(1)], {cwd: a.base, env: FAST})
      assert.match(clone.stderr, /^clone: [\d.]+ (B|KiB|MiB)/m)
      assert.match(clone.stderr, /^clone: writing \d+\/300 files, [\d.]+ (B|KiB|MiB)\/1\.2 MiB/m)
      assert.match(clone.stderr, /^clone: writing 300 files, 1\.2 MiB in /m)
      const quiet = await okA(a, ['fetch', '--json'], {env: FAST})
      assert.equal(quiet.stderr, '')
    } finally {
      a.cleanup()
    }
  })

  it('a terminal, default settings: a push slower than a second gets an Ink frame, then its summary', async () => {
    const a = new Sandbox(s3Env(server))
    try {
      initRepo(a)
      writeData(a, 'push-tty')
      await okA(a, ['add', 'data', '-q'])
      await okA(a, ['commit', '-q', '-m', 'one'])
      await okA(a, ['remote', 'add', 'origin', `s3://${server.bucket}/progress-tty`, '--endpoint', server.endpoint, '--path-style'])
      // Every pack and index upload is held back: the push outlasts the delay and Ink's loading.
      server.faults.set({kind: 'slow', delayMs: 700, op: 'PutObject', path: '/packs/'})
      const r = await inPtyAsync(a, ['push', '-u', 'origin', 'main'], {env: {TERM: 'xterm-256color'}})
      assert.equal(r.code, 0, r.out)
      assert.ok(r.out.includes(`${ESC}[?25l`), `Ink hides the cursor while drawing: ${JSON.stringify(r.out.slice(0, 400))}`)
      const text = strip(r.out)
      assert.match(text, /push: [█░]{20} \d+\/\d+ objects, [\d.]+ (B|KiB|MiB) \(\d+%\)/)
      assert.match(text, /push: \d+ objects, [\d.]+ (B|KiB|MiB) in \d+\.\ds/)
      assert.ok(r.out.lastIndexOf(`${ESC}[?25h`) > r.out.lastIndexOf(' objects, '), 'the cursor is back after the summary')
    } finally {
      server.faults.clear()
      a.cleanup()
    }
  })
})
