/** Read-only inspection: bl show (also --raw / --signature) and bl ls-tree. */
import {ensureContent} from './content.js'
import {BlError} from '../errors.js'
import {verifyCommit} from './verify.js'
import type {Change} from '../diff/diff.js'
import type {Oid} from '../hash.js'
import {loadCommit, loadTree, readFileChunks} from '../odb.js'
import {commitPayload} from '../objects/commit.js'
import {defaultSigner} from '../signing/signer.js'
import type {EntryKind} from '../objects/tree.js'
import {resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import {lookupPath, modeOf} from '../tree-build.js'
import type {RenameOptions} from '../diff/similarity.js'
import {firstParentChanges, toLogEntry, refsByCommit, type LogEntry} from './log.js'
import {readOperation} from './operation-state.js'
import {loadIndex} from '../worktree/index-state.js'
import {revPathOf, toRepoPath} from '../worktree/paths.js'
import type {FlatEntry} from '../tree-build.js'

export interface ShowCommit {
  kind: 'commit'
  commit: LogEntry
  changes: Change[]
}

export interface ShowFile {
  kind: 'file' | 'symlink'
  path: string
  id: Oid
  size: number
  exec: boolean
  /** Streams the verified bytes (not part of --json output). */
  content?: () => AsyncGenerator<Buffer>
}

export interface ShowDir {
  kind: 'dir'
  path: string
  id: Oid
  entries: LsTreeEntry[]
}

export type ShowResult = ShowCommit | ShowFile | ShowDir

/**
 * `:<n>:<path>` (Git's stage syntax): 0 = the index, and during a stopped merge, cherry-pick,
 * revert or rebase 1 = base, 2 = ours, 3 = theirs of a conflicted path. `:<path>` is stage 0.
 */
function showStage(repo: Repo, stage: number, rawPath: string): ShowFile {
  const path = revPathOf(repo, rawPath)
  const names = ['index', 'base', 'ours', 'theirs']
  let e: (FlatEntry & {path?: string}) | undefined
  if (stage === 0) {
    const idx = loadIndex(repo).get(path)
    e = idx ? {kind: idx.kind === 'symlink' ? 'symlink' : 'file', exec: idx.exec, size: idx.size, id: idx.id} : undefined
  } else {
    const c = readOperation(repo)?.conflicts.find((x) => x.path === path || [x.ours?.path, x.theirs?.path].includes(path))
    if (!c) throw new BlError('PATH_NOT_FOUND', `'${path}' is not in conflict, so it has no stage ${stage}`, {hint: '`bl status` lists conflicted paths; `:0:<path>` (or `:<path>`) is the index.', data: {path, stage}})
    e = stage === 1 ? c.base : stage === 2 ? c.ours : c.theirs
  }
  if (!e) throw new BlError('PATH_NOT_FOUND', `'${path}' has no ${names[stage]} version (stage ${stage})`, {hint: stage === 0 ? 'The path is not in the index.' : 'That side deleted it or never had it; see `bl diff` for the versions.', data: {path, stage}})
  const id = e.id
  return {kind: e.kind, path, id, size: e.size, exec: e.exec, content: () => fileContent(repo, id)}
}

/** A file's bytes, fetched first when the content lives on a remote (lazy clone, evicted). */
async function* fileContent(repo: Repo, id: Oid): AsyncGenerator<Buffer> {
  await ensureContent(repo, [id])
  yield* readFileChunks(repo.store, id)
}

export function show(repo: Repo, spec = 'HEAD', renames?: RenameOptions | false): ShowResult {
  const stage = /^:([0-3]):(.+)$/.exec(spec)
  if (stage) return showStage(repo, Number(stage[1]), stage[2]!)
  if (spec.startsWith(':') && spec.length > 1) return showStage(repo, 0, spec.slice(1))
  const colon = spec.indexOf(':')
  if (colon >= 0) {
    const rev = spec.slice(0, colon) || 'HEAD'
    const path = revPathOf(repo, spec.slice(colon + 1))
    const commit = resolveRevision(repo, rev)
    const tree = loadCommit(repo.store, commit).tree
    const e = lookupPath(repo.store, tree, path)
    if (!e) throw new BlError('PATH_NOT_FOUND', `path '${path}' does not exist in '${rev}'`, {hint: `List the tree with \`bl ls-tree -r ${rev}\`.`, data: {rev, path}})
    if (e.kind === 'dir') return {kind: 'dir', path, id: e.id, entries: lsTreeOf(repo, e.id, path, false)}
    return {kind: e.kind, path, id: e.id, size: e.size, exec: e.exec, content: () => fileContent(repo, e.id)}
  }
  const id = resolveRevision(repo, spec)
  const c = loadCommit(repo.store, id)
  return {kind: 'commit', commit: toLogEntry(id, c, refsByCommit(repo).get(id)), changes: firstParentChanges(repo, c, renames)}
}

export interface LsTreeEntry {
  mode: string
  type: 'blob' | 'tree'
  kind: EntryKind
  id: Oid
  size: number
  files: number
  path: string
}

function lsTreeOf(repo: Repo, tree: Oid, base: string, recursive: boolean, dirsToo = false): LsTreeEntry[] {
  const out: LsTreeEntry[] = []
  const walk = (id: Oid, prefix: string): void => {
    for (const e of loadTree(repo.store, id)) {
      const path = prefix ? `${prefix}/${e.name}` : e.name
      const row: LsTreeEntry = {
        mode: modeOf(e),
        type: e.kind === 'dir' ? 'tree' : 'blob',
        kind: e.kind,
        id: e.id,
        size: e.size,
        files: e.files,
        path,
      }
      if (e.kind === 'dir' && recursive) {
        if (dirsToo) out.push(row)
        walk(e.id, path)
      } else out.push(row)
    }
  }
  walk(tree, base)
  return out
}

/**
 * The tree a tree-ish names (`ls-tree`, `archive`): a commit's, or with Git's `<rev>:<dir>` one
 * directory of it (whose entries are then named relative to it, and paths given after it are read
 * inside it); `commit` is the commit it was read from.
 */
export function treeIsh(repo: Repo, spec: string): {tree: Oid; sub: boolean; commit: Oid} {
  const colon = spec.indexOf(':')
  if (colon < 0) {
    const commit = resolveRevision(repo, spec)
    return {tree: loadCommit(repo.store, commit).tree, sub: false, commit}
  }
  const rev = spec.slice(0, colon) || 'HEAD'
  const commit = resolveRevision(repo, rev)
  const root = loadCommit(repo.store, commit).tree
  const dir = revPathOf(repo, spec.slice(colon + 1))
  if (dir === '') return {tree: root, sub: true, commit}
  const e = lookupPath(repo.store, root, dir)
  if (!e) throw new BlError('PATH_NOT_FOUND', `path '${dir}' does not exist in '${rev}'`, {hint: `\`bl ls-tree ${rev}\` lists what is there.`, data: {path: dir}})
  if (e.kind !== 'dir') throw new BlError('INVALID_ARGUMENT', `${spec} is a file, not a directory`, {hint: `List it with \`bl ls-tree ${rev} ${dir}\`, or read it with \`bl show ${spec}\`.`, data: {path: dir}})
  return {tree: e.id, sub: true, commit}
}

export function lsTree(repo: Repo, opts: {rev: string; paths?: string[]; recursive?: boolean; showTrees?: boolean}): LsTreeEntry[] {
  const {tree, sub} = treeIsh(repo, opts.rev)
  if (!opts.paths?.length) return lsTreeOf(repo, tree, '', opts.recursive ?? false, opts.showTrees)
  const out: LsTreeEntry[] = []
  for (const raw of opts.paths) {
    // Paths are read from the current directory, as Git's ls-tree reads them ('.' is where you
    // are); inside `<rev>:<dir>` they are read from that directory.
    const p = sub ? raw.replace(/^\/+|\/+$/g, '') : toRepoPath(repo, raw)
    const e = lookupPath(repo.store, tree, p)
    if (!e) continue
    if (e.kind === 'dir' && (raw.endsWith('/') || opts.recursive || p === '')) out.push(...lsTreeOf(repo, e.id, p, opts.recursive ?? false, opts.showTrees))
    else out.push({mode: modeOf(e), type: e.kind === 'dir' ? 'tree' : 'blob', kind: e.kind, id: e.id, size: e.size, files: e.files, path: p})
  }
  return out
}

// ---- the signed payload and the signature of a commit (bl show --raw / --signature) --------------

export interface CommitRaw {
  id: Oid
  /** Exactly the bytes a commit signature covers: the commit's encoding without its signature. */
  payload: Buffer
  signature: Uint8Array | null
}

export function commitRaw(repo: Repo, rev = 'HEAD'): CommitRaw {
  const id = resolveRevision(repo, rev)
  const c = loadCommit(repo.store, id)
  return {id, payload: commitPayload(c), signature: c.signature ?? null}
}

/** The commit's signature, ASCII-armored (`gpg --verify sig.asc payload.bin` checks it against `bl show --raw`). */
export async function commitSignature(repo: Repo, rev = 'HEAD'): Promise<{id: Oid; signature: string}> {
  const {id, signature} = commitRaw(repo, rev)
  // Unsigned: the same error, with the whole verification in `data`, as verify-commit gives.
  if (!signature) {
    await verifyCommit(repo, id)
    throw new BlError('UNSIGNED_COMMIT', `commit ${id.slice(0, 12)} is not signed`, {hint: 'Sign commits with `bl commit -S`.', data: {commit: id}})
  }
  return {id, signature: await (await defaultSigner()).armorSignature(signature)}
}
