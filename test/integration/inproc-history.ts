/**
 * More in-process set-up (see inproc.ts): the core calls of `bl init`, `tag`, `config`,
 * `schema pin`, `remote add`, `rm`, `mv`, `merge` (and `--continue`, `--abort`), `stash`, `reset`,
 * `restore`, `switch --detach`, `checkout`, and reading a revision's id, each on the sandbox's repository opened as its `bl`
 * would open it (withRepo: same environment, cwd and user config dir) and closed again before it
 * returns (`init` opens none: it makes the repository, as the command does). Each
 * runs the same core operation with the same options as the command named in its comment, so the
 * state it leaves is the command's. For building the history a test then examines with the real
 * binary; what a test is about (its output, exit code or effect asserted) still runs through `bl`.
 */
import {createRef} from '../../src/core/ops/branch.ts'
import {restore, switchTo} from '../../src/core/ops/checkout.ts'
import {commit} from '../../src/core/ops/commit.ts'
import {config} from '../../src/core/ops/config.ts'
import {init} from '../../src/core/ops/init.ts'
import {log} from '../../src/core/ops/log.ts'
import {merge, mergeAbort, mergeContinue} from '../../src/core/ops/merge.ts'
import {mv} from '../../src/core/ops/mv.ts'
import {reset, resetArgs, type ResetMode} from '../../src/core/ops/reset.ts'
import {remoteAdd} from '../../src/core/ops/remote.ts'
import {rm} from '../../src/core/ops/rm.ts'
import {schemaPin} from '../../src/core/ops/schema-pins.ts'
import {stashPush} from '../../src/core/ops/stash.ts'
import {loadCommit} from '../../src/core/odb.ts'
import {checkoutSide} from '../../src/core/ops/resolve.ts'
import {resolveRevision} from '../../src/core/refs/revision.ts'
import type {RunOptions, Sandbox} from './helpers.ts'
import {contextOf, setup, withRepo} from './inproc.ts'

/**
 * `setup(s, opts)` plus the set-up commands below; `opts.env` is the environment the `bl` would
 * get (e.g. BL_AUTHOR_DATE), as with `s.ok(args, opts)`.
 */
export function ops(s: Sandbox, opts: RunOptions = {}) {
  const w = <T>(fn: Parameters<typeof withRepo<T>>[1]): Promise<T> => withRepo(s, fn, opts)
  return {
    ...setup(s, opts),
    /**
     * `bl commit -q [-a] [--allow-empty] -m <message>` (several `-m` are one message joined by a
     * blank line, as the command joins them); returns the commit's id.
     */
    commitMsg: async (message: string | string[], o: {all?: boolean; allowEmpty?: boolean} = {}): Promise<string> =>
      (await w((r) => commit(r, {message: Array.isArray(message) ? message.join('\n\n') : message, all: o.all ?? false, allowEmpty: o.allowEmpty ?? false, paths: []}))).id,
    /** `bl commit -q -a -m <message>`; returns the commit's id. */
    commitA: async (message: string): Promise<string> => (await w((r) => commit(r, {message, all: true, paths: []}))).id,
    /** `bl tag -q <name> [<rev>]` */
    tag: (name: string, rev = 'HEAD') => w((r) => createRef(r, 'tag', name, rev, false)),
    /** `bl init -q` in opts.cwd (or the sandbox's directory); opens no repository, it makes one. */
    init: () => init(contextOf(s, opts), {dir: undefined, initialBranch: 'main'}),
    /** `bl config -q <key> <value>` (the repository's settings). */
    config: (key: string, value: string) => config(contextOf(s, opts), {key, value, global: false, unset: false, list: false}),
    /** `bl schema pin -q <pattern> [--from <rev:path>] [--strict]` */
    schemaPin: (pattern: string, o: {from?: string; strict?: boolean} = {}) => w((r) => schemaPin(r, {pattern, from: o.from, strict: o.strict})),
    /** `bl remote add <name> <url>` (no options) */
    remoteAdd: (name: string, url: string) => w((r) => remoteAdd(r, name, url, {endpoint: undefined, region: undefined, profile: undefined, pathStyle: undefined, concurrency: undefined})),
    /** `bl rm -q [--cached] <paths>` */
    rm: (paths: string[], o: {cached?: boolean} = {}) => w((r) => rm(r, {paths, cached: o.cached ?? false, recursive: false, force: false, dryRun: false})),
    /** `bl mv -q <from> <to>` */
    mv: (from: string, to: string) => w((r) => mv(r, {paths: [from, to], force: false, dryRun: false, skipErrors: false})),
    /** `bl merge -q <rev> [-m <message>]` */
    merge: (rev: string, message?: string) => w((r) => merge(r, {rev, message})),
    /** `bl merge -q --continue` */
    mergeContinue: (message?: string) => w((r) => mergeContinue(r, {message})),
    /** `bl merge -q --abort` (files, index and HEAD back as before the stopped merge) */
    mergeAbort: () => w((r) => mergeAbort(r)),
    /** `bl stash -q [-u] [--keep-index] [-m <message>] [-- <paths>]` */
    stash: (o: {untracked?: boolean; keepIndex?: boolean; message?: string; paths?: string[]} = {}) =>
      w((r) => stashPush(r, {message: o.message, includeUntracked: o.untracked ?? false, keepIndex: o.keepIndex ?? false, paths: o.paths ?? []})),
    /** `bl reset -q [--<mode>] [<rev>]` (no paths) */
    reset: (mode: ResetMode = 'mixed', rev?: string) => w((r) => reset(r, {mode, ...resetArgs(r, rev === undefined ? [] : [rev], undefined)})),
    /** `bl restore -q <paths>` (the work tree from the index) */
    restore: (...paths: string[]) => w((r) => restore(r, {paths, source: undefined, staged: false, worktree: true})),
    /** `bl checkout -q -- <paths>` (the work tree from the index) */
    checkoutPaths: (...paths: string[]) => w((r) => restore(r, {paths, source: undefined, staged: false, worktree: true, overlay: true})),
    /** The tree id of the commit a revision names. */
    tree: (rev: string): Promise<string> => w((r) => loadCommit(r.store, resolveRevision(r, rev)).tree),
    /** `bl switch -q --detach <rev>` */
    switchDetach: (target: string) => w((r) => switchTo(r, {target, detach: true, force: false, branchOnly: true})),
    /** `bl checkout -q --ours|--theirs <paths>` (a stopped merge's conflicts resolved with one side) */
    checkoutSide: (side: 'ours' | 'theirs', ...paths: string[]) => w((r) => checkoutSide(r, paths, side)),
    /** `bl checkout -q <rev>` (a branch, or a commit: detached) */
    checkout: (target: string) => w((r) => switchTo(r, {target, detach: false, force: false})),
    /** The commit a revision names (what `revId` reads with `bl log -n 1 --json <rev>`). */
    rev: (rev = 'HEAD'): Promise<string> => w((r) => resolveRevision(r, rev)),
    /** `bl log --json [--all]`'s entries: id and message. */
    log: (o: {all?: boolean} = {}) => w((r) => log(r, {all: o.all ?? false}).map((e) => ({id: e.id, message: e.message}))),
  }
}
