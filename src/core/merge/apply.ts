/**
 * What every history operation does with a merge outcome: check the work tree can take it, write
 * the result tree into the index and work tree, commit it, or stop with the conflicts recorded —
 * and undo all of that exactly on --abort.
 */
import fs from 'node:fs'
import path from 'node:path'
import {diffMaps, sameEntry} from '../diff/diff.js'
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {commitId, commitPayload, encodeCommit, type Commit, type Signature} from '../objects/commit.js'
import {commitSigner, type CommitSigner} from '../ops/keys.js'
import {notCheckedOut} from '../ops/checkout.js'
import {normalizeMessage} from '../ops/commit.js'
import {clearOperation, conflictPaths, writeOperation, type Conflict, type OperationState} from '../ops/operation-state.js'
import {commitTree, indexAsFlat, treeMap} from '../ops/snapshot.js'
import {advanceHead, readHead, setHead, updateRefs} from '../refs/refs.js'
import type {Repo} from '../repo.js'
import type {IndexEntry} from '../store/types.js'
import {writeTree, type FlatEntry} from '../tree-build.js'
import {diffTrees} from '../tree-ops.js'
import {clockDevice, dateEntries, loadIndex, makeEntry, statClean, worktreeId} from '../worktree/index-state.js'
import {DirCache, removeEntry, writeEntry} from '../worktree/materialize.js'
import {absPath, quotePath, safeLstat} from '../worktree/paths.js'
import {outsideSparse, readSparse} from '../worktree/sparse.js'
import {recordTempDirs} from '../worktree/temp-files.js'
import {ensureContent} from '../ops/content.js'
import {guardWrittenCommit} from '../protect/enforce.js'
import {guardCommitPins} from '../schema/pins.js'
import {codeLinkMeta, loadCodeIdentity} from '../gitlink/code-link.js'

export function flatOfCommit(repo: Repo, commit: Oid | null): Map<string, FlatEntry> {
  return treeMap(repo, commit ? commitTree(repo, commit) : null)
}

/** Refuses to start when the index differs from HEAD: --abort could not give those changes back. */
export function requireCleanIndex(repo: Repo, head: Oid | null, what: string): void {
  const hTree = head ? commitTree(repo, head) : null
  if (hTree !== null && repo.store.indexTree() === hTree) return
  const staged = diffMaps(treeMap(repo, hTree), indexAsFlat(loadIndex(repo)), false)
  if (staged.length === 0) return
  const list = staged.map((c) => c.path)
  throw new BlError('LOCAL_CHANGES', `cannot ${what}: you have staged changes (${list.slice(0, 3).map(quotePath).join(', ')}${list.length > 3 ? ', ...' : ''})`, {
    hint: 'Commit them, or unstage them with `bl reset`, and run this again.',
    data: {paths: list},
  })
}

export function storeTree(repo: Repo, entries: Map<string, FlatEntry>): Oid {
  repo.holdLease('merge')
  return repo.store.transaction(() => writeTree(repo.store, [...entries].map(([path, e]) => ({path, ...e}))))
}

export interface CommitSpec {
  tree: Oid
  parents: Oid[]
  message: string
  author?: Signature
  reflog: string
}

/**
 * The commit a merge, cherry-pick, revert or rebase step makes, signed when `commit.sign` asks
 * for it (the key's passphrase from BL_KEY_PASSPHRASE): signing is asynchronous, so it happens
 * here, before the transaction that writes it (writeCommit).
 */
export async function prepareCommit(repo: Repo, spec: CommitSpec, signer: CommitSigner | null): Promise<Commit> {
  await loadCodeIdentity(repo)
  const meta = await codeLinkMeta(repo)
  const c: Commit = {tree: spec.tree, parents: spec.parents, author: spec.author ?? repo.identity('author'), committer: repo.identity('committer'), message: normalizeMessage(spec.message), meta}
  // Schema pins: a commit whose tables break the pins of its tree is refused before anything moves.
  await guardCommitPins(repo, c)
  if (signer) c.signature = await signer.sign(commitPayload(c))
  return c
}

/** The signer `commit.sign` asks for (null when it doesn't); resolved before any work is done. */
export function operationSigner(repo: Repo): Promise<CommitSigner | null> {
  return commitSigner(repo, {})
}

/** Writes a prepared commit and moves HEAD (its branch) to it; call inside a transaction. */
export function writeCommit(repo: Repo, c: Commit, spec: CommitSpec, signer: CommitSigner | null): Oid {
  // Branch protection (src/core/protect): a protected branch may refuse the commit.
  guardWrittenCommit(repo, c, signer?.fingerprint ?? null)
  const id = commitId(c)
  repo.store.putObject(id, 'commit', encodeCommit(c))
  advanceHead(repo, spec.parents[0] ?? null, id, spec.reflog)
  repo.store.setIndexTree(spec.tree)
  return id
}

/** The error a stopped operation ends with: exit 3, every conflict in `data`. */
/**
 * The MERGE_CONFLICT a stopped operation throws. `step`, when the step that stopped just ran:
 * the files whose contents it merged and what their side is called, for Git's report of each
 * path ("Auto-merging ...", "CONFLICT (...)").
 */
export function conflictError(op: OperationState, step?: {automerged: string[]; label: string}): BlError {
  const n = op.conflicts.length
  const first = op.conflicts
    .slice(0, 3)
    .map((c) => `${quotePath(c.path)} (${c.kind})`)
    .join(', ')
  // A merge has one step; the others can drop the stopped commit and go on.
  const skip = op.kind === 'merge' ? '' : `, or \`bl ${op.kind} --skip\` to drop this commit`
  return new BlError('MERGE_CONFLICT', `${op.kind} stopped: ${n} conflict${n === 1 ? '' : 's'}: ${first}${n > 3 ? ', ...' : ''}`, {
    hint: `Resolve each path (\`bl checkout --ours|--theirs <path>\`, or edit it and \`bl add <path>\`), then \`bl ${op.kind} --continue\`; or \`bl ${op.kind} --abort\`${skip}.${op.autostash ? ' Your local changes were stashed (autostash): they come back when it ends.' : ''}`,
    data: {operation: op.kind, conflicts: op.conflicts, theirs: op.theirs, ...step},
  })
}

/**
 * Puts `paths` back to their state in `tree` — work tree and index — whatever they hold now (the
 * operation being undone wrote them). Removals first, so a file can become a directory again.
 */
export async function restorePaths(repo: Repo, tree: Oid | null, paths: Iterable<string>): Promise<void> {
  const target = treeMap(repo, tree)
  const index = loadIndex(repo)
  const sorted = [...new Set(paths)].sort()
  const updates: IndexEntry[] = []
  const written: IndexEntry[] = []
  const deletes: string[] = []
  const now = repo.nowMs()
  const known = new DirCache()
  const sparse = readSparse(repo)
  const kept = new Set<string>()
  for (const p of sorted) {
    const e = target.get(p)
    const idx = e && index.get(p)
    if (e && idx && sameEntry(indexAsFlat(new Map([[p, idx]])).get(p)!, e) && worktreeMatches(repo, idx, p)) kept.add(p)
  }
  const toWrite = sorted.filter((p) => target.has(p) && !kept.has(p) && !(outsideSparse(sparse, p) && !fs.existsSync(absPath(repo, p))))
  // Content first (it may have to come from a remote), then the work tree is touched.
  await ensureContent(repo, toWrite.map((p) => target.get(p)!).filter((e) => e.kind === 'file').map((e) => e.id))
  for (const p of sorted) {
    if (target.has(p)) continue
    removeEntry(repo, p)
    if (index.has(p)) deletes.push(p)
  }
  const writeSet = new Set(toWrite)
  const unrecord = recordTempDirs(repo.blDir, toWrite.map((p) => path.dirname(absPath(repo, p))))
  try {
    for (const p of sorted) {
      const e = target.get(p)
      if (!e) continue
      // A kept file keeps its entry as it is, date included: its stat matched, but it was not
      // hashed here, so an entry that was racy must stay racy.
      if (kept.has(p)) updates.push(index.get(p)!)
      else if (writeSet.has(p)) written.push(makeEntry(p, writeEntry(repo, p, e, known), {id: e.id, size: e.size}, now))
      else updates.push(notCheckedOut(p, e))
    }
  } finally {
    unrecord()
  }
  dateEntries(repo, written)
  updates.push(...written)
  repo.store.transaction(() => {
    for (const p of deletes) repo.store.deleteIndexEntry(p)
    for (const e of updates) repo.store.putIndexEntry(e)
  })
}

function worktreeMatches(repo: Repo, idx: IndexEntry, p: string): boolean {
  const st = fs.lstatSync(repo.root + '/' + p, {throwIfNoEntry: false})
  return Boolean(st && st.mtimeMs === idx.mtime && st.ctimeMs === idx.ctime && st.size === idx.size && st.ino === idx.ino)
}

/**
 * Undoes a stopped operation: HEAD (and its branch) back at `origHead`, and every path the
 * operation touched — whatever differs between the original tree and HEAD's, the index's and the
 * conflicts — back to the original tree. Local changes to other paths are kept, as in Git.
 */
export async function abortOperation(repo: Repo, op: OperationState): Promise<void> {
  const origTree = commitTree(repo, op.origHead)
  const head = readHead(repo)
  const orig = treeMap(repo, origTree)
  const paths = conflictPaths(op.conflicts)
  const headFlat = head.oid && head.oid !== op.origHead ? flatOfCommit(repo, head.oid) : orig
  for (const c of diffMaps(orig, headFlat, false)) paths.add(c.path)
  for (const c of diffMaps(orig, indexAsFlat(loadIndex(repo)), false)) paths.add(c.path)
  // What the step wrote, even if a crash stopped it before the index recorded it.
  if (op.resultTree) {
    const d = diffTrees(repo.store, origTree, op.resultTree)
    for (const p of [...d.before.keys(), ...d.after.keys()]) paths.add(p)
  }
  // Local work made during the stop survives, as Git's abort (`reset --merge`) refuses to lose it:
  // an untracked file where the original tree has nothing stays; one the abort would overwrite,
  // and edits to tracked paths the abort rewrites, refuse the abort. Conflicted paths are the
  // operation's (their edits go), and files exactly as the interrupted step wrote them are undone.
  const index = loadIndex(repo)
  const written = op.resultTree ? treeMap(repo, op.resultTree) : new Map<string, FlatEntry>()
  const conflicted = conflictPaths(op.conflicts)
  const clockDev = clockDevice(repo)
  const lost: string[] = []
  for (const p of paths) {
    const st = safeLstat(absPath(repo, p))
    if (!st || st.isDirectory()) continue
    const idx = index.get(p)
    if (idx && statClean(idx, st, clockDev)) continue
    const id = worktreeId(repo, p, st).id
    const target = orig.get(p)
    if (id === idx?.id || id === target?.id || id === written.get(p)?.id) continue
    if (!idx && !target) paths.delete(p) // the user's new file, where the original has nothing
    else if (!conflicted.has(p)) lost.push(p)
  }
  if (lost.length)
    throw new BlError('LOCAL_CHANGES', `cannot abort the ${op.kind}: your changes to ${lost.length === 1 ? quotePath(lost[0]!) : `${lost.length} files (${lost.slice(0, 3).map(quotePath).join(', ')}${lost.length > 3 ? ', ...' : ''})`} would be lost`, {
      hint: `Move those files away (or finish with \`bl ${op.kind} --continue\` instead), then abort again.`,
      data: {paths: lost},
    })
  await restorePaths(repo, origTree, paths)
  repo.store.transaction(
    () => {
      const message = `${op.kind} (abort): returning to ${op.origBranch ?? op.origHead.slice(0, 12)}`
      if (op.origBranch) {
        const cur = repo.store.getRef(op.origBranch)?.oid ?? null
        if (cur !== op.origHead) updateRefs(repo, [{ref: op.origBranch, to: op.origHead, message}])
        setHead(repo, {branch: op.origBranch}, message)
      } else setHead(repo, {detached: op.origHead}, message)
      if (origTree) repo.store.setIndexTree(origTree)
      clearOperation(repo)
    },
    {durable: true},
  )
}

/** Saves the operation state (before the work tree changes, so a crash can still be aborted). */
export function saveOperation(repo: Repo, op: OperationState): void {
  repo.store.transaction(() => writeOperation(repo, op), {durable: true})
}
