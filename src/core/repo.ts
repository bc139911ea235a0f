/**
 * A Repo: the work tree root, the store, configuration, identity and the clock. Every operation
 * takes one. `openRepo` finds `.bl/` from the current directory upwards, like Git finds `.git/`.
 */
import fs from 'node:fs'
import path from 'node:path'
import {envConfig, parseGitBool, UserConfig} from './config.js'
import type {Context} from './context.js'
import {BlError, printable} from './errors.js'
import type {Signature} from './objects/commit.js'
import {FSYNC_MODES, SqliteObjectStore, type FsyncMode} from './store/sqlite-object-store.js'

export const BL_DIR = '.bl'
export const DB_FILE = 'bl.db'

export class Repo {
  readonly userConfig: UserConfig
  /** Git's user.name/user.email, loaded by `loadCodeIdentity` (src/core/gitlink) when bl has none. */
  codeIdentity: {name?: string; email?: string} | undefined

  constructor(
    readonly root: string,
    readonly store: SqliteObjectStore,
    readonly ctx: Context,
  ) {
    this.userConfig = new UserConfig(ctx.userConfigDir)
  }

  /** Applies `core.fsync` to the store before a bulk write (read then, so `bl config` can still fix a bad value). */
  prepareBulkWrites(): void {
    this.store.setFsyncMode(this.fsyncMode())
  }

  private fsyncMode(): FsyncMode {
    const v = this.config('core.fsync') ?? 'batch'
    if (!(FSYNC_MODES as readonly string[]).includes(v))
      throw new BlError('BAD_CONFIG', `core.fsync is "${v}"; expected one of ${FSYNC_MODES.join(', ')}`, {hint: 'Fix it with `bl config core.fsync batch` (or `always`).'})
    return v as FsyncMode
  }

  get blDir(): string {
    return path.join(this.root, BL_DIR)
  }

  /** BL_CONFIG_* environment over repo-level config over user-level config. */
  config(key: string): string | undefined {
    return envConfig(this.ctx.env).get(key) ?? this.store.getConfig(key) ?? this.userConfig.get(key)
  }

  /**
   * A true/false setting (`config`), undefined when unset. Git's keys are case-insensitive and its
   * docs spell some in camelCase (`rebase.autoStash`), so the all-lower-case key counts too.
   */
  configBool(key: string): boolean | undefined {
    const v = this.config(key) ?? (key === key.toLowerCase() ? undefined : this.config(key.toLowerCase()))
    if (v === undefined) return undefined
    const b = parseGitBool(v)
    if (b !== undefined) return b
    throw new BlError('BAD_CONFIG', `${key} is "${printable(v)}"; expected true or false`, {hint: `Fix it with \`bl config ${key} true\` (or false).`, data: {key, value: v}})
  }

  /** bl's own identity is configured (environment or config), so Git's is not needed. */
  hasOwnIdentity(): boolean {
    const env = this.ctx.env
    return Boolean((env.BL_AUTHOR_NAME ?? this.config('user.name')) && (env.BL_AUTHOR_EMAIL ?? this.config('user.email')))
  }

  now(): Date {
    return this.ctx.now()
  }

  nowMs(): number {
    return this.ctx.now().getTime()
  }

  /**
   * Author/committer identity: BL_AUTHOR_* > bl config (env, repo, user) > the enclosing Git
   * repository's identity (when loaded, see codeIdentity); else a Git-like error.
   */
  identity(role: 'author' | 'committer' = 'author'): Signature {
    const env = this.ctx.env
    const up = role.toUpperCase()
    const name = env[`BL_${up}_NAME`] ?? env.BL_AUTHOR_NAME ?? this.config('user.name') ?? this.codeIdentity?.name
    const email = env[`BL_${up}_EMAIL`] ?? env.BL_AUTHOR_EMAIL ?? this.config('user.email') ?? this.codeIdentity?.email
    if (!name || !email)
      throw new BlError('IDENTITY_UNKNOWN', `${role} identity unknown: ${!name ? 'user.name' : 'user.email'} is not set`, {
        hint: 'Run `bl config --global user.name "Your Name"` and `bl config --global user.email you@example.com` (or set BL_AUTHOR_NAME / BL_AUTHOR_EMAIL, or user.name/user.email in Git).',
      })
    const dateEnv = env[`BL_${up}_DATE`] ?? env.BL_AUTHOR_DATE
    const {time, tz} = dateEnv ? parseDateEnv(dateEnv) : {time: Math.floor(this.now().getTime() / 1000), tz: -this.now().getTimezoneOffset()}
    return {name, email, time, tz}
  }

  private leaseId: number | null = null

  /**
   * Registers this process, until close, as writing objects it has not made reachable yet, so a
   * concurrent gc or evict waits (ops/lease.ts). Call outside a transaction, before the first write.
   */
  holdLease(command: string): void {
    if (this.leaseId === null) this.leaseId = this.store.acquireLease(process.pid, command, this.now().getTime())
  }

  close(): void {
    if (this.leaseId !== null) this.store.releaseLease(this.leaseId)
    this.leaseId = null
    this.store.close()
  }
}

/** The largest time a JavaScript Date holds, in seconds (a day less leaves room for any time zone). */
const MAX_DATE_SECONDS = 8_640_000_000_000

/** `<unix seconds> <+hhmm>` (Git's internal date format) or an ISO 8601 date. */
function parseDateEnv(s: string): {time: number; tz: number} {
  const m = /^(\d+) ([+-])(\d\d)(\d\d)$/.exec(s.trim())
  // Past year 275760 no Date (and no tool reading the history) can show the time.
  if (m && Number(m[1]) > MAX_DATE_SECONDS - 86_400) throw new BlError('INVALID_ARGUMENT', `invalid date "${s}": later than any calendar date`, {hint: 'Use "<unix-seconds> +0000" with a time before year 275760, or an ISO 8601 date.'})
  if (m) return {time: Number(m[1]), tz: (m[2] === '-' ? -1 : 1) * (Number(m[3]) * 60 + Number(m[4]))}
  const t = Date.parse(s)
  if (Number.isNaN(t)) throw new BlError('INVALID_ARGUMENT', `invalid date "${s}"`, {hint: 'Use "<unix-seconds> +0000" or an ISO 8601 date.'})
  return {time: Math.floor(t / 1000), tz: 0}
}

export function findRoot(start: string): string | undefined {
  let dir = path.resolve(start)
  for (;;) {
    if (fs.existsSync(path.join(dir, BL_DIR, DB_FILE))) return dir
    const parent = path.dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

function busyTimeout(ctx: Context): number {
  const v = ctx.env.BL_LOCK_TIMEOUT
  const n = v === undefined ? 30_000 : Number(v)
  return Number.isFinite(n) && n >= 0 ? n : 30_000
}

export function openRepo(ctx: Context): Repo {
  const root = findRoot(ctx.cwd)
  if (!root)
    throw new BlError('NOT_A_REPOSITORY', `not a bl repository (or any parent up to /): ${ctx.cwd}`, {hint: 'Run `bl init` to create one here, or cd into a repository.'})
  const store = SqliteObjectStore.open(path.join(root, BL_DIR, DB_FILE), {busyTimeoutMs: busyTimeout(ctx)})
  return new Repo(root, store, ctx)
}

export function createRepo(ctx: Context, dir: string, initialBranch: string): Repo {
  const root = path.resolve(ctx.cwd, dir)
  const blDir = path.join(root, BL_DIR)
  if (fs.existsSync(path.join(blDir, DB_FILE)))
    throw new BlError('ALREADY_A_REPOSITORY', `${root} is already a bl repository`, {hint: 'Nothing to do; use the existing repository.'})
  fs.mkdirSync(blDir, {recursive: true})
  const store = SqliteObjectStore.open(path.join(blDir, DB_FILE), {create: true, busyTimeoutMs: busyTimeout(ctx)})
  store.transaction(() => store.setSymref('HEAD', `refs/heads/${initialBranch}`), {durable: true})
  return new Repo(root, store, ctx)
}
