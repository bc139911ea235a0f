/**
 * push, fetch, pull, clone and ls-remote. A push uploads what the remote lacks, then moves the
 * remote ref with a conditional write: losing a race is FETCH_FIRST (exit 5), never a lost commit.
 * A fetch brings the missing objects (verified) and then moves the remote-tracking refs
 * (refs/remotes/<remote>/<branch>).
 */
import fs from 'node:fs'
import path from 'node:path'
import type {Context} from '../context.js'
import {UserConfig} from '../config.js'
import {BlError, printable} from '../errors.js'
import {CommitGraph} from '../graph.js'
import type {Oid} from '../hash.js'
import {fullRefNameProblem, HEADS, readHead, readRef, setHead, shortRef, TAGS, updateRefs} from '../refs/refs.js'
import {appendAudit, casRemoteRef, ensureBlRepo, listRemoteRefs, packsVanished, probeConditional, readAudit, readBlRepo, readRemoteRef, requireBlRepo, syncRemoteIndex, type RemoteRef} from '../remote/remote-repo.js'
import {reflog, type ReflogRow} from './reflog.js'
import {absoluteUrl, listRemotes, openTransport, readRemote, writeRemote, type RemoteSettings} from '../remote/remotes.js'
import {estimateUpload, fetchClosure, planPush, uploadPlan, type TransferProgress} from '../remote/transfer.js'
import type {ContentSink} from '../content-sink.js'
import {StagedFiles} from '../worktree/staged-files.js'
import {redactUrl, type Transport} from '../remote/transport.js'
import {createRepo, openRepo, type Repo} from '../repo.js'
import {materializeAbsent, moveWorktree, notCheckedOut, type CheckoutProgress} from './checkout.js'
import {ensureChunks, markPromisor} from './content.js'
import {readSparse, writeSparse} from '../worktree/sparse.js'
import {assertSafeTree, treeLimits} from '../worktree/tree-safety.js'
import {toRepoPath} from '../worktree/paths.js'
import {ffSetting, merge, type MergeResult} from './merge.js'
import {requireNoOperation} from './operation-state.js'
import {autostashWanted} from './autostash.js'
import {requireCleanIndex} from '../merge/apply.js'
import {rebase, requireCleanWorktree, type SequenceResult} from './sequence.js'
import {remoteAdd, type RemoteOptions} from './remote.js'
import {resolveRevision} from '../refs/revision.js'
import {setUpstream, upstreamOf} from '../refs/upstream.js'
import {commitTree, treeMap} from './snapshot.js'
import {runPool} from '../pool.js'
import {guardFetch, guardPush} from '../protect/enforce.js'
import {loadCodeIdentity} from '../gitlink/code-link.js'

export interface PushOptions {
  remote?: string
  /** Local branches or tags (default: the current branch); `src:dst` pushes src (also any revision) to dst. */
  refspecs?: string[]
  force?: boolean
  /**
   * Git's `--force-with-lease[=<ref>[:<expect>]]`, one entry per flag: a remote ref may be
   * overwritten (not only fast-forwarded) if it still is at `expect` (a revision; '' = it must not
   * exist), by default where its remote-tracking ref is; `ref` null (the bare flag) leases every
   * ref pushed that no entry names.
   */
  forceWithLease?: Array<{ref: string | null; expect?: string}>
  tags?: boolean
  delete?: boolean
  setUpstream?: boolean
  /**
   * Git's `--dry-run`: resolve, negotiate, check fast-forwards and protection rules and plan the
   * upload as a push would, then stop: nothing is written to the remote, no remote-tracking ref moves.
   */
  dryRun?: boolean
  progress?: TransferProgress
  /** Called once when the remote ignores conditional writes (the command prints a warning). */
  onUnprotected?(remote: string): void
  /** Warnings about the remote's protection policy (ignored, replaced, adopted). */
  onWarning?(message: string): void
}

export interface PushedRef {
  ref: string
  old: Oid | null
  new: Oid | null
  status: 'created' | 'updated' | 'forced' | 'deleted' | 'up-to-date'
}

export interface PushResult {
  remote: string
  refs: PushedRef[]
  /** With dryRun: the packs the upload would fill, and its bytes before compression. */
  packs: number
  bytes: number
  objects: number
  /** Nothing was written: what a push would have done (`push --dry-run`). */
  dryRun: boolean
}

/** The remote name a dry run plans against when the remote is not a bl repository yet: no cache of it, so everything counts as missing. */
const NEW_REMOTE = '\u0000new remote'

export async function withRemote<T>(repo: Repo, name: string, fn: (r: RemoteSettings, t: Transport) => Promise<T>): Promise<T> {
  const r = readRemote(repo, name)
  const t = await openTransport(r, repo.ctx.cwd)
  try {
    return await fn(r, t)
  } finally {
    t.close()
  }
}

/** Probes conditional-write support once per remote and remembers it (`bl remote list` shows it). */
async function ensureProbed(repo: Repo, r: RemoteSettings, t: Transport): Promise<boolean> {
  if (r.conditional !== undefined) return r.conditional
  const ok = await probeConditional(t)
  repo.store.transaction(() => writeRemote(repo, {...r, conditional: ok}), {durable: true})
  r.conditional = ok
  return ok
}

/**
 * The local cache of a remote's indexes belongs to one remote repository (its BLREPO id): if the
 * prefix was wiped and re-created, what we knew about it is dropped, or a push would skip objects.
 */
export function bindRemoteId(repo: Repo, remote: string, id: string): void {
  const key = `remote.${remote}.repo-id`
  const known = repo.store.getConfig(key)
  if (known === id) return
  repo.store.transaction(() => {
    if (known !== undefined) repo.store.forgetRemote(remote)
    repo.store.setConfig(key, id)
  }, {durable: true})
}

export function defaultRemote(repo: Repo, name?: string): string {
  if (name) return name
  const head = readHead(repo)
  const up = head.branch ? upstreamOf(repo, head.branch) : undefined
  return up?.remote ?? 'origin'
}

/**
 * The remote ref `push --delete <name>` means: a full `refs/...` name as given, else the branch or,
 * failing that, the tag of that name (Git matches against the remote's refs the same way).
 */
async function remoteRefToDelete(t: Transport, remoteName: string, name: string): Promise<string> {
  const candidates = name.startsWith('refs/') ? [name] : [HEADS + name, TAGS + name]
  const found: string[] = []
  for (const ref of candidates) if (await readRemoteRef(t, ref)) found.push(ref)
  if (found.length === 0)
    throw new BlError('REF_NOT_FOUND', `${name} does not exist on ${remoteName}`, {hint: '`bl ls-remote` lists the remote refs.', data: {ref: name}})
  if (found.length > 1)
    throw new BlError('INVALID_ARGUMENT', `${name} names both a branch and a tag on ${remoteName}`, {hint: `Give the full name: ${found.map((r) => '`' + r + '`').join(' or ')}.`, data: {ref: name}})
  return found[0]!
}

interface PushSpec {
  src: Oid
  /** As typed (`old:main`), for hints. */
  spec: string
  /** The full remote ref to move. */
  dst: string
  /** The local branch or tag pushed, or null for a revision (a commit id, HEAD~1, ...). */
  localRef: string | null
  /** A tag pushed to a destination typed without refs/ (`v1:v2`): a tag there, unless the remote has that branch (pushTagTo). */
  tagToBareName?: string
}

/**
 * `src[:dst]`, split at its first colon, as Git reads it: the source is a branch or tag (HEAD: the
 * current branch), else any revision, which then needs an explicit destination. The destination is
 * made a full ref (without `refs/` it is a branch) and checked with `bl branch`'s rules: an invalid
 * name could not be fetched back, and on a directory remote `main.lock` would take the place of
 * main's lock file. Everything is resolved before anything is written to the remote.
 */
function resolvePushSpec(repo: Repo, remoteName: string, spec: string): PushSpec {
  const colon = spec.indexOf(':')
  const srcName = colon < 0 ? spec : spec.slice(0, colon)
  if (srcName === '') throw new BlError('INVALID_ARGUMENT', `"${printable(spec)}" has no source`, {hint: `To delete a remote branch, run \`bl push ${remoteName} --delete ${printable(spec.slice(1)) || '<branch>'}\`.`, data: {refspec: spec}})
  const head = readHead(repo)
  const candidates = srcName === 'HEAD' || srcName === '@' ? (head.branch ? [head.branch] : []) : srcName.startsWith('refs/') ? [srcName] : [HEADS + srcName, TAGS + srcName]
  let localRef: string | null = candidates.find((c) => readRef(repo, c) !== null) ?? null
  let src: Oid
  if (localRef) src = readRef(repo, localRef)!
  else {
    try {
      src = resolveRevision(repo, srcName)
    } catch (err) {
      if (!(err instanceof BlError && err.code === 'UNKNOWN_REVISION')) throw err
      throw new BlError('REF_NOT_FOUND', `src refspec ${printable(srcName)} does not match any branch, tag or commit`, {hint: 'Name an existing branch (see `bl branch`) or a commit (see `bl log`).', data: {ref: srcName}})
    }
    if (colon < 0)
      throw new BlError('INVALID_ARGUMENT', `${printable(srcName)} is not a branch or tag: the destination refspec must be given`, {
        hint: `Name the remote branch to move: \`bl push ${remoteName} ${printable(srcName)}:<branch>\`.`,
        data: {ref: srcName},
      })
    localRef = null
  }
  const dstName = colon < 0 ? localRef! : spec.slice(colon + 1)
  const tagToBareName = localRef?.startsWith(TAGS) && !dstName.startsWith('refs/') ? dstName : undefined
  const dst = dstName.startsWith('refs/') ? dstName : (tagToBareName !== undefined ? TAGS : HEADS) + dstName
  const problem = fullRefNameProblem(dst)
  if (problem)
    throw new BlError('BAD_REF_NAME', `"${printable(dstName)}" is not a valid destination ref name: it ${problem}`, {
      hint: `Name a branch (letters, digits, "-", "_", "." and "/"), e.g. \`bl push ${remoteName} ${printable(srcName)}:feature/cleanup\`.`,
      data: {ref: dstName},
    })
  return {src, dst, localRef, spec, tagToBareName}
}

/**
 * Git's rule for a destination typed without refs/: a remote ref of that name is moved (a tag
 * pushed to `main` moves the branch main there); otherwise it takes the source's kind, so
 * `bl push origin v1:v1` pushes the tag.
 */
async function pushTagTo(t: Transport, u: PushSpec): Promise<PushSpec> {
  if (u.tagToBareName === undefined) return u
  return (await readRemoteRef(t, HEADS + u.tagToBareName)) ? {...u, dst: HEADS + u.tagToBareName} : u
}

/**
 * A push that would drop commits of the remote branch although its tip is known here: Git's
 * "non-fast-forward" (the pushed tip is behind it, or the two diverged), not "fetch first".
 */
function notFastForward(remoteName: string, u: {src: Oid; dst: string; localRef: string | null; spec?: string}, remote: Oid, tipName: string, behind: boolean): BlError {
  const what = u.localRef ? shortRef(u.localRef) : u.src.slice(0, 12)
  const there = `${shortRef(u.dst)} on ${remoteName}`
  const force = `\`bl push --force ${remoteName} ${u.spec ?? `${what}:${shortRef(u.dst)}`}\``
  return behind
    ? new BlError('NOT_FAST_FORWARD', `the tip of ${what} is behind ${there} (it is at ${remote.slice(0, 12)}): the push would drop its newer commits`, {
        hint: `${there} already contains ${what}; to move it back anyway, run ${force} (where protection allows).`,
        data: {ref: u.dst, remote},
      })
    : new BlError('NOT_FAST_FORWARD', `${what} and ${there} have diverged (it is at ${remote.slice(0, 12)}): the push would drop commits there`, {
        hint: `Merge it first (\`bl merge ${tipName}\` on ${what}), or replace it with ${force} (where protection allows).`,
        data: {ref: u.dst, remote},
      })
}

/**
 * Git's push.default=simple: a push that names nothing sends the current branch to the branch of
 * the same name. When the branch's upstream on that remote has another name (a branch started from
 * `origin/main`), that is refused rather than guessed: pushing to `fix` would create a new remote
 * branch and leave the upstream behind, pushing to `main` may not be what was meant.
 */
function refuseUpstreamOfAnotherName(repo: Repo, remoteName: string, branch: string): void {
  const up = upstreamOf(repo, branch)
  const name = shortRef(branch)
  const upName = up?.ref.startsWith(HEADS) ? up.ref.slice(HEADS.length) : up?.ref
  if (!up || up.remote !== remoteName || upName === name) return
  throw new BlError('INVALID_ARGUMENT', `the upstream branch ${printable(upName ?? '')} of ${printable(name)} does not match its name`, {
    hint: `To push to the upstream branch, run \`bl push ${remoteName} HEAD:${printable(upName ?? '')}\`; to push to a branch of the same name, \`bl push ${remoteName} ${printable(name)}\`.`,
    data: {branch: name, upstream: `${remoteName}/${upName}`},
  })
}

/**
 * `--force-with-lease`: every update a lease covers must find its remote ref where the lease
 * expects it (else FETCH_FIRST, "stale info"); those updates may then overwrite it. `current` was
 * read once, and the ref moves by a conditional write on what was read (casRemoteRef: its ETag),
 * so a push landing between this check and the write still fails the push. Protection rules
 * (guardPush) judge the update as any force push. Returns the refs the leases allow to overwrite.
 */
function checkLeases(repo: Repo, remoteName: string, updates: Array<{src: Oid | null; dst: string}>, current: Map<string, RemoteRef | undefined>, leases: Array<{ref: string | null; expect?: string}>): Set<string> {
  const allowed = new Set<string>()
  if (leases.length === 0) return allowed
  const named = (dst: string): {ref: string | null; expect?: string} | undefined => leases.find((l) => l.ref !== null && (l.ref === dst || HEADS + l.ref === dst || TAGS + l.ref === dst))
  const rest = leases.find((l) => l.ref === null)
  for (const u of updates) {
    const lease = named(u.dst) ?? rest
    const actual = current.get(u.dst)?.commit ?? null
    // An update that changes nothing needs no lease (Git reports it up to date).
    if (!lease || actual === u.src) continue
    const tracking = u.dst.startsWith(HEADS) ? `refs/remotes/${remoteName}/${u.dst.slice(HEADS.length)}` : null
    // Without a remote-tracking ref (a tag, a branch never fetched) the lease expects no ref there, as Git's does.
    const expected = lease.expect === undefined ? (tracking ? readRef(repo, tracking) : null) : lease.expect === '' ? null : leaseExpect(repo, lease.expect)
    if (actual !== expected) {
      const where = `${shortRef(u.dst)} on ${remoteName}`
      throw new BlError('FETCH_FIRST', `${where} is ${actual ? `at ${actual.slice(0, 12)}` : 'gone'}, but the lease expects ${expected ? `it at ${expected.slice(0, 12)}` : 'no such ref'} (stale info)`, {
        hint: `Someone pushed since ${lease.expect === undefined ? 'your last fetch' : 'you looked'}: \`bl fetch ${remoteName}\`, see what is there${tracking ? ` (\`bl log ${remoteName}/${u.dst.slice(HEADS.length)}\`)` : ''}, keep what should stay, then push again.`,
        data: {ref: u.dst, remote: actual, expected},
      })
    }
    allowed.add(u.dst)
  }
  return allowed
}

/** A lease's `<expect>`: a revision here, or a full commit id this repository may not have (seen with `bl ls-remote`). */
function leaseExpect(repo: Repo, expect: string): Oid {
  return /^[0-9a-f]{64}$/.test(expect) ? (expect as Oid) : resolveRevision(repo, expect)
}

export async function push(repo: Repo, opts: PushOptions): Promise<PushResult> {
  const remoteName = defaultRemote(repo, opts.remote)
  return withRemote(repo, remoteName, async (r, t) => {
    const head = readHead(repo)
    // As in Git, --delete never defaults to the current branch: deleting must be asked for by name.
    if (opts.delete && !opts.refspecs?.length)
      throw new BlError('INVALID_ARGUMENT', '--delete needs the remote branch or tag to delete', {hint: 'e.g. `bl push origin --delete <branch>`.'})
    if (!opts.refspecs?.length && head.branch) refuseUpstreamOfAnotherName(repo, remoteName, head.branch)
    const specs = opts.refspecs?.length ? opts.refspecs : head.branch ? [shortRef(head.branch)] : []
    if (specs.length === 0 && !opts.tags) throw new BlError('INVALID_ARGUMENT', 'HEAD is detached: name the branch to push', {hint: 'e.g. `bl push origin main`.'})
    // Resolved and checked before anything is written there (BLREPO of a new remote included).
    const resolved = opts.delete ? [] : specs.map((spec) => resolvePushSpec(repo, remoteName, spec))
    // A dry run creates no BLREPO and probes nothing (the probe writes): a missing BLREPO is a new remote.
    const info = opts.dryRun ? await readBlRepo(t) : await ensureBlRepo(t, {defaultBranch: head.branch ? shortRef(head.branch) : (specs[0]?.split(':').pop() ?? null)})
    if (info) bindRemoteId(repo, remoteName, info.id)
    if (!opts.dryRun && !(await ensureProbed(repo, r, t))) opts.onUnprotected?.(remoteName)
    const updates: Array<{src: Oid | null; dst: string; localRef: string | null; spec?: string; fromTags?: boolean}> = []
    if (opts.delete) for (const name of specs) updates.push({src: null, dst: await remoteRefToDelete(t, remoteName, name), localRef: null})
    for (const u of resolved) updates.push(await pushTagTo(t, u))
    if (opts.tags) for (const tg of repo.store.listRefs(TAGS)) if (tg.oid && !updates.some((u) => u.dst === tg.name)) updates.push({src: tg.oid, dst: tg.name, localRef: tg.name, fromTags: true})
    // One update per remote ref, as in Git: the second write would fail its condition after the
    // first landed and read as "another push won" (and leave the remote-tracking branch behind).
    for (let i = updates.length - 1; i >= 0; i--) {
      const u = updates[i]!
      const first = updates.findIndex((x) => x.dst === u.dst)
      if (first === i) continue
      if (updates[first]!.src !== u.src)
        throw new BlError('INVALID_ARGUMENT', `${printable(shortRef(u.dst))} on ${remoteName} would receive from more than one source (${printable(updates[first]!.spec ?? shortRef(u.dst))}, ${printable(u.spec ?? shortRef(u.dst))})`, {
          hint: 'Push one source to each remote branch or tag.',
          data: {ref: u.dst},
        })
      updates.splice(i, 1)
    }

    // Resolved before anything is uploaded: a missing identity fails fast.
    await loadCodeIdentity(repo)
    const who = repo.identity('committer')
    const current = new Map<string, RemoteRef | undefined>()
    for (const u of updates) current.set(u.dst, await readRemoteRef(t, u.dst))
    const graph = new CommitGraph(repo.store)
    const leased = checkLeases(repo, remoteName, updates, current, opts.forceWithLease ?? [])
    const result: PushResult = {remote: remoteName, refs: [], packs: 0, bytes: 0, objects: 0, dryRun: Boolean(opts.dryRun)}
    const toSend: Oid[] = []
    // As in Git, a tag that --tags would move is rejected alone ("already exists"); the rest go.
    const rejectedTags: Array<{ref: string; remote: Oid}> = []
    for (const u of [...updates]) {
      const cur = current.get(u.dst)
      if (u.src && cur && cur.commit !== u.src && !opts.force && !leased.has(u.dst)) {
        const isTag = u.dst.startsWith(TAGS)
        if (isTag && u.fromTags) {
          rejectedTags.push({ref: u.dst, remote: cur.commit})
          updates.splice(updates.indexOf(u), 1)
          continue
        }
        if (isTag)
          throw new BlError('FETCH_FIRST', `tag ${shortRef(u.dst)} already exists on ${remoteName} and points elsewhere (at ${cur.commit.slice(0, 12)})`, {
            hint: `Tags do not move: delete it there first (\`bl push ${remoteName} --delete ${shortRef(u.dst)}\`) or use another name.`,
            data: {ref: u.dst, remote: cur.commit},
          })
        if (!repo.store.hasObject(cur.commit)) {
          throw new BlError('FETCH_FIRST', `branch ${shortRef(u.dst)} on ${remoteName} has commits you don't have (it is at ${cur.commit.slice(0, 12)})`, {
            hint: `Fetch first: \`bl pull ${remoteName} ${shortRef(u.dst)}\`, then push again (or --force where rules allow).`,
            data: {ref: u.dst, remote: cur.commit},
          })
        }
        // The remote tip is known here: fetching would bring nothing, so say what Git says.
        if (!graph.isAncestor(cur.commit, u.src)) {
          // Name the remote tip the way `bl merge` takes it: its remote-tracking branch if that is there.
          const tracking = `${remoteName}/${shortRef(u.dst)}`
          const tipName = u.dst.startsWith(HEADS) && readRef(repo, `refs/remotes/${tracking}`) === cur.commit ? tracking : cur.commit.slice(0, 12)
          throw notFastForward(remoteName, {...u, src: u.src}, cur.commit, tipName, graph.isAncestor(u.src, cur.commit))
        }
      }
      if (u.src) toSend.push(u.src)
    }
    // Branch protection (src/core/protect): publish (or adopt) the policy, then refuse any update that breaks a rule.
    await guardPush(repo, t, remoteName, updates.map((u) => ({ref: u.dst, old: current.get(u.dst)?.commit ?? null, next: u.src})), {warn: opts.onWarning, dryRun: opts.dryRun})
    if (opts.dryRun) {
      // The same negotiation (the remote's indexes) and plan as the upload below, counted, not sent.
      if (info && toSend.length) await syncRemoteIndex(repo.store, remoteName, t)
      if (toSend.length) Object.assign(result, estimateUpload(repo.store, planPush(repo.store, info ? remoteName : NEW_REMOTE, toSend)))
    }
    // A `gc --remote` elsewhere may collect an old unreferenced pack this push counts on while it
    // uploads: look again right before the refs move, and send what went missing (gc-remote.ts).
    for (let round = 0; toSend.length && !opts.dryRun; round++) {
      await syncRemoteIndex(repo.store, remoteName, t)
      const plan = planPush(repo.store, remoteName, toSend)
      // A thin store (lazy clone, evicted) fetches what this remote lacks from the ones that have it.
      await ensureChunks(repo, plan.chunks, {exclude: remoteName, progress: opts.progress})
      const up = await uploadPlan(repo.store, remoteName, t, plan, opts.progress)
      result.packs += up.packs
      result.bytes += up.bytes
      result.objects += up.objects
      if (!(await packsVanished(repo.store, remoteName, t))) break
      if (round === 2) throw new BlError('REMOTE_ERROR', `packs keep vanishing from ${remoteName} while pushing`, {hint: 'A `bl gc --remote` with a very short --grace is running there; push again when it is done.'})
    }
    for (const u of updates) {
      const cur = current.get(u.dst)
      if ((cur?.commit ?? null) === u.src) {
        result.refs.push({ref: u.dst, old: cur?.commit ?? null, new: u.src, status: 'up-to-date'})
        continue
      }
      const forced = Boolean(cur && u.src && !graph.isAncestor(cur.commit, u.src))
      const pushed: PushedRef = {ref: u.dst, old: cur?.commit ?? null, new: u.src, status: u.src === null ? 'deleted' : !cur ? 'created' : forced ? 'forced' : 'updated'}
      if (u.src === null && !cur) throw new BlError('REF_NOT_FOUND', `${shortRef(u.dst)} does not exist on ${remoteName}`, {hint: '`bl ls-remote` lists the remote refs.', data: {ref: u.dst}})
      if (opts.dryRun) {
        result.refs.push(pushed)
        continue
      }
      if (u.src === null && cur) {
        // Deletes are not conditional on S3: re-check right before, so a push that landed since the
        // ref was read is not thrown away (the window left is one round trip).
        const again = await readRemoteRef(t, u.dst)
        if (again?.etag !== cur.etag) throw new BlError('FETCH_FIRST', `${shortRef(u.dst)} on ${remoteName} moved while deleting it`, {hint: 'Fetch, look at what was pushed, and delete again if you still mean to.', data: {ref: u.dst}})
        await t.delete([u.dst])
      } else if (u.src !== null && !(await casRemoteRef(t, u.dst, u.src, cur))) {
        throw new BlError('FETCH_FIRST', `${shortRef(u.dst)} on ${remoteName} moved while pushing (another push won)`, {hint: `Fetch first: \`bl pull ${remoteName} ${shortRef(u.dst)}\`, then push again; the uploaded data is kept, so the retry is quick.`, data: {ref: u.dst}})
      }
      const entry = {ref: u.dst, old: cur?.commit ?? null, new: u.src, name: who.name, email: who.email, time: who.time, forced, signed: u.src ? repo.store.getObject(u.src) !== undefined && graph.commit(u.src).signature !== undefined : false}
      // The ref has moved: the push succeeded. A failed audit write is a warning, not a failed push
      // (that would leave the tracking ref behind and skip the remaining refs).
      await appendAudit(t, entry, repo.nowMs()).catch((err: unknown) => opts.onWarning?.(`the remote's audit log misses this update of ${shortRef(u.dst)}: ${(err as Error).message}`))
      result.refs.push(pushed)
    }
    if (!opts.dryRun) repo.store.transaction(() => {
      for (const pr of result.refs) {
        if (!pr.ref.startsWith(HEADS)) continue
        const tracking = `refs/remotes/${remoteName}/${pr.ref.slice(HEADS.length)}`
        if (pr.new) updateRefs(repo, [{ref: tracking, to: pr.new, message: 'update by push'}])
        else if (repo.store.getRef(tracking)) updateRefs(repo, [{ref: tracking, to: null, message: 'deleted by push'}])
      }
      if (opts.setUpstream) for (const u of updates) if (u.localRef?.startsWith(HEADS) && u.src) setUpstream(repo, u.localRef, remoteName, u.dst.slice(HEADS.length))
    }, {durable: true})
    if (rejectedTags.length) {
      const first = rejectedTags[0]!
      throw new BlError('FETCH_FIRST', `tag ${shortRef(first.ref)}${rejectedTags.length > 1 ? ` (and ${rejectedTags.length - 1} more)` : ''} already exists on ${remoteName} and points elsewhere (at ${first.remote.slice(0, 12)}); everything else was pushed`, {
        hint: `Tags do not move: delete it there first (\`bl push ${remoteName} --delete ${shortRef(first.ref)}\`) or use another name.`,
        data: {rejected: rejectedTags, pushed: result},
      })
    }
    return result
  })
}

export interface FetchResult {
  remote: string
  /** `forced`: the remote branch was rewritten, not fast-forwarded (present only then). */
  updated: Array<{ref: string; old: Oid | null; new: Oid | null; forced?: boolean}>
  objects: number
  bytes: number
}

/** A clone's checkout to be: the commit whose files the fetch writes to `sink` as they arrive. */
interface FetchStage {
  sink: ContentSink
  pick(refs: RemoteRef[]): Oid | null
}

export interface FetchOptions {
  remote?: string
  progress?: TransferProgress
  prune?: boolean
  lazy?: boolean
  stage?: FetchStage
  onWarning?(message: string): void
}

export async function fetch(repo: Repo, opts: FetchOptions = {}): Promise<FetchResult> {
  const remoteName = defaultRemote(repo, opts.remote)
  repo.holdLease('fetch')
  return withRemote(repo, remoteName, async (r, t) => {
    bindRemoteId(repo, remoteName, (await requireBlRepo(t)).id)
    // A ref an old client pushed under an invalid name (`a..b`, `x.lock`) is skipped with a warning:
    // it could not be a local ref, nor be named in a revision. `bl push --delete` still removes it.
    const refs = (await listRemoteRefs(t)).filter((x) => {
      const problem = fullRefNameProblem(x.name)
      if (problem) opts.onWarning?.(`ignoring ${printable(x.name)} on ${remoteName}: not a valid ref name (it ${problem})`)
      return !problem
    })
    const {fresh} = await syncRemoteIndex(repo.store, remoteName, t)
    const tips = [...new Set(refs.map((x) => x.commit))]
    // From a promisor remote (lazy clone, evicted content) only history travels; contents come on demand.
    const lazy = opts.lazy ?? repo.store.getConfig(`remote.${remoteName}.promisor`) === 'true'
    const stageCommit = opts.stage?.pick(refs)
    const stage = opts.stage && stageCommit ? {sink: opts.stage.sink, commit: stageCommit} : undefined
    const got = await fetchClosure(repo.store, remoteName, t, tips, {blobs: !lazy, concurrency: r.concurrency, progress: opts.progress, fresh, stage})
    // Branch protection (src/core/protect): adopt a validly signed newer policy; a protected branch the
    // remote moved against the rules keeps its remote-tracking ref (guard.refs), and fails the fetch.
    const guard = await guardFetch(repo, t, remoteName, refs, {warn: opts.onWarning})
    const updated: FetchResult['updated'] = []
    const graph = new CommitGraph(repo.store)
    repo.store.transaction(() => {
      const seen = new Set<string>()
      for (const ref of guard.refs) {
        if (ref.name.startsWith(HEADS)) {
          const tracking = `refs/remotes/${remoteName}/${ref.name.slice(HEADS.length)}`
          seen.add(tracking)
          const old = readRef(repo, tracking)
          if (old === ref.commit) continue
          // Someone rewrote the branch (a force-push): said as Git says it, in the reflog too.
          const forced = old !== null && !graph.isAncestor(old, ref.commit)
          updateRefs(repo, [{ref: tracking, to: ref.commit, message: `fetch: ${forced ? 'forced-update' : old ? 'fast-forward' : 'storing head'}`}])
          updated.push({ref: tracking, old, new: ref.commit, ...(forced ? {forced} : {})})
        } else if (ref.name.startsWith(TAGS) && !readRef(repo, ref.name)) {
          updateRefs(repo, [{ref: ref.name, expect: null, to: ref.commit, message: 'fetch: new tag'}])
          updated.push({ref: ref.name, old: null, new: ref.commit})
        }
      }
      if (opts.prune ?? true) {
        for (const local of repo.store.listRefs(`refs/remotes/${remoteName}/`)) {
          if (seen.has(local.name)) continue
          updateRefs(repo, [{ref: local.name, to: null, message: 'fetch: pruned'}])
          updated.push({ref: local.name, old: local.oid, new: null})
        }
      }
    }, {durable: true})
    if (guard.error) throw guard.error
    return {remote: remoteName, updated, objects: got.objects, bytes: got.bytes}
  })
}

/**
 * `bl fetch --all`: every remote in name order. As in Git, a failing remote does not stop the
 * others; the first failure is raised after all were tried, with what was fetched in `data.fetched`.
 */
export async function fetchAll(repo: Repo, opts: Omit<FetchOptions, 'remote' | 'stage'> = {}): Promise<FetchResult[]> {
  const remotes = listRemotes(repo).map((r) => r.name)
  if (remotes.length === 0) throw new BlError('REMOTE_NOT_FOUND', 'no remotes to fetch from', {hint: 'Add one with `bl remote add origin <url>`.'})
  const fetched: FetchResult[] = []
  let failure: BlError | undefined
  for (const remote of remotes) {
    try {
      fetched.push(await fetch(repo, {...opts, remote}))
    } catch (err) {
      if (!(err instanceof BlError)) throw err
      // The first failure is the command's error; later ones are warnings.
      if (failure) opts.onWarning?.(`could not fetch ${remote}: ${err.message}`)
      else failure = new BlError(err.code, `${remote}: ${err.message}`, {hint: err.hint, data: {...err.data, remote, fetched}})
    }
  }
  if (failure) throw failure
  return fetched
}

/**
 * Fetches one commit's history by id, even when no ref reaches it any more (a pinned version after
 * a force-push): the remote's pack indexes say where its objects are, until `gc --remote` drops them.
 */
export async function fetchCommit(repo: Repo, remote: string, commit: Oid, progress?: TransferProgress): Promise<{objects: number; bytes: number}> {
  repo.holdLease('fetch')
  return withRemote(repo, remote, async (r, t) => {
    bindRemoteId(repo, remote, (await requireBlRepo(t)).id)
    const {fresh} = await syncRemoteIndex(repo.store, remote, t)
    if (!fresh.has(commit) && !repo.store.hasRemoteObject(remote, commit, false))
      throw new BlError('UNKNOWN_REVISION', `commit ${commit.slice(0, 12)} is not on ${t.display} (gone with a force-push and a remote gc, or never pushed)`, {hint: 'Pin a version the remote has: `bl ls-remote` lists its branches.', data: {commit}})
    const lazy = repo.store.getConfig(`remote.${remote}.promisor`) === 'true'
    return fetchClosure(repo.store, remote, t, [commit], {blobs: !lazy, concurrency: r.concurrency, progress, fresh})
  })
}

export interface PullResult {
  fetch: FetchResult
  /** How the fetched branch was joined in: a merge, or with --rebase (pull.rebase) a rebase. */
  mode: 'merge' | 'rebase'
  /** The merge, when mode is "merge". */
  merge?: MergeResult
  /** The rebase of the current branch onto the fetched one, when mode is "rebase". */
  rebase?: SequenceResult
  /** Files newly brought into a sparse work tree by --include. */
  materialized: number
}

export interface PullOptions {
  remote?: string
  branch?: string
  ffOnly?: boolean
  noFf?: boolean
  /** Rebase onto the fetched branch instead of merging it; default: `branch.<name>.rebase`, then `pull.rebase`, else false. */
  rebase?: boolean
  /** --[no-]autostash: local changes set aside and brought back (default `rebase.autoStash` / `merge.autoStash`). */
  autostash?: boolean
  include?: string[]
  progress?: CheckoutProgress
  onWarning?(message: string): void
}

export async function pull(repo: Repo, opts: PullOptions): Promise<PullResult> {
  const head = readHead(repo)
  if (!head.branch) throw new BlError('INVALID_ARGUMENT', 'HEAD is detached: there is no branch to pull into', {hint: 'Switch to a branch first.'})
  const include = (opts.include ?? []).map((p) => toRepoPath(repo, p))
  if (include.length && !readSparse(repo))
    throw new BlError('INVALID_ARGUMENT', '--include adds paths to a sparse work tree, and this one is already complete', {hint: 'Start one with `bl clone --no-checkout <url>` (or `--include <glob>`); a full work tree already pulls every file.'})
  // --ff-only on the command line wins over any rebase (then only a fast-forward is taken); pull.ff
  // only wins over a configured one, and --rebase given here wins over it (Git's order).
  const ff = pullFf(repo, opts)
  const rebasing = opts.ffOnly ? false : (opts.rebase ?? (!ff.ffOnly && pullRebaseConfig(repo, head.branch)))
  // Checked before fetching, as Git does: a rebase replays onto a clean tree only (or one --autostash cleans).
  if (rebasing) requireNoOperation(repo, 'pull with rebase')
  if (rebasing && !autostashWanted(repo, opts.autostash, 'rebase.autoStash')) {
    requireCleanIndex(repo, head.oid, 'pull with rebase')
    requireCleanWorktree(repo, 'pull with rebase')
  }
  const up = upstreamOf(repo, head.branch)
  const remote = opts.remote ?? up?.remote ?? 'origin'
  const branch = opts.branch ?? (up && up.remote === remote ? up.ref.replace(/^refs\/heads\//, '') : shortRef(head.branch))
  const f = await fetch(repo, {remote, progress: opts.progress, onWarning: opts.onWarning})
  const tracking = `refs/remotes/${remote}/${branch}`
  if (!readRef(repo, tracking)) throw new BlError('REF_NOT_FOUND', `${remote} has no branch ${branch}`, {hint: `\`bl ls-remote ${remote}\` lists its branches.`, data: {remote, branch}})
  // Included before the merge, so it writes the new versions of those paths too.
  if (include.length) {
    const sparse = readSparse(repo)!
    repo.store.transaction(() => writeSparse(repo, {include: [...sparse.include, ...include]}), {durable: true})
  }
  const joined: Pick<PullResult, 'mode' | 'merge' | 'rebase'> = rebasing
    ? // The fork point keeps commits a force-push removed from the remote branch out of the replay.
      {mode: 'rebase', rebase: await rebase(repo, {upstream: tracking, forkPoint: true, autostash: opts.autostash})}
    : {mode: 'merge', merge: await merge(repo, {rev: tracking, ...ff, message: `Merge branch '${branch}' of ${remote}`, autostash: opts.autostash})}
  // Newly included paths the merge did not touch are still absent: bring them in from the index.
  const materialized = include.length ? (await materializeAbsent(repo, include, opts.progress)).length : 0
  return {fetch: f, ...joined, materialized}
}

/** The flags when given, else `pull.ff`, else nothing (merge then reads `merge.ff`), as Git's pull passes them on. */
function pullFf(repo: Repo, opts: PullOptions): Pick<PullOptions, 'ffOnly' | 'noFf'> {
  if (opts.ffOnly !== undefined || opts.noFf !== undefined) return {ffOnly: opts.ffOnly, noFf: opts.noFf}
  return ffSetting(repo, 'pull.ff') ?? {}
}

/** `branch.<name>.rebase`, else `pull.rebase` (true or false, as Git spells them). */
function pullRebaseConfig(repo: Repo, branch: string): boolean {
  return repo.configBool(`branch.${shortRef(branch)}.rebase`) ?? repo.configBool('pull.rebase') ?? false
}

export interface CloneResult {
  dir: string
  remote: string
  branch: string | null
  commit: Oid | null
  objects: number
  bytes: number
  checkedOut: boolean
  /** Files the checkout took from the download (written while they arrived) instead of the store. */
  staged: number
}

export interface CloneOptions {
  url: string
  dir?: string
  branch?: string
  /** Metadata only, and an empty sparse work tree (`checkout -- <path>` brings files in). */
  noCheckout?: boolean
  /** `blob:none`: metadata only; the checkout fetches just the current files' contents. */
  filter?: 'blob:none'
  /** A sparse work tree holding just these pathspecs (metadata only, like --no-checkout). */
  include?: string[]
  remoteOptions?: RemoteOptions
  /** A non-empty directory is fine as long as it is not a repository yet (clone --locked next to bl.lock). */
  intoExisting?: boolean
  /** Check out this commit (bl.lock) instead of the branch tip; the local branch starts there. */
  pinned?: {commit: Oid; verify(repo: Repo): Promise<void>}
  /** Objects and bytes received, then the files written by the checkout. */
  progress?: CheckoutProgress
  onWarning?(message: string): void
}

export async function clone(ctx: Context, opts: CloneOptions): Promise<CloneResult> {
  const guess = opts.url.replace(/\/+$/, '').split(/[/:]/).pop() || 'repo'
  const dir = path.resolve(ctx.cwd, opts.dir ?? guess)
  // `intoExisting` (clone --locked into the directory holding bl.lock): any files there stay, and the
  // checkout refuses to overwrite one before writing anything.
  const url = absoluteUrl(opts.url, ctx.cwd)
  // A clone killed or interrupted (Ctrl-C) had no chance to clean up: the same clone again resumes
  // it, keeping every chunk already stored. Anything else in the way is refused.
  let repo: Repo | undefined = interruptedClone(ctx, dir, url)
  const resumed = repo !== undefined
  if (!resumed && fs.existsSync(dir) && fs.readdirSync(dir).length > 0 && (!opts.intoExisting || fs.existsSync(path.join(dir, '.bl'))))
    throw new BlError('ALREADY_A_REPOSITORY', `destination ${dir} already exists and is not empty`, {hint: 'Clone into a new or empty directory.', data: {dir}})
  const created = !fs.existsSync(dir)
  let staged: StagedFiles | undefined
  try {
    if (!repo) {
      fs.mkdirSync(dir, {recursive: true})
      repo = createRepo({...ctx, cwd: dir}, '.', opts.branch ?? 'main')
      // A relative path names the remote from where the command runs, not from the new directory.
      remoteAdd(repo, 'origin', url, opts.remoteOptions)
      const r = repo
      r.store.transaction(() => r.store.setState(CLONE_STATE, url), {durable: true})
    }
    const sparse = opts.noCheckout || (opts.include?.length ?? 0) > 0
    const lazy = sparse || opts.filter === 'blob:none'
    const r0 = repo
    if (lazy) r0.store.transaction(() => markPromisor(r0, 'origin'), {durable: true})
    const info = await withRemote(repo, 'origin', (_r, t) => requireBlRepo(t))
    // The files of the branch to check out are written while they download (worktree/staged-files.ts).
    staged = lazy || opts.pinned ? undefined : StagedFiles.in(repo.blDir)
    const wanted = opts.branch ?? info.defaultBranch
    const stage: FetchStage | undefined = staged && {
      sink: staged,
      pick(refs) {
        const heads = new Map(refs.filter((x) => x.name.startsWith(HEADS)).map((x) => [x.name.slice(HEADS.length), x.commit]))
        const found = wanted === undefined || wanted === null ? undefined : heads.get(wanted)
        // A default branch the remote lacks falls back as below (a named --branch does not).
        return found ?? (opts.branch ? null : (heads.get(chooseBranch([...heads.keys()].sort()) ?? '') ?? null))
      },
    }
    const f = await fetch(repo, {remote: 'origin', progress: opts.progress, stage, onWarning: opts.onWarning})
    let branch = opts.branch ?? info.defaultBranch ?? pickBranch(repo)
    // The remote's default branch may be gone (deleted, or never pushed): check out another, or
    // say the repository is empty, as Git does, instead of a silent empty work tree.
    if (!opts.branch && !opts.pinned && !(branch && readRef(repo, `refs/remotes/origin/${branch}`))) {
      const other = pickBranch(repo)
      if (other) {
        opts.onWarning?.(`the remote's default branch ${branch} does not exist; checking out ${other}`)
        branch = other
      } else opts.onWarning?.('the remote has no branches: you cloned an empty repository')
    }
    let tip = branch ? readRef(repo, `refs/remotes/origin/${branch}`) : null
    if (opts.branch && !tip && !opts.pinned) throw new BlError('REF_NOT_FOUND', `remote branch ${opts.branch} not found in ${opts.url}`, {hint: '`bl ls-remote <url>` lists the branches.'})
    if (opts.pinned) {
      if (!repo.store.hasObject(opts.pinned.commit)) await fetchCommit(repo, 'origin', opts.pinned.commit, opts.progress)
      await opts.pinned.verify(repo)
      tip = opts.pinned.commit
    }
    let checkedOut = false
    if (branch && tip) {
      const r = repo
      r.store.transaction(() => {
        updateRefs(r, [{ref: HEADS + branch, ...(resumed ? {} : {expect: null}), to: tip, message: `clone: from ${opts.url}`}])
        setHead(r, {branch: HEADS + branch}, `clone: from ${opts.url}`)
        setUpstream(r, HEADS + branch, 'origin', branch)
      }, {durable: true})
      if (sparse) {
        // Every file tracked, none on disk until asked for: status stays clean, commits keep them.
        const tree = commitTree(r, tip)!
        // Checked now, though nothing is written yet: later `checkout -- <path>` writes from this index.
        assertSafeTree(r.store, null, tree, treeLimits(r))
        const include = (opts.include ?? []).map((p) => toRepoPath(r, p))
        r.store.transaction(() => {
          for (const [p, e] of treeMap(r, tree)) r.store.putIndexEntry(notCheckedOut(p, e))
          r.store.setIndexTree(tree)
          writeSparse(r, {include})
        }, {durable: true})
        if (include.length) await materializeAbsent(r, include, opts.progress)
        checkedOut = include.length > 0
      } else {
        await moveWorktree(r, null, commitTree(r, tip), true, {progress: opts.progress, staged})
        checkedOut = true
      }
    }
    const done = repo
    done.store.transaction(() => done.store.deleteState(CLONE_STATE), {durable: true})
    return {dir, remote: 'origin', branch: branch ?? null, commit: tip, objects: f.objects, bytes: f.bytes, checkedOut, staged: staged?.taken ?? 0}
  } catch (err) {
    staged?.dispose()
    repo?.close()
    repo = undefined
    // A failed clone leaves nothing behind, except where running it again resumes it: a resumed
    // clone, or one the remote failed (exit 9 says "run the command again"), keeps what arrived.
    const keep = resumed || (err instanceof BlError && err.code === 'REMOTE_ERROR')
    if (!keep && created) fs.rmSync(dir, {recursive: true, force: true})
    else if (!keep) fs.rmSync(path.join(dir, '.bl'), {recursive: true, force: true})
    // Fetch's hint speaks of downloaded commits and remote-tracking branches, which went with the clone.
    if (!keep && err instanceof BlError && err.code === 'POLICY_VIOLATION') {
      const branches = (err.data.branches as string[] | undefined) ?? []
      throw new BlError(err.code, err.message, {
        hint: `Nothing of the clone was kept. Someone wrote to ${redactUrl(opts.url)} without bl, or with the rules removed: an owner can restore ${branches.join(', ') || 'the branch'} (relax the rule with \`bl protect set\`, \`bl push --force origin <last good commit>:<branch>\`, restore the rule); clone again after that.`,
        data: err.data,
        cause: err,
      })
    }
    throw err
  } finally {
    staged?.dispose()
    repo?.close()
  }
}

/** State key of a clone in progress: the remote's URL, removed when the clone is done. */
const CLONE_STATE = 'clone.inProgress'

/**
 * The repository of an interrupted clone of `url` at `dir`, reopened to resume it: `dir` holds only
 * `.bl`, whose clone of the same URL never finished. Otherwise undefined.
 */
function interruptedClone(ctx: Context, dir: string, url: string): Repo | undefined {
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return undefined
  }
  if (names.length !== 1 || names[0] !== '.bl') return undefined
  let repo: Repo
  try {
    repo = openRepo({...ctx, cwd: dir})
  } catch {
    // Killed while the repository was being created (a database of a few pages that does not
    // open): nothing of value, start again. A bigger one may be a damaged repository: left alone.
    const db = path.join(dir, '.bl', 'bl.db')
    if (onlyDatabase(path.join(dir, '.bl')) && (fs.statSync(db, {throwIfNoEntry: false})?.size ?? 0) < 1024 * 1024) fs.rmSync(path.join(dir, '.bl'), {recursive: true, force: true})
    return undefined
  }
  if (repo.store.getState(CLONE_STATE) === url) return repo
  // Killed before the clone recorded itself: an empty repository whose only remote (if any) is this URL.
  const remotes = listRemotes(repo)
  const blank = !repo.store.hasAnyObject() && repo.store.listRefs('refs/').length === 0 && remotes.every((r) => r.name === 'origin' && r.url === url)
  repo.close()
  if (blank && onlyDatabase(path.join(dir, '.bl'))) fs.rmSync(path.join(dir, '.bl'), {recursive: true, force: true})
  return undefined
}

/** Does `.bl` hold only what a clone's first moments write (the database, its journal, a stage)? */
function onlyDatabase(blDir: string): boolean {
  try {
    return fs.readdirSync(blDir).every((n) => n === 'bl.db' || n === 'bl.db-journal' || n.startsWith('stage-'))
  } catch {
    return false
  }
}

/** listRefs orders by name, as `chooseBranch` expects (the stage of a clone picks from the same order). */
function pickBranch(repo: Repo): string | null {
  return chooseBranch(repo.store.listRefs('refs/remotes/origin/').map((r) => r.name.slice('refs/remotes/origin/'.length)))
}

/** The branch a clone checks out when neither the user nor the remote names one: main, master, or the first. */
function chooseBranch(names: string[]): string | null {
  return names.includes('main') ? 'main' : names.includes('master') ? 'master' : (names[0] ?? null)
}

export async function lsRemote(repo: Repo | undefined, ctx: Context, target: string, options: RemoteOptions = {}): Promise<Array<{ref: string; commit: Oid}>> {
  let settings: Pick<RemoteSettings, 'url'> & Partial<RemoteSettings>
  if (repo && repo.store.getConfig(`remote.${target}.url`) !== undefined) settings = readRemote(repo, target)
  else settings = {url: target, ...options}
  const t = await openTransport(settings, ctx.cwd)
  try {
    await requireBlRepo(t)
    return (await listRemoteRefs(t)).map((r) => ({ref: r.name, commit: r.commit}))
  } finally {
    t.close()
  }
}

/**
 * The reflog of `<remote>/<branch>`: the remote's own history of that branch, from its
 * create-only audit log (every push, force-pushes included, by whom and when), newest first.
 * Tags (remotes keep no tracking refs for them) are `<remote>/tags/<tag>`, or any ref there as
 * `<remote>/refs/...`. Anything else is the local reflog.
 */
export async function reflogWithRemotes(repo: Repo, opts: {ref?: string; maxCount?: number}): Promise<ReflogRow[]> {
  const name = opts.ref ?? 'HEAD'
  const m = /^([^/]+)\/(.+)$/.exec(name)
  if (!m || name.startsWith('refs/') || repo.store.getConfig(`remote.${m[1]}.url`) === undefined) return reflog(repo, opts)
  const [, remote, rest] = m as unknown as [string, string, string]
  // A branch first (a branch may be called tags/x), then the tag.
  const candidates = rest.startsWith('refs/') ? [rest] : rest.startsWith('tags/') ? [HEADS + rest, TAGS + rest.slice('tags/'.length)] : [HEADS + rest]
  return withRemote(repo, remote, async (_r, t) => {
    await requireBlRepo(t)
    const all = await readAudit(t)
    const ref = candidates.find((c) => all.some((e) => e.ref === c))
    // No history there and no remote-tracking branch here: as unknown as `bl reflog nosuch`.
    if (!ref && !readRef(repo, `refs/remotes/${name}`))
      throw new BlError('REF_NOT_FOUND', `no such ref: ${name} (${remote}'s audit log has no entries for it)`, {
        hint: `\`bl ls-remote ${remote}\` lists its branches and tags; a tag's history is \`bl reflog ${remote}/tags/<tag>\`.`,
        data: {ref: name},
      })
    const target = ref ?? candidates[0]!
    const limit = opts.maxCount ?? Infinity
    return all.filter((e) => e.ref === target).slice(0, limit).map((e, index) => ({
      index,
      ref: target,
      remote,
      old: e.old,
      new: e.new,
      name: e.name,
      email: e.email,
      time: e.time,
      tz: 0,
      message: `${e.new === null ? 'delete' : e.old === null ? 'create' : e.forced ? 'forced push' : 'push'} by ${e.name} <${e.email}>${e.signed ? ' (signed)' : ''}`,
    }))
  })
}

export interface ForkResult {
  source: string
  dest: string
  id: string
  packs: number
  refs: Array<{ref: string; commit: Oid}>
}

/**
 * bl fork: a new remote repository whose refs equal the source's, recording `forkedFrom`. Objects
 * are shared by server-side copies (S3 CopyObject, or hard links between directories), never
 * downloaded; afterwards the two are independent, so pushes to the fork never touch the source.
 */
export async function fork(ctx: Context, opts: {source: string; dest: string; remoteOptions?: RemoteOptions}): Promise<ForkResult> {
  // Outside a repository the audit entries name the user from the environment or user config.
  const user = new UserConfig(ctx.userConfigDir)
  const who = {name: ctx.env.BL_AUTHOR_NAME ?? user.get('user.name') ?? 'unknown', email: ctx.env.BL_AUTHOR_EMAIL ?? user.get('user.email') ?? 'unknown', time: Math.floor(ctx.now().getTime() / 1000)}
  const settings = {...opts.remoteOptions}
  const src = await openTransport({url: opts.source, ...settings}, ctx.cwd)
  const dst = await openTransport({url: opts.dest, ...settings}, ctx.cwd)
  try {
    const info = await requireBlRepo(src)
    if (await readBlRepo(dst)) throw new BlError('REMOTE_EXISTS', `${dst.display} already holds a bl repository`, {hint: 'Fork into a new, empty prefix or directory.', data: {dest: dst.display}})
    // Refs first, packs after: a push landing in between only adds packs, never leaves a copied
    // ref pointing at objects that were not copied.
    const refs = await listRemoteRefs(src)
    const keys = (await src.list('packs/')).filter((k) => k.endsWith('.pack') || k.endsWith('.idx'))
    // Packs before their indexes, as a push publishes them.
    const ordered = [...keys.filter((k) => k.endsWith('.pack')), ...keys.filter((k) => k.endsWith('.idx'))]
    await runPool(ordered, 8, async (k) => {
      if (!(await dst.copyFrom(src, k)))
        throw new BlError('INVALID_ARGUMENT', `cannot share objects between ${src.display} and ${dst.display} without downloading them`, {hint: 'Fork within one S3 service (same endpoint and region), or between two directories.'})
    })
    const created = await ensureBlRepo(dst, {defaultBranch: info.defaultBranch, forkedFrom: redactUrl(absoluteUrl(opts.source, ctx.cwd))})
    for (const r of refs) {
      if (!(await casRemoteRef(dst, r.name, r.commit, undefined)))
        throw new BlError('FETCH_FIRST', `${r.name} appeared on ${dst.display} while forking`, {hint: 'Someone pushed to the new fork at the same time; inspect it with `bl ls-remote`.', data: {ref: r.name}})
      await appendAudit(dst, {ref: r.name, old: null, new: r.commit, name: who.name, email: who.email, time: who.time, forced: false, signed: false}, ctx.now().getTime())
    }
    return {source: src.display, dest: dst.display, id: created.id, packs: keys.filter((k) => k.endsWith('.pack')).length, refs: refs.map((r) => ({ref: r.name, commit: r.commit}))}
  } finally {
    src.close()
    dst.close()
  }
}
