/**
 * bl get <url> <path>: download one file or directory of a remote repository, at a branch, tag or
 * commit, without making a repository here (DVC's `get`): how a CI job or a notebook takes a
 * pinned data version it does not work on.
 *
 * Under the hood a lazy clone (commits and trees only) goes to a temporary directory beside the
 * output, the path's contents are fetched and written there, verified as a checkout verifies them,
 * and the result is renamed into place: the output appears whole or not at all, and the temporary
 * clone is removed in every case.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {Context} from '../context.js'
import {BlError, fsError, isBlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {loadCommit} from '../odb.js'
import {resolveRevision} from '../refs/revision.js'
import {openRepo, type Repo} from '../repo.js'
import type {RemoteOptions} from './remote.js'
import {lookupPath} from '../tree-build.js'
import {restore, type CheckoutProgress} from './checkout.js'
import {clone} from './sync.js'

export interface GetOptions {
  url: string
  /** Repository path of the file or directory to download. */
  path: string
  /** Branch, tag or commit on the remote (default: its default branch). */
  rev?: string
  /** Where to write it (default: the path's last name, in the current directory). */
  output?: string
  remoteOptions?: RemoteOptions
  progress?: CheckoutProgress
  onWarning?(message: string): void
}

export interface GetResult {
  url: string
  path: string
  /** The commit the content comes from. */
  commit: Oid
  /** Absolute path written. */
  output: string
  kind: 'file' | 'dir' | 'symlink'
  files: number
}

export async function get(ctx: Context, opts: GetOptions): Promise<GetResult> {
  const repoPath = opts.path.replace(/^\/+|\/+$/g, '')
  if (repoPath === '' || repoPath.split('/').some((s) => s === '..' || s === '.'))
    throw new BlError('INVALID_ARGUMENT', `'${opts.path}' is not a path inside the repository`, {hint: 'Name a file or directory as the repository lists it, e.g. data/train.csv or images/.', data: {path: opts.path}})
  const out = path.resolve(ctx.cwd, opts.output ?? path.posix.basename(repoPath))
  if (fs.existsSync(out)) throw new BlError('INVALID_ARGUMENT', `'${out}' already exists`, {hint: 'Choose another output with -o, or remove it first.', data: {output: out}})
  if (!fs.existsSync(path.dirname(out))) throw new BlError('PATH_NOT_FOUND', `directory '${path.dirname(out)}' does not exist`, {hint: 'Create it, or choose another output with -o.', data: {output: out}})
  let tmp: string
  try {
    // Beside the output, so the final rename stays on one file system.
    tmp = fs.mkdtempSync(path.join(path.dirname(out), '.bl-get-'))
  } catch (err) {
    throw fsError(err, path.dirname(out), 'creating a directory in')
  }
  let repo: Repo | undefined
  try {
    await clone({...ctx, cwd: tmp}, {url: opts.url, dir: 'repo', noCheckout: true, remoteOptions: opts.remoteOptions, progress: opts.progress, onWarning: opts.onWarning})
    repo = openRepo({...ctx, cwd: path.join(tmp, 'repo')})
    const commit = remoteRevision(repo, opts.rev)
    const entry = lookupPath(repo.store, loadCommit(repo.store, commit).tree, repoPath)
    if (!entry) throw new BlError('PATH_NOT_FOUND', `path '${repoPath}' does not exist in ${opts.rev ?? 'the default branch'} of ${opts.url}`, {hint: `List it with \`bl ls-remote ${opts.url}\` and a clone, or check the spelling.`, data: {path: repoPath, rev: opts.rev ?? null}})
    const res = await restore(repo, {paths: [path.join(repo.root, repoPath)], source: commit, worktree: true, progress: opts.progress})
    repo.close()
    repo = undefined
    fs.renameSync(path.join(tmp, 'repo', repoPath), out)
    return {url: opts.url, path: repoPath, commit, output: out, kind: entry.kind === 'dir' ? 'dir' : entry.kind === 'symlink' ? 'symlink' : 'file', files: res.restored.length}
  } finally {
    repo?.close()
    fs.rmSync(tmp, {recursive: true, force: true})
  }
}

/** A revision as the remote names it: a branch (its remote-tracking copy), a tag, or a commit id. */
function remoteRevision(repo: Repo, rev: string | undefined): Oid {
  if (rev === undefined) return resolveRevision(repo, 'HEAD')
  try {
    return resolveRevision(repo, rev)
  } catch (err) {
    if (!isBlError(err) || err.code !== 'UNKNOWN_REVISION') throw err
    try {
      return resolveRevision(repo, `origin/${rev}`)
    } catch {
      throw err
    }
  }
}
