/**
 * bl rev-parse: revisions to ids, for scripts (Git's plumbing of the same name). A commit-ish gives
 * its commit id, `<rev>^{tree}` the commit's tree, `<rev>:<path>` (and `:<path>` for the index) the
 * id of that file (its BLAKE3, the id `b3sum` prints) or directory.
 */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {loadCommit} from '../odb.js'
import {refOfRevision, resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import {show} from './inspect.js'

export interface RevParsed {
  /** The revision as given. */
  rev: string
  kind: 'commit' | 'tree' | 'file' | 'symlink'
  id: Oid
  /** The full ref the revision names by itself (`refs/heads/main` for HEAD on main), else null. */
  ref: string | null
}

export interface RevParseResult {
  /** The work tree's root, with --show-toplevel; else null. */
  toplevel: string | null
  revs: RevParsed[]
}

export function revParse(repo: Repo, revs: string[], opts: {verify?: boolean; showToplevel?: boolean} = {}): RevParseResult {
  if (opts.verify && revs.length !== 1)
    throw new BlError('INVALID_ARGUMENT', `--verify takes exactly one revision (got ${revs.length})`, {hint: 'Usage: bl rev-parse --verify <rev>'})
  if (revs.length === 0 && !opts.showToplevel) throw new BlError('INVALID_ARGUMENT', 'no revision given', {hint: 'Usage: bl rev-parse <rev>... (e.g. `bl rev-parse HEAD`), or --show-toplevel.'})
  return {toplevel: opts.showToplevel ? repo.root : null, revs: revs.map((rev) => parseOne(repo, rev))}
}

function parseOne(repo: Repo, rev: string): RevParsed {
  // Ref names cannot hold ':', so a colon always means a path.
  if (rev.includes(':')) {
    const shown = show(repo, rev)
    if (shown.kind !== 'commit') return {rev, kind: shown.kind === 'dir' ? 'tree' : shown.kind, id: shown.id, ref: null}
  }
  const tree = /^(.*)\^\{tree\}$/.exec(rev)
  if (tree) return {rev, kind: 'tree', id: loadCommit(repo.store, resolveRevision(repo, tree[1]!)).tree, ref: null}
  return {rev, kind: 'commit', id: resolveRevision(repo, rev), ref: refOfRevision(repo, rev)}
}
