/**
 * bl commit: the index becomes a tree, the tree a commit, and the branch moves to it — all in one
 * durable transaction after the data is stored, so a crash leaves HEAD at the old or new commit.
 */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {commitId, commitPayload, encodeCommit, type Commit} from '../objects/commit.js'
import {loadCommit} from '../odb.js'
import {advanceHead, readHead, shortRef} from '../refs/refs.js'
import type {Repo} from '../repo.js'
import {writeTree} from '../tree-build.js'
import {loadIndex} from '../worktree/index-state.js'
import {stage, type AddOptions} from './add.js'
import {commitSigner, type PassphrasePrompt} from './keys.js'
import {readOperation} from './operation-state.js'
import {commitGuard} from '../protect/enforce.js'
import {hasPinsFile} from '../schema/pins-file.js'
import {codeLinkMeta, loadCodeIdentity} from '../gitlink/code-link.js'

export interface CommitOptions {
  message: string
  all?: boolean
  allowEmpty?: boolean
  /** Extra metadata (e.g. the linked Git commit). */
  meta?: Record<string, string>
  /** Data versions this commit was derived from, `<remote-url|path>@<rev>` (ops/lineage.ts). */
  inputs?: string[]
  progress?: AddOptions['progress']
  /** true = sign (-S), false = don't (--no-sign), undefined = config `commit.sign`. */
  sign?: boolean
  /** Key to sign with (implies signing); default config `user.signingKey`, else the only secret key. */
  signingKey?: string
  /** Asks for the key's passphrase when BL_KEY_PASSPHRASE is not set (the CLI passes one on a TTY). */
  passphrasePrompt?: PassphrasePrompt
}

export interface CommitResult {
  id: Oid
  branch: string | null
  parents: Oid[]
  tree: Oid
  message: string
  root: boolean
  /** Fingerprint of the key that signed the commit, or null. */
  signedBy: string | null
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
  await loadCodeIdentity(repo)
  repo.holdLease('commit')
  const author = repo.identity('author')
  const committer = repo.identity('committer')
  // Key and passphrase first: a missing key or a wrong passphrase fails before any work is done.
  const signer = await commitSigner(repo, {sign: opts.sign, key: opts.signingKey, prompt: opts.passphrasePrompt})
  // Lineage (remotes) and the pin checker (table readers) load only when used: with them, every
  // commit loaded 79 modules instead of 58 (~14 ms).
  const inputs = opts.inputs?.length ? await import('./lineage.js').then(async (l) => l.inputMeta(await l.resolveInputs(repo, opts.inputs!))) : {}
  // The code commit is read before staging: the data commit records the code as it was when asked.
  const meta = {...(await codeLinkMeta(repo)), ...inputs, ...opts.meta}
  if (opts.all) await stage(repo, [''], {onlyTracked: true, progress: opts.progress})
  const head = readHead(repo)
  const build = (): Commit => {
    const entries = [...loadIndex(repo).values()].map((e) => ({path: e.path, kind: e.kind === 'symlink' ? ('symlink' as const) : ('file' as const), exec: e.exec, size: e.size, id: e.id}))
    const tree = writeTree(repo.store, entries)
    repo.store.setIndexTree(tree)
    const parents = head.oid ? [head.oid] : []
    if (!opts.allowEmpty) {
      const parentTree = head.oid ? loadCommit(repo.store, head.oid).tree : null
      if (parentTree === tree || (!head.oid && entries.length === 0))
        throw new BlError('NOTHING_TO_COMMIT', 'nothing to commit, working tree unchanged', {hint: 'Stage changes with `bl add` (or use `bl commit -a`), or pass --allow-empty.'})
    }
    return {tree, parents, author, committer, message: normalizeMessage(opts.message), meta}
  }
  const publish = (c: Commit): CommitResult => {
    const id = commitId(c)
    repo.store.putObject(id, 'commit', encodeCommit(c))
    const subject = c.message.split('\n')[0]!
    // Compare-and-swap on HEAD: a commit made by another process meanwhile is never lost.
    advanceHead(repo, head.oid, id, `commit${c.parents.length ? '' : ' (initial)'}: ${subject}`)
    return {id, branch: head.branch ? shortRef(head.branch) : null, parents: c.parents, tree: c.tree, message: c.message, root: c.parents.length === 0, signedBy: signer?.fingerprint ?? null}
  }
  // Branch protection (src/core/protect): refuses at once an unsigned or untrusted commit where a
  // rule requires signatures; `guard` checks the built commit's message and sizes.
  const guard = commitGuard(repo, head.branch, signer?.fingerprint ?? null)
  // Schema pins (src/core/schema/pins.ts): a tree holding `.blschema` is checked against it before
  // the commit is published. Without pins, a guard or signing, the commit is one transaction.
  let built: Commit | undefined
  const done = repo.store.transaction(() => {
    built = build()
    return !signer && !guard && !hasPinsFile(repo, built.tree) ? publish(built) : null
  }, {durable: true})
  if (done) return done
  // Signing and the schema check are asynchronous and a SQLite transaction is not: write the trees,
  // check and sign outside the write lock, then publish the commit and move the ref (unreferenced
  // trees of a refused commit or a failed signing are left to gc).
  const c = built!
  guard?.(c)
  if (hasPinsFile(repo, c.tree)) await (await import('../schema/pins.js')).guardCommitPins(repo, c)
  if (signer) c.signature = await signer.sign(commitPayload(c))
  return repo.store.transaction(() => publish(c), {durable: true})
}

/** Git's default cleanup: strip trailing spaces and surrounding blank lines; end with one newline. */
export function normalizeMessage(m: string): string {
  const lines = m.replace(/\r\n/g, '\n').split('\n').map((l) => l.replace(/\s+$/, ''))
  while (lines.length && lines[0] === '') lines.shift()
  while (lines.length && lines[lines.length - 1] === '') lines.pop()
  return lines.join('\n') + '\n'
}
