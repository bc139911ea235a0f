/**
 * Shared helpers for the integration tests: temp directories, and running the real `bl` binary
 * (bin/run.js, i.e. the built dist/) in a child process with a controlled environment.
 */
import assert from 'node:assert/strict'
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stdoutBuf: Buffer
  stderr: string
  /** Parses stdout as JSON. */
  json(): any
}

export interface RunOptions {
  cwd?: string
  /** Extra environment variables (override the defaults). */
  env?: Record<string, string>
  /** Variables to remove from the environment (e.g. BL_AUTHOR_NAME). */
  unset?: string[]
  input?: string | Buffer
  /** Run as this user/group (only possible when the tests run as root). */
  uid?: number
  gid?: number
}

/** Creates a fresh temp directory; remember to remove it (see `Sandbox.cleanup`). */
export function makeTmp(prefix = 'bl-it-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)))
}

export function rmrf(p: string): void {
  try {
    fs.rmSync(p, {recursive: true, force: true})
  } catch {
    // best effort; chmod'ed files are restored by the tests that create them
  }
}

function toResult(code: number | null, signal: NodeJS.Signals | null, out: Buffer, err: Buffer): RunResult {
  const stdout = out.toString('utf8')
  return {
    code,
    signal,
    stdout,
    stdoutBuf: out,
    stderr: err.toString('utf8'),
    json() {
      try {
        return JSON.parse(stdout)
      } catch (e) {
        throw new Error(`stdout is not JSON (exit ${code}): ${JSON.stringify(stdout.slice(0, 500))}\nstderr: ${err.toString('utf8').slice(0, 500)}`, {cause: e})
      }
    },
  }
}

/**
 * The test process's environment for the bl processes it starts. NODE_EXTRA_CA_CERTS is dropped:
 * Node parses that bundle at every start (~40 ms of a ~370 ms run here, thousands of runs per
 * `npm test`), and every remote a test uses is plain HTTP on loopback or a directory.
 */
export function inheritedEnv(): NodeJS.ProcessEnv {
  const env = {...process.env}
  delete env.NODE_EXTRA_CA_CERTS
  return env
}

/**
 * A scratch area: `dir` is the work tree (the repository root once `bl init` ran) and `configDir`
 * the user-level config dir (BL_CONFIG_DIR), both inside one temp directory.
 */
export class Sandbox {
  readonly base: string
  readonly dir: string
  readonly configDir: string
  readonly home: string
  defaultEnv: Record<string, string>

  constructor(env: Record<string, string> = {}) {
    this.base = makeTmp()
    this.dir = path.join(this.base, 'repo')
    this.configDir = path.join(this.base, 'userconfig')
    this.home = path.join(this.base, 'home')
    fs.mkdirSync(this.dir)
    fs.mkdirSync(this.configDir)
    fs.mkdirSync(this.home)
    this.defaultEnv = {BL_AUTHOR_NAME: 'Test', BL_AUTHOR_EMAIL: 't@example.com', ...env}
  }

  env(opts: RunOptions = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {...inheritedEnv(), ...this.defaultEnv, BL_CONFIG_DIR: this.configDir, ...opts.env}
    // Never let the developer's own settings leak into a test.
    for (const k of Object.keys(env)) if (/^BL_(COMMITTER|AUTHOR)_/.test(k) && !(k in this.defaultEnv) && !(opts.env && k in opts.env)) delete env[k]
    if (!('BL_DEBUG' in this.defaultEnv) && !(opts.env && 'BL_DEBUG' in opts.env)) delete env.BL_DEBUG
    delete env.BL_LOCK_TIMEOUT
    if (opts.env?.BL_LOCK_TIMEOUT) env.BL_LOCK_TIMEOUT = opts.env.BL_LOCK_TIMEOUT
    for (const k of opts.unset ?? []) delete env[k]
    return env
  }

  /** Runs `bl args...` synchronously in the repo (or opts.cwd). */
  bl(args: string[], opts: RunOptions = {}): RunResult {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? this.dir,
      env: this.env(opts),
      input: opts.input,
      maxBuffer: 1024 * 1024 * 1024,
      ...(opts.uid !== undefined ? {uid: opts.uid, gid: opts.gid ?? opts.uid} : {}),
    })
    if (r.error) throw r.error
    return toResult(r.status, r.signal, r.stdout, r.stderr)
  }

  /** Runs bl and asserts exit 0, returning the result. */
  ok(args: string[], opts: RunOptions = {}): RunResult {
    const r = this.bl(args, opts)
    if (r.code !== 0) throw new Error(`bl ${args.join(' ')} exited ${r.code} (signal ${r.signal})\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`)
    return r
  }

  /** Runs bl --json, asserts exit 0 and returns `result` from the {ok: true, result} envelope. */
  j(args: string[], opts: RunOptions = {}): any {
    const r = this.ok(withJson(args), opts)
    const doc = r.json()
    if (doc.ok !== true) throw new Error(`bl ${args.join(' ')} --json: not ok: ${r.stdout}`)
    return doc.result
  }

  /** Spawns bl asynchronously. */
  spawn(args: string[], opts: RunOptions = {}): ChildProcess {
    return spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? this.dir,
      env: this.env(opts),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? {uid: opts.uid, gid: opts.gid ?? opts.uid} : {}),
    })
  }

  /** Spawns bl and resolves with its result. */
  runAsync(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return collect(this.spawn(args, opts))
  }

  p(rel: string): string {
    return path.join(this.dir, rel)
  }

  write(rel: string, data: string | Buffer, mode?: number): void {
    const abs = this.p(rel)
    fs.mkdirSync(path.dirname(abs), {recursive: true})
    fs.writeFileSync(abs, data)
    if (mode !== undefined) fs.chmodSync(abs, mode)
  }

  read(rel: string): Buffer {
    return fs.readFileSync(this.p(rel))
  }

  exists(rel: string): boolean {
    return fs.existsSync(this.p(rel)) || isSymlink(this.p(rel))
  }

  cleanup(): void {
    rmrf(this.base)
  }
}

/** Adds --json before a `--` separator (after it, it would be a path). */
export function withJson(args: string[]): string[] {
  const i = args.indexOf('--')
  return i < 0 ? [...args, '--json'] : [...args.slice(0, i), '--json', ...args.slice(i)]
}

export function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink()
  } catch {
    return false
  }
}

export function collect(child: ChildProcess): Promise<RunResult> {
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout?.on('data', (b: Buffer) => out.push(b))
  child.stderr?.on('data', (b: Buffer) => err.push(b))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve(toResult(code, signal, Buffer.concat(out), Buffer.concat(err))))
  })
}

/** Deterministic pseudo-random bytes (AES-CTR keystream), fast for tens of MB. */
export function prng(n: number, seed: number | string): Buffer {
  const key = crypto.createHash('sha256').update(String(seed)).digest().subarray(0, 16)
  const c = crypto.createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  return Buffer.concat([c.update(Buffer.alloc(n)), c.final()])
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Lines of text output without the trailing empty line. */
export function lines(s: string): string[] {
  const l = s.split('\n')
  if (l.length && l[l.length - 1] === '') l.pop()
  return l
}

export function isRoot(): boolean {
  return process.getuid?.() === 0
}

/**
 * The `.bl` of a repository `bl init` made in this test process: copied into each repository of
 * repoWith/repoWithA, one `bl` process fewer each (the tests that are about `init` run it).
 * `init` writes only `.bl` (the database with HEAD naming `main`), the same for every sandbox.
 */
let initialized: string | undefined
export function initRepo(s: Sandbox): void {
  if (!initialized) {
    const t = makeTmp('bl-init-template-')
    process.on('exit', () => rmrf(t))
    const r = spawnSync(process.execPath, [BIN, 'init', '-q', 'repo'], {cwd: t, env: {...inheritedEnv(), BL_CONFIG_DIR: path.join(t, 'config')}})
    if (r.status !== 0) throw new Error(`bl init for the template exited ${r.status}: ${r.stderr}`)
    initialized = path.join(t, 'repo', '.bl')
  }
  fs.cpSync(initialized, path.join(s.dir, '.bl'), {recursive: true})
}

/** A sandbox with `bl init` done and, if files are given, one commit of them. */
export function repoWith(files: Record<string, string | Buffer> = {}, message = 'initial'): Sandbox {
  const s = new Sandbox()
  try {
    initRepo(s)
    const names = Object.keys(files)
    for (const n of names) s.write(n, files[n]!)
    if (names.length) {
      s.ok(['add', '-A', '-q'])
      s.ok(['commit', '-q', '-m', message])
    }
    return s
  } catch (e) {
    s.cleanup()
    throw e
  }
}

/** Commit id of a revision, via `bl log -n 1 --json <rev>`. */
export function revId(s: Sandbox, rev: string): string {
  const log = s.j(['log', '-n', '1', rev])
  return log[0].id
}

// ---- async variants (let independent suites of one file run side by side) ----------------------

/** Runs bl asynchronously and asserts exit 0. */
export async function okA(s: Sandbox, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await s.runAsync(args, opts)
  if (r.code !== 0) throw new Error(`bl ${args.join(' ')} exited ${r.code} (signal ${r.signal})\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`)
  return r
}

/** Writes `files`, stages everything and commits; returns the commit's id (two processes: add, commit --json). */
export async function commitFiles(s: Sandbox, files: Record<string, string | Buffer>, msg: string): Promise<string> {
  for (const [p, v] of Object.entries(files)) s.write(p, v)
  await okA(s, ['add', '-A', '-q'])
  return (await jA(s, ['commit', '-m', msg])).id
}

/** Async `Sandbox.j`: runs bl --json, asserts exit 0 and returns `result`. */
export async function jA(s: Sandbox, args: string[], opts: RunOptions = {}): Promise<any> {
  const r = await okA(s, withJson(args), opts)
  const doc = r.json()
  if (doc.ok !== true) throw new Error(`bl ${args.join(' ')} --json: not ok: ${r.stdout}`)
  return doc.result
}

export async function repoWithA(files: Record<string, string | Buffer> = {}, message = 'initial'): Promise<Sandbox> {
  const s = new Sandbox()
  try {
    initRepo(s)
    const names = Object.keys(files)
    for (const n of names) s.write(n, files[n]!)
    if (names.length) {
      await okA(s, ['add', '-A', '-q'])
      await okA(s, ['commit', '-q', '-m', message])
    }
    return s
  } catch (e) {
    s.cleanup()
    throw e
  }
}

export async function revIdA(s: Sandbox, rev: string): Promise<string> {
  return (await jA(s, ['log', '-n', '1', rev]))[0].id
}

/**
 * Runs a command that must fail: text mode prints exactly an `error:` and a `hint:` line and
 * exits `exit`; `--json` gives `{ok: false, error}` with `code` and the same exit. Returns the error.
 */
export function failsWith(s: Sandbox, args: string[], exit: number, code: string): any {
  const t = s.bl(args)
  assert.equal(t.code, exit, `bl ${args.join(' ')}: exit ${t.code}\n${t.stderr}`)
  const errLines = lines(t.stderr)
  assert.equal(errLines.length, 2, t.stderr)
  assert.match(errLines[0]!, /^error: /)
  assert.match(errLines[1]!, /^hint: /)
  const j = s.bl(withJson(args))
  assert.equal(j.code, exit)
  const doc = j.json()
  assert.equal(doc.ok, false)
  assert.equal(doc.error.code, code)
  return doc.error
}
