/**
 * More set-up in the test process (see inproc.ts): keys, config, protection policy, signed commits
 * and directory-remote transfers, each the core call its `bl` command makes, with the options its
 * flags give, on a context built as `withRepo` builds it (same environment, cwd and user config
 * dir). For building state only: what a test is about still runs through `bl`.
 *
 * Not for S3 remotes: the AWS SDK takes credentials and region from process.env, which here is the
 * test process's, not the sandbox's (a `bl` started with s3Env gets them): keep those as `bl`.
 */
import type {Context} from '../../src/core/context.ts'
import {add} from '../../src/core/ops/add.ts'
import {restore} from '../../src/core/ops/checkout.ts'
import {commit} from '../../src/core/ops/commit.ts'
import {init} from '../../src/core/ops/init.ts'
import {keyExport, keyGenerate, keyImport} from '../../src/core/ops/keys.ts'
import {ownersAdd, ownersRemove, protectSet, signersAdd, type RuleFlags} from '../../src/core/ops/protect.ts'
import {remoteSetUrl} from '../../src/core/ops/remote.ts'
import {reset} from '../../src/core/ops/reset.ts'
import {clone, fetch, pull, push} from '../../src/core/ops/sync.ts'
import {contextOf, withRepo} from './inproc.ts'
import {ops} from './inproc-history.ts'
import type {RunOptions, Sandbox} from './helpers.ts'

/** Warnings a command would print to stderr: set-up asserts nothing about them. */
const ignore = (): void => {}

/** remoteOptionsFrom() of a command given none of the remote flags. */
const NO_REMOTE_FLAGS = {endpoint: undefined, region: undefined, profile: undefined, pathStyle: undefined, concurrency: undefined}

/** Options of `bl commit` (flags -> core) that set-up uses. */
export interface CommitFlags {
  /** -a */
  all?: boolean
  /** -S (true), --no-sign (false) */
  sign?: boolean
  /** --key */
  key?: string
  /** --input (repeatable) */
  input?: string[]
  /** --allow-empty */
  allowEmpty?: boolean
}

/** `bl commit -m <message>` with the given flags, in-process; returns core's result (id, signedBy, ...). */
export function commitIP(s: Sandbox, message: string, f: CommitFlags = {}, opts: RunOptions = {}) {
  return withRepo(s, (r) => commit(r, {message, all: f.all, paths: [], allowEmpty: f.allowEmpty, sign: f.sign, signingKey: f.key, inputs: f.input}), opts)
}

/**
 * The in-process counterparts of set-up commands about keys, policy, config and remotes
 * (directory remotes only), each opening the repository afresh as its `bl` would.
 */
export function trust(s: Sandbox, opts: RunOptions = {}) {
  const ctx = (): Context => contextOf(s, opts)
  return {
    // add, switch, checkout, config, remote add, rev and the rest: inproc-history.ts's ops()
    ...ops(s, opts),
    /** `bl init -q [dir]` */
    init: (dir?: string) => init(ctx(), {dir}),
    /** `bl commit -q -m <message> [flags]`; returns the commit's id. */
    commit: async (message: string, f: CommitFlags = {}): Promise<string> => (await commitIP(s, message, f, opts)).id,
    /** `bl add -A -q` then `bl commit -q -m <message> [flags]`; returns the commit's id. */
    commitAll: async (message: string, f: CommitFlags = {}): Promise<string> => {
      await withRepo(s, (r) => add(r, {all: true, paths: []}), opts)
      return (await commitIP(s, message, f, opts)).id
    },
    /** `bl key generate --name <name> --email <email> [--no-passphrase] [--expires]`; returns the key (fingerprint, ...). */
    keyGenerate: (name: string, email: string, o: {noPassphrase?: boolean; expiresIn?: number} = {}) => keyGenerate(ctx(), {name, email, noPassphrase: o.noPassphrase, expiresIn: o.expiresIn ?? 0}),
    /** `bl key import <file>` (relative to the sandbox's cwd). */
    keyImport: (file: string) => keyImport(ctx(), {file}),
    /** `bl key export <id> [--secret]`: the armored key, as printed. */
    keyExport: async (id: string, o: {secret?: boolean} = {}): Promise<string> => {
      const armored = (await keyExport(ctx(), id, o)).armored
      return armored.endsWith('\n') ? armored : armored + '\n'
    },
    /** `bl protect set <pattern> [flags]` */
    protectSet: (pattern: string, flags: RuleFlags) => withRepo(s, (r) => protectSet(r, pattern, flags, {}), opts),
    /** `bl signers add <key> [--branches ...] [--valid-from] [--valid-until]` */
    signersAdd: (id: string, o: {branches?: string[]; validFrom?: string; validUntil?: string} = {}) => withRepo(s, (r) => signersAdd(r, id, {branches: o.branches, validFrom: o.validFrom, validUntil: o.validUntil}, {}), opts),
    /** `bl owners add <key>` */
    ownersAdd: (id: string) => withRepo(s, (r) => ownersAdd(r, id, {}), opts),
    /** `bl owners remove <key>` */
    ownersRemove: (id: string) => withRepo(s, (r) => ownersRemove(r, id, {}), opts),
    /** `bl remote set-url <name> <url>` */
    remoteSetUrl: (name: string, url: string) => withRepo(s, (r) => remoteSetUrl(r, name, url, {...NO_REMOTE_FLAGS, onWarning: ignore}), opts),
    /** `bl push -q [-u] [--force] [<remote> <refspecs>...]` to a directory remote. */
    push: (o: {remote?: string; refspecs?: string[]; setUpstream?: boolean; force?: boolean} = {}) =>
      withRepo(s, (r) => push(r, {remote: o.remote, refspecs: o.refspecs ?? [], setUpstream: o.setUpstream, force: o.force, onWarning: ignore, onUnprotected: ignore}), opts),
    /** `bl fetch -q [<remote>]` from a directory remote. */
    fetch: (remote?: string) => withRepo(s, (r) => fetch(r, {remote, onWarning: ignore}), opts),
    /** `bl pull -q [--ff-only]` from a directory remote. */
    pull: (o: {ffOnly?: boolean} = {}) => withRepo(s, (r) => pull(r, {ffOnly: o.ffOnly, onWarning: ignore}), opts),
    /** `bl clone -q <url> <dir>` of a directory remote, run in opts.cwd (default: the sandbox's base directory). */
    clone: (url: string, dir: string) => clone(contextOf(s, {...opts, cwd: opts.cwd ?? s.base}), {url, dir, remoteOptions: NO_REMOTE_FLAGS, onWarning: ignore}),
    /** `bl restore --staged <paths>` */
    restoreStaged: (...paths: string[]) => withRepo(s, (r) => restore(r, {paths, staged: true, worktree: false}), opts),
    /** `bl reset --hard -q <rev>` */
    resetHard: (rev: string) => withRepo(s, (r) => reset(r, {mode: 'hard', rev}), opts),
  }
}
