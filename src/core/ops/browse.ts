/**
 * bl browse: the data behind the terminal browser (src/ui/browse), as a BrowseSource
 * (core/browse/types.ts). Built from the read-only operations: refs from branch.ts, history from
 * log.ts, signatures as verify.ts checks them, trees as inspect.ts lists them, changes as show
 * computes them, previews and file diffs from core/browse. The revision is resolved here, before
 * any view starts, so a bad one fails with the usual typed error.
 */
import {previewFile} from '../browse/preview.js'
import {diffFile, type DiffSide} from '../browse/file-diff.js'
import {lazyBlobSource} from '../browse/sources.js'
import type {BrowseChange, BrowseChanges, BrowseCommit, BrowseRef, BrowseSource, BrowseTreeEntry} from '../browse/types.js'
import {diffMaps} from '../diff/diff.js'
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {commitPayload} from '../objects/commit.js'
import {compareNames} from '../objects/names.js'
import type {TreeEntry} from '../objects/tree.js'
import {loadCommit, loadTree} from '../odb.js'
import {resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import {Keyring} from '../signing/keyring.js'
import {unsignedVerification, verifySignature, type SignatureVerification} from '../signing/verify.js'
import type {FlatEntry} from '../tree-build.js'
import {lookupPath} from '../tree-build.js'
import {listBranches, listTags} from './branch.js'
import {ensureChunks} from './content.js'
import {logGraph} from './log.js'

export function browseSource(repo: Repo, rev = 'HEAD'): BrowseSource {
  const start = resolveRevision(repo, rev)
  // The keyring (and the OpenPGP library) loads on the first signed commit asked about, once.
  let keyring: Promise<Keyring> | undefined
  const verified = new Map<Oid, Promise<SignatureVerification>>()
  const source = (id: Oid, name: string) => lazyBlobSource(repo.store, id, name, (chunks) => ensureChunks(repo, chunks))

  return {
    start,

    async refs(): Promise<BrowseRef[]> {
      const refs: BrowseRef[] = repo.store.snapshot(() => listBranches(repo, {all: true})).map((r) => ({name: r.name, kind: r.remote ? 'remote' : 'branch', commit: r.commit, current: r.current}))
      for (const t of listTags(repo)) refs.push({name: t.name, kind: 'tag', commit: t.commit, current: false})
      return refs
    },

    async log(from: string, limit: number) {
      if (!Number.isInteger(limit) || limit < 0) throw new BlError('INVALID_ARGUMENT', `the log limit must be a whole number, got ${limit}`, {hint: 'e.g. 200.'})
      // One more than asked says whether more exist.
      const g = logGraph(repo, {revs: [from], maxCount: limit + 1})
      const commits: BrowseCommit[] = g.entries.slice(0, limit).map((e, i) => ({
        id: e.id,
        parents: e.parents,
        edges: g.edges[i]!,
        authorName: e.author.name,
        authorEmail: e.author.email,
        time: e.author.time,
        tzOffset: e.author.tz,
        message: e.message,
        signed: e.signed,
        refs: e.refs,
        ...(e.meta['git.commit'] ? {gitCommit: e.meta['git.commit']} : {}),
      }))
      return {commits, more: g.entries.length > limit}
    },

    signature(commit: Oid): Promise<SignatureVerification> {
      let v = verified.get(commit)
      if (!v) {
        v = (async () => {
          const c = loadCommit(repo.store, commit)
          if (!c.signature) return unsignedVerification()
          keyring ??= Keyring.open(repo.ctx)
          return verifySignature(await keyring, commitPayload(c), c.signature, repo.now())
        })()
        // A failure (say, an unreadable key file) is not remembered: the next ask tries again.
        v.catch(() => {
          verified.delete(commit)
          keyring = undefined
        })
        verified.set(commit, v)
      }
      return v
    },

    async tree(commit: Oid, dir: string): Promise<BrowseTreeEntry[]> {
      const d = normalize(dir)
      const e = lookupPath(repo.store, loadCommit(repo.store, commit).tree, d)
      if (!e) throw new BlError('PATH_NOT_FOUND', `'${d}' does not exist in commit ${commit.slice(0, 12)}`, {hint: 'Pick a directory of the tree.', data: {commit, path: d}})
      if (e.kind !== 'dir') throw new BlError('INVALID_ARGUMENT', `'${d}' is a ${e.kind === 'file' ? 'file' : 'symbolic link'}, not a directory`, {hint: 'Preview files; list directories.', data: {commit, path: d}})
      return loadTree(repo.store, e.id)
        .map((x) => ({name: x.name, path: d ? `${d}/${x.name}` : x.name, kind: x.kind, size: x.size, files: x.files, exec: x.exec, id: x.id}))
        .sort((a, b) => Number(b.kind === 'dir') - Number(a.kind === 'dir') || compareNames(a.name, b.name))
    },

    async preview(commit, path, opts) {
      const p = normalize(path)
      const e = lookupPath(repo.store, loadCommit(repo.store, commit).tree, p)
      if (!e || p === '') throw new BlError('PATH_NOT_FOUND', `'${p}' does not exist in commit ${commit.slice(0, 12)}`, {hint: 'Pick a file of the tree.', data: {commit, path: p}})
      if (e.kind === 'dir') throw new BlError('INVALID_ARGUMENT', `'${p}' is a directory`, {hint: 'List it with tree(); preview its files.', data: {commit, path: p}})
      return previewFile({path: p, id: e.id, kind: e.kind, size: e.size, source: source(e.id, `${commit.slice(0, 12)}:${p}`)}, opts)
    },

    async changes(commit: Oid): Promise<BrowseChanges> {
      const c = loadCommit(repo.store, commit)
      const parent = c.parents[0] ?? null
      const before = new Map<string, FlatEntry>()
      const after = new Map<string, FlatEntry>()
      // One read snapshot: a consistent view, one lock for many tree reads.
      repo.store.snapshot(() => changedEntries(repo, parent ? loadCommit(repo.store, parent).tree : null, c.tree, '', before, after))
      const changes: BrowseChange[] = diffMaps(before, after).map((ch) => ({
        status: ch.status,
        path: ch.path,
        ...(ch.oldPath !== undefined ? {oldPath: ch.oldPath} : {}),
        kind: (ch.new ?? ch.old)!.kind,
        oldSize: ch.old?.size ?? null,
        newSize: ch.new?.size ?? null,
      }))
      return {commit, parent, changes}
    },

    async fileDiff(commit: Oid, change: BrowseChange) {
      const c = loadCommit(repo.store, commit)
      const parent = c.parents[0] ?? null
      const side = (tree: Oid | null, rev: string, p: string): DiffSide | null => {
        const e = tree ? lookupPath(repo.store, tree, p) : undefined
        if (!e || e.kind === 'dir') return null
        return {path: p, kind: e.kind, id: e.id, size: e.size, exec: e.exec, source: () => source(e.id, `${rev}:${p}`)}
      }
      const newSide = change.status === 'D' ? null : side(c.tree, commit.slice(0, 12), change.path)
      const oldSide = change.status === 'A' || !parent ? null : side(loadCommit(repo.store, parent).tree, parent.slice(0, 12), change.oldPath ?? change.path)
      return diffFile(change.path, oldSide, newSide)
    },
  }
}

function normalize(p: string): string {
  return p.replace(/^\.?\/+/, '').replace(/\/+$/, '')
}

/**
 * The files of two trees that can differ, as path maps for diffMaps: subtrees with the same id
 * are skipped whole, so a commit touching one file of a million reads only the directories on
 * its path. Renames still pair up: a moved file's old and new directories both differ.
 */
function changedEntries(repo: Repo, oldTree: Oid | null, newTree: Oid | null, base: string, before: Map<string, FlatEntry>, after: Map<string, FlatEntry>): void {
  if (oldTree === newTree) return
  const olds = new Map((oldTree ? loadTree(repo.store, oldTree) : []).map((e) => [e.name, e]))
  const news = newTree ? loadTree(repo.store, newTree) : []
  const visit = (o: TreeEntry | undefined, n: TreeEntry | undefined): void => {
    const name = (o ?? n)!.name
    const p = base ? `${base}/${name}` : name
    if (o && n && o.id === n.id && o.kind === n.kind && o.exec === n.exec) return
    const oDir = o?.kind === 'dir' ? o.id : null
    const nDir = n?.kind === 'dir' ? n.id : null
    if (oDir || nDir) changedEntries(repo, oDir, nDir, p, before, after)
    if (o && o.kind !== 'dir') before.set(p, {kind: o.kind, exec: o.exec, size: o.size, id: o.id})
    if (n && n.kind !== 'dir') after.set(p, {kind: n.kind, exec: n.exec, size: n.size, id: n.id})
  }
  for (const n of news) {
    visit(olds.get(n.name), n)
    olds.delete(n.name)
  }
  for (const o of olds.values()) visit(o, undefined)
}
