/**
 * Pinned data versions (docs/git-link.md): `bl pin` writes bl.lock into the code repository — the
 * remote, branch and commit id of the data (and who signed it) — and `--locked` on checkout, pull
 * and clone reproduces exactly that commit. The commit id fixes every byte (each object is checked
 * against its id as it arrives); a recorded signer must still have signed it. `pin --check` is the
 * CI gate: the work tree, and with `remote` the remote branch, must match the lock.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {Context} from '../context.js'
import {BlError, fsError} from '../errors.js'
import {findGitRoot} from '../gitlink/git-bridge.js'
import {CommitGraph} from '../graph.js'
import type {Oid} from '../hash.js'
import {commitPayload} from '../objects/commit.js'
import {loadCommit} from '../odb.js'
import {decodeLock, encodeLock, LOCK_FILE, type Lock} from '../pin/lock-file.js'
import {HEADS, readHead, readRef, shortRef} from '../refs/refs.js'
import {resolveRevision} from '../refs/revision.js'
import {upstreamOf} from '../refs/upstream.js'
import {listRemotes, parseRemoteUrl, readRemote} from '../remote/remotes.js'
import type {Repo} from '../repo.js'
import {Keyring} from '../signing/keyring.js'
import {signatureError, verifySignature} from '../signing/verify.js'
import {switchTo, type SwitchOptions, type SwitchResult} from './checkout.js'
import {status} from './status.js'
import {clone, fetch, fetchCommit, lsRemote, type CloneOptions, type CloneResult, type FetchResult} from './sync.js'

export interface PinResult {
  file: string
  lock: Lock
  /** false when bl.lock already said exactly this. */
  changed: boolean
}

/** Writes bl.lock for `rev` (default HEAD) next to the code: the enclosing Git repository's root, else the data root. */
export async function pin(repo: Repo, opts: {rev?: string; remote?: string; branch?: string; file?: string} = {}): Promise<PinResult> {
  const rev = opts.rev ?? 'HEAD'
  const commit = resolveRevision(repo, rev)
  const head = readHead(repo)
  const branch = opts.branch ?? (readRef(repo, HEADS + rev) ? rev : head.branch ? shortRef(head.branch) : null)
  if (!branch) throw new BlError('INVALID_ARGUMENT', 'HEAD is detached: which branch does the pin follow?', {hint: 'Name it with --branch <name>.'})
  const up = upstreamOf(repo, HEADS + branch)
  const names = listRemotes(repo).map((r) => r.name)
  const remoteName = opts.remote ?? up?.remote ?? (names.includes('origin') ? 'origin' : names.length === 1 ? names[0] : undefined)
  if (!remoteName) throw new BlError('REMOTE_NOT_FOUND', 'no remote to pin the data to', {hint: 'A pin names where the data is: `bl remote add origin <url>`, `bl push`, then `bl pin` (or pass --remote).'})
  const remote = readRemote(repo, remoteName)
  const remoteBranch = up && up.remote === remoteName ? up.ref.slice(HEADS.length) : branch
  // Only a published commit can be reproduced elsewhere.
  const tracking = readRef(repo, `refs/remotes/${remoteName}/${remoteBranch}`)
  if (!tracking || !new CommitGraph(repo.store).isAncestor(commit, tracking))
    throw new BlError('NOT_PUSHED', `commit ${commit.slice(0, 12)} is not on ${remoteName}/${remoteBranch}`, {hint: `Push it first (\`bl push ${remoteName} ${branch}\`), then pin; CI can only fetch what the remote has.`, data: {commit, remote: remoteName, branch: remoteBranch}})
  const signedBy = await signerOf(repo, commit)
  const file = path.resolve(repo.ctx.cwd, opts.file ?? path.join((await findGitRoot(repo.root)) ?? repo.root, LOCK_FILE))
  const rel = path.relative(path.dirname(file), repo.root)
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new BlError('INVALID_ARGUMENT', `${file} is not above the data work tree ${repo.root}`, {hint: 'Write bl.lock in the code repository that contains the data directory (or in the data directory itself).'})
  const lock: Lock = {
    remote: remote.url,
    endpoint: remote.endpoint ?? null,
    region: remote.region ?? null,
    pathStyle: remote.pathStyle ?? null,
    branch: remoteBranch,
    commit,
    path: rel === '' ? '.' : rel.split(path.sep).join('/'),
    signedBy,
  }
  const text = encodeLock(lock)
  const before = fs.existsSync(file) ? readLockText(file) : null
  if (before !== text) {
    const tmp = `${file}.${process.pid}.tmp`
    fs.writeFileSync(tmp, text)
    fs.renameSync(tmp, file)
  }
  return {file, lock, changed: before !== text}
}

/** The fingerprint of a good signature on `commit`, null when unsigned; a bad signature is refused. */
async function signerOf(repo: Repo, commit: Oid): Promise<string | null> {
  const c = loadCommit(repo.store, commit)
  if (!c.signature) return null
  const v = await verifySignature(await Keyring.open(repo.ctx), commitPayload(c), c.signature, repo.now())
  if (v.status !== 'good') throw signatureError(`commit ${commit.slice(0, 12)}`, {commit, ...v})
  return v.fingerprint
}

/** bl.lock from `file`, or the nearest one from `start` upwards. */
export function readLock(start: string, file?: string): {file: string; lock: Lock; searched: boolean} {
  let found: string | undefined
  if (file) found = path.resolve(start, file)
  else {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, LOCK_FILE))) {
        found = path.join(dir, LOCK_FILE)
        break
      }
      if (path.dirname(dir) === dir) break
    }
  }
  if (!found || !fs.existsSync(found))
    throw new BlError('LOCK_NOT_FOUND', file ? `${found}: no such file` : `no ${LOCK_FILE} in ${start} or any parent directory`, {hint: 'Write one with `bl pin` in the data repository, or point at it with --lock-file.'})
  return {file: found, lock: decodeLock(readLockText(found), found), searched: !file}
}

/** The text of a lock file; a directory (or anything but a file) in its place is a usage error. */
function readLockText(file: string): string {
  let st: fs.Stats
  try {
    st = fs.statSync(file)
    if (st.isFile()) return fs.readFileSync(file, 'utf8')
  } catch (err) {
    throw fsError(err, file, 'reading')
  }
  throw new BlError('INVALID_ARGUMENT', `${file} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}, not a lock file`, {hint: `Name the file itself (e.g. ${path.join(file, LOCK_FILE)}) with --lock-file, or remove what is in the way.`, data: {file}})
}

/**
 * A bl.lock found by searching upwards must name this repository as its data (`path`): else it is
 * another data directory's pin (a project with several), and comparing with it is meaningless. An
 * explicit --lock-file may be used from anywhere (a CI job's clone elsewhere).
 */
function lockNamesRepo(repo: Repo, file: string, lock: Lock): string | null {
  const named = path.resolve(path.dirname(file), lock.path)
  const real = (p: string): string => {
    try {
      return fs.realpathSync(p)
    } catch {
      return p
    }
  }
  return real(named) === real(repo.root) ? null : `${file} pins the data at ${named}, not this repository (${repo.root})`
}

/** The pinned commit must be here, intact, and signed by the recorded key when the lock names one. */
async function verifyPinned(repo: Repo, file: string, lock: Lock): Promise<void> {
  if (!repo.store.hasObject(lock.commit))
    throw new BlError('UNKNOWN_REVISION', `the commit pinned by ${file} (${lock.commit.slice(0, 12)}) is not in this repository`, {hint: '`bl pull --locked` fetches it from the pinned remote.', data: {commit: lock.commit}})
  // loadCommit checks the bytes against the id.
  const c = loadCommit(repo.store, lock.commit)
  if (!lock.signedBy) return
  const v = await verifySignature(await Keyring.open(repo.ctx), commitPayload(c), c.signature, repo.now())
  if (v.status !== 'good') throw signatureError(`pinned commit ${lock.commit.slice(0, 12)}`, {commit: lock.commit, ...v})
  if (v.fingerprint !== lock.signedBy)
    throw new BlError('BAD_SIGNATURE', `pinned commit ${lock.commit.slice(0, 12)} is signed by ${v.fingerprint}, but ${file} requires ${lock.signedBy}`, {hint: 'Someone re-signed or replaced the data; check with `bl verify-commit`, and pin again only if you trust the new signer.', data: {commit: lock.commit, expected: lock.signedBy, actual: v.fingerprint}})
}

/** The lock `--locked` follows in this repository: a lock found upwards must name it (lockNamesRepo). */
function readRepoLock(repo: Repo, fileOpt: string | undefined): {file: string; lock: Lock} {
  const {file, lock, searched} = readLock(repo.ctx.cwd, fileOpt)
  const elsewhere = searched ? lockNamesRepo(repo, file, lock) : null
  if (elsewhere) throw new BlError('PIN_MISMATCH', elsewhere, {hint: `Run it in ${path.resolve(path.dirname(file), lock.path)}, or name the lock file with --lock-file.`, data: {file, path: lock.path}})
  return {file, lock}
}

export type LockedCheckoutResult = SwitchResult & {file: string; lock: Lock}

/** bl checkout --locked: HEAD at the pinned commit (staying on the branch when it is already there). */
export async function checkoutLocked(repo: Repo, opts: {file?: string; force?: boolean; progress?: SwitchOptions['progress']} = {}): Promise<LockedCheckoutResult> {
  const {file, lock} = readRepoLock(repo, opts.file)
  await verifyPinned(repo, file, lock)
  const head = readHead(repo)
  const target = head.branch && head.oid === lock.commit ? shortRef(head.branch) : lock.commit
  const res = await switchTo(repo, {target, detach: target === lock.commit, force: opts.force, progress: opts.progress})
  return {...res, file, lock}
}

/** The configured remote the lock's URL names. */
function remoteForLock(repo: Repo, lock: Lock): string {
  const want = JSON.stringify(parseRemoteUrl(lock.remote, repo.root))
  const r = listRemotes(repo).find((x) => JSON.stringify(parseRemoteUrl(x.url, repo.root)) === want)
  if (!r) throw new BlError('REMOTE_NOT_FOUND', `no remote of this repository points at ${lock.remote} (from ${LOCK_FILE})`, {hint: `Add it: \`bl remote add pinned ${lock.remote}\`, or clone it with \`bl clone --locked\`.`, data: {url: lock.remote}})
  return r.name
}

export type LockedPullResult = LockedCheckoutResult & {fetch: FetchResult}

/** bl pull --locked: fetch from the pinned remote (the pinned commit even if no ref reaches it any more), then checkout --locked. */
export async function pullLocked(repo: Repo, opts: {file?: string; progress?: SwitchOptions['progress']; onWarning?(message: string): void} = {}): Promise<LockedPullResult> {
  const {file, lock} = readRepoLock(repo, opts.file)
  const remote = remoteForLock(repo, lock)
  const f = await fetch(repo, {remote, progress: opts.progress, onWarning: opts.onWarning})
  if (!repo.store.hasObject(lock.commit)) await fetchCommit(repo, remote, lock.commit, opts.progress)
  const res = await checkoutLocked(repo, {file, progress: opts.progress})
  return {...res, fetch: f}
}

export type LockedCloneResult = CloneResult & {file: string; lock: Lock}

/** bl clone --locked: a new data work tree at the lock's `path` (or `dir`), on the pinned commit. */
export async function cloneLocked(ctx: Context, opts: {dir?: string; file?: string} & Pick<CloneOptions, 'progress' | 'onWarning' | 'filter'> = {}): Promise<LockedCloneResult> {
  const {file, lock} = readLock(ctx.cwd, opts.file)
  const dir = opts.dir ?? path.join(path.dirname(file), lock.path)
  const res = await clone(ctx, {
    url: lock.remote,
    dir,
    intoExisting: opts.dir === undefined && lock.path === '.',
    branch: lock.branch,
    filter: opts.filter,
    remoteOptions: {endpoint: lock.endpoint ?? undefined, region: lock.region ?? undefined, pathStyle: lock.pathStyle ?? undefined},
    pinned: {commit: lock.commit, verify: (repo) => verifyPinned(repo, file, lock)},
    progress: opts.progress,
    onWarning: opts.onWarning,
  })
  return {...res, file, lock}
}

export interface PinCheckResult {
  file: string
  lock: Lock
  head: Oid | null
  clean: boolean
  /** The remote branch's commit (with `remote`), else null. */
  remoteHead: Oid | null
  ok: boolean
  problems: string[]
}

/** bl pin --check: does the data work tree (and with `remote`, the remote branch) still match bl.lock? */
export async function pinCheck(repo: Repo, opts: {file?: string; remote?: boolean} = {}): Promise<PinCheckResult> {
  const {file, lock, searched} = readLock(repo.ctx.cwd, opts.file)
  const problems: string[] = []
  const elsewhere = searched ? lockNamesRepo(repo, file, lock) : null
  if (elsewhere) problems.push(elsewhere)
  // The pinned commit's signature is checked as `--locked` checks it (exit 10 when not good).
  if (repo.store.hasObject(lock.commit)) await verifyPinned(repo, file, lock)
  const head = readHead(repo).oid
  if (head !== lock.commit) problems.push(`the data is at ${head?.slice(0, 12) ?? '(no commit)'}, ${LOCK_FILE} pins ${lock.commit.slice(0, 12)}`)
  const st = status(repo)
  if (!st.clean || st.untracked.length) problems.push(`the data work tree has changes not in any commit (${st.staged.length + st.unstaged.length} changed, ${st.untracked.length} untracked)`)
  let remoteHead: Oid | null = null
  if (opts.remote) {
    const refs = await lsRemote(undefined, {...repo.ctx, cwd: repo.root}, lock.remote, {endpoint: lock.endpoint ?? undefined, region: lock.region ?? undefined, pathStyle: lock.pathStyle ?? undefined})
    remoteHead = refs.find((r) => r.ref === HEADS + lock.branch)?.commit ?? null
    if (remoteHead !== lock.commit) problems.push(`${lock.remote} ${lock.branch} is at ${remoteHead?.slice(0, 12) ?? '(deleted)'}: the data changed without a new pin`)
  }
  const res: PinCheckResult = {file, lock, head, clean: st.clean && st.untracked.length === 0, remoteHead, ok: problems.length === 0, problems}
  if (!res.ok) {
    const dirty = !res.clean
    // Only the remote moved: the work tree is the pinned data, so the pin is what is out of date.
    const onlyRemote = !elsewhere && !dirty && head === lock.commit
    throw new BlError('PIN_MISMATCH', `${file} does not match: ${problems[0]}`, {
      hint: elsewhere
        ? `Run it in ${path.resolve(path.dirname(file), lock.path)}, or name the lock file with --lock-file.`
        : dirty
        ? 'Commit the changes and record the new version (`bl commit`, `bl push`, `bl pin`), or go back to the pinned data, dropping them (`bl checkout --locked -f`).'
        : onlyRemote
        ? `${lock.branch} moved on there: take its data and pin it (\`bl pull\`, then \`bl pin\`), or keep this pin and check without --upstream.`
        : 'Check out the pinned data (`bl checkout --locked`), or record this version with `bl push` and `bl pin`.',
      data: {...res},
    })
  }
  return res
}
