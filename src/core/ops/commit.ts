/**
 * bl commit: the index becomes a tree, the tree a commit, and the branch moves to it — all in one
 * durable transaction after the data is stored, so a crash leaves HEAD at the old or new commit.
 */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {commitId, encodeCommit, type Commit} from '../objects/commit.js'
import {loadCommit} from '../odb.js'
import {advanceHead, readHead, shortRef} from '../refs/refs.js'
import type {Repo} from '../repo.js'
import {writeTree} from '../tree-build.js'
import {loadIndex} from '../worktree/index-state.js'
import {stage, type AddOptions} from './add.js'
import {readOperation} from './operation-state.js'

export interface CommitOptions {
  message: string
  all?: boolean
  allowEmpty?: boolean
  /** Extra metadata (e.g. the linked Git commit). */
  meta?: Record<string, string>
  progress?: AddOptions['progress']
}

export interface CommitResult {
  id: Oid
  branch: string | null
  parents: Oid[]
  tree: Oid
  message: string
  root: boolean
}

export async function commit(repo: Repo, opts: CommitOptions): Promise<CommitResult> {
  if (opts.message.trim() === '')
    throw new BlError('INVALID_ARGUMENT', 'aborting commit due to empty commit message', {hint: 'Pass a message with -m "..."'})
  const op = readOperation(repo)
  if (op) {
    throw new BlError('OPERATION_IN_PROGRESS', `a ${op.kind} is in progress`, {
      hint: op.noCommit ? `Finish it with \`bl ${op.kind} --continue\` (the changes stay staged), then commit.` : `Commit it with \`bl ${op.kind} --continue\` once the conflicts are resolved, or drop it with \`bl ${op.kind} --abort\`.`,
      data: {operation: op.kind},
    })
  }
  const author = repo.identity('author')
  const committer = repo.identity('committer')
  if (opts.all) await stage(repo, [''], {onlyTracked: true, progress: opts.progress})
  const head = readHead(repo)
  return repo.store.transaction(
    () => {
      const entries = [...loadIndex(repo).values()].map((e) => ({path: e.path, kind: e.kind === 'symlink' ? ('symlink' as const) : ('file' as const), exec: e.exec, size: e.size, id: e.id}))
      const tree = writeTree(repo.store, entries)
      repo.store.setIndexTree(tree)
      const parents = head.oid ? [head.oid] : []
      if (!opts.allowEmpty) {
        const parentTree = head.oid ? loadCommit(repo.store, head.oid).tree : null
        if (parentTree === tree || (!head.oid && entries.length === 0))
          throw new BlError('NOTHING_TO_COMMIT', 'nothing to commit, working tree unchanged', {hint: 'Stage changes with `bl add` (or use `bl commit -a`), or pass --allow-empty.'})
      }
      const c: Commit = {tree, parents, author, committer, message: normalizeMessage(opts.message), meta: {...opts.meta}}
      const id = commitId(c)
      repo.store.putObject(id, 'commit', encodeCommit(c))
      const subject = c.message.split('\n')[0]!
      advanceHead(repo, head.oid, id, `commit${parents.length ? '' : ' (initial)'}: ${subject}`)
      return {id, branch: head.branch ? shortRef(head.branch) : null, parents, tree, message: c.message, root: parents.length === 0}
    },
    {durable: true},
  )
}

/** Git's default cleanup: strip trailing spaces and surrounding blank lines; end with one newline. */
export function normalizeMessage(m: string): string {
  const lines = m.replace(/\r\n/g, '\n').split('\n').map((l) => l.replace(/\s+$/, ''))
  while (lines.length && lines[0] === '') lines.shift()
  while (lines.length && lines[lines.length - 1] === '') lines.pop()
  return lines.join('\n') + '\n'
}
