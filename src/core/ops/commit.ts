/**
 * bl commit: the index becomes a tree, the tree a commit, and the branch moves to it — all in one
 * durable transaction after the data is stored, so a crash leaves HEAD at the old or new commit.
 */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {commitId, commitPayload, encodeCommit, type Commit, type Signature} from '../objects/commit.js'
import {loadCommit} from '../odb.js'
import {advanceHead, readHead, shortRef} from '../refs/refs.js'
import type {Repo} from '../repo.js'
import {flattenTree, writeTree, type FlatEntry} from '../tree-build.js'
import {applyEdits} from '../tree-ops.js'
import {toRepoPath, underSpec} from '../worktree/paths.js'
import {loadIndex} from '../worktree/index-state.js'
import {stage, type AddOptions} from './add.js'
import {commitSigner, type PassphrasePrompt} from './keys.js'
import {clearOperation, readOperation} from './operation-state.js'
import type {AutostashOutcome} from './autostash.js'
import {clearSquashMessage, squashMessageFor} from './squash-message.js'
import {commitGuard} from '../protect/enforce.js'
import {hasPinsFile} from '../schema/pins-file.js'
import {codeLinkMeta, loadCodeIdentity} from '../gitlink/code-link.js'
import {parseSignatureDate} from '../date-spec.js'

export interface CommitOptions {
  /** Required unless `amend` (which keeps the amended commit's message when none is given). */
  message?: string
  /**
   * Git's `--amend`: the new commit replaces HEAD's (same parents, its message and author unless
   * given), built from the index as any commit; the branch (or detached HEAD) moves to it.
   */
  amend?: boolean
  /** With `amend`: the author becomes the committer, with a new date (Git's --reset-author). */
  resetAuthor?: boolean
  /** `Name <email>` (Git's --author): overrides the author's name and email. */
  author?: string
  /** The author date (Git's --date): `<unix seconds> <+hhmm>` or what `log --since` takes. */
  date?: string
  all?: boolean
  /**
   * Pathspecs (relative to the current directory, globs allowed), as in `git commit <paths>`: their work-tree state
   * is staged and committed on top of HEAD; anything else staged stays staged, uncommitted.
   */
  paths?: string[]
  /** With paths, Git's `--include`: stage them, then commit the whole index. */
  include?: boolean
  /** Git's `--only`, the default with paths: given explicitly, paths are required. */
  only?: boolean
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
  /** With --amend: the commit replaced (no longer on the branch; `bl reflog` keeps it). */
  amended?: Oid
  /** Concluding a merge stopped with --autostash: what became of the local changes set aside. */
  autostash?: AutostashOutcome
}

export async function commit(repo: Repo, opts: CommitOptions): Promise<CommitResult> {
  const paths = (opts.paths ?? []).map((p) => toRepoPath(repo, p))
  if (paths.length && opts.all)
    throw new BlError('INVALID_ARGUMENT', `paths '${paths.join(' ')}' with -a does not make sense`, {hint: 'Use -a to commit every tracked change, or name paths to commit only those.'})
  if ((opts.include || opts.only) && !paths.length)
    throw new BlError('INVALID_ARGUMENT', `no paths given with --${opts.include ? 'include' : 'only'}`, {hint: `Name the paths: \`bl commit ${opts.include ? '-i' : '-o'} -m msg <paths>\`.`})
  if (opts.resetAuthor && !opts.amend) throw new BlError('INVALID_ARGUMENT', '--reset-author can be used only with --amend', {hint: 'Use --author "Name <email>" to set the author of a new commit.'})
  if (opts.resetAuthor && opts.author) throw new BlError('INVALID_ARGUMENT', '--reset-author and --author cannot be used together', {hint: 'Pick one.'})
  if (opts.message !== undefined && opts.message.trim() === '')
    throw new BlError('INVALID_ARGUMENT', 'aborting commit due to empty commit message', {hint: 'Pass a message with -m "..."'})
  // A rebase stopped between steps (an --exec that failed) takes commits, as Git's does: the fix
  // (or an amended last step) goes in before `bl rebase --continue`, which goes on from HEAD.
  const stopped = readOperation(repo)
  const op = stopped?.kind === 'rebase' && stopped.conflicts.length === 0 && !stopped.message && !stopped.applying ? undefined : stopped
  if (op && opts.amend) {
    throw new BlError('OPERATION_IN_PROGRESS', `you are in the middle of a ${op.kind} -- cannot amend`, {
      hint: `Finish it with \`bl ${op.kind} --continue\` or drop it with \`bl ${op.kind} --abort\`, then amend.`,
      data: {operation: op.kind},
    })
  }
  // A stopped merge whose conflicts are all resolved (or that --no-commit stopped) is committed
  // by `bl commit` as by `merge --continue`, as in Git; a partial commit of it is refused.
  const merging = op?.kind === 'merge' && !op.applying && !paths.length ? op : null
  if (merging && merging.conflicts.length) {
    const n = merging.conflicts.length
    // OPERATION_IN_PROGRESS (exit 5), as a commit during any stopped operation was before.
    throw new BlError('OPERATION_IN_PROGRESS', `committing is not possible: ${n} path${n === 1 ? ' is' : 's are'} still in conflict: ${merging.conflicts.slice(0, 3).map((c) => c.path).join(', ')}${n > 3 ? ', ...' : ''}`, {
      hint: 'Resolve each path (`bl checkout --ours|--theirs <path>`, or edit it and `bl add <path>`), then commit; or `bl merge --abort`.',
      data: {operation: 'merge', conflicts: merging.conflicts},
    })
  }
  if (op && !merging) {
    throw new BlError('OPERATION_IN_PROGRESS', op.kind === 'merge' && paths.length ? 'cannot do a partial commit during a merge' : `a ${op.kind} is in progress`, {
      hint: op.noCommit ? `Finish it with \`bl ${op.kind} --continue\` (the changes stay staged), then commit.` : `Commit it with \`bl ${op.kind} --continue\` once the conflicts are resolved, or drop it with \`bl ${op.kind} --abort\`.`,
      data: {operation: op.kind},
    })
  }
  // Worded as oclif worded it when -m was a required flag, for scripts that match it.
  const head = readHead(repo)
  // After a clean `merge --squash`, its message (Git's SQUASH_MSG) stands in for -m.
  const squashed = opts.message === undefined && !opts.amend && !merging ? squashMessageFor(repo, head.oid) : undefined
  if (opts.message === undefined && !opts.amend && !merging && squashed === undefined)
    throw new BlError('INVALID_ARGUMENT', 'Missing required flag message', {hint: 'Pass a message with -m "..." or -F <file> (bl opens no editor).'})
  if (merging && head.oid !== merging.origHead) throw new BlError('REF_CHANGED', 'HEAD moved since the merge stopped', {hint: 'Run `bl merge --abort` and merge again.'})
  if (opts.amend && !head.oid) throw new BlError('UNKNOWN_REVISION', 'you have nothing to amend: HEAD does not point at a commit yet', {hint: 'Make a first commit without --amend.'})
  const amended = opts.amend ? loadCommit(repo.store, head.oid!) : null
  await loadCodeIdentity(repo)
  repo.holdLease('commit')
  const author = authorOf(repo, opts, amended)
  const committer = repo.identity('committer')
  // Key and passphrase first: a missing key or a wrong passphrase fails before any work is done.
  const signer = await commitSigner(repo, {sign: opts.sign, key: opts.signingKey, prompt: opts.passphrasePrompt})
  // Lineage (remotes) and the pin checker (table readers) load only when used: with them, every
  // commit loaded 79 modules instead of 58 (~14 ms).
  const inputs = opts.inputs?.length ? await import('./lineage.js').then(async (l) => l.inputMeta(await l.resolveInputs(repo, opts.inputs!))) : {}
  // The code commit is read before staging: the data commit records the code as it was when asked.
  // An amended commit keeps its metadata, except the code link (taken anew, as the committer is)
  // and its inputs when new ones are given.
  const kept = Object.entries(amended?.meta ?? {}).filter(([k]) => !k.startsWith('git.') && !(opts.inputs?.length && k.startsWith('input.')))
  const meta = {...Object.fromEntries(kept), ...(await codeLinkMeta(repo)), ...inputs, ...opts.meta}
  const headTree = amended ? amended.tree : head.oid ? loadCommit(repo.store, head.oid).tree : null
  const base: Base = amended
    ? {parents: amended.parents, tree: amended.parents[0] ? loadCommit(repo.store, amended.parents[0]).tree : null, message: amended.message, amended: head.oid!}
    : merging
      ? {parents: merging.squash ? [merging.origHead] : [merging.origHead, merging.theirs], tree: headTree, message: merging.message, amended: null, merge: true}
      : {parents: head.oid ? [head.oid] : [], tree: headTree, message: squashed ?? null, amended: null}
  // The merge this commit concludes may have set local changes aside (--autostash): they come back.
  const concluded = async (res: CommitResult): Promise<CommitResult> => {
    if (!merging?.autostash) return res
    const autostash = await (await import('./autostash.js')).applyAutostash(repo, merging.autostash)
    return autostash ? {...res, autostash} : res
  }
  if (!opts.all && !paths.length) return concluded(await commitIndex(repo, opts, {head, headTree, base, partial: null, paths, author, committer, signer, meta}))
  // -a and paths stage first; a commit refused after that (a rule, a schema pin, a lost race)
  // puts the index back as it was, as Git's temporary index does.
  const before = repo.store.indexSnapshot()
  let partial: {matched: Set<string>; indexWasHead: boolean} | null = null
  if (opts.all) await stage(repo, [''], {onlyTracked: true, progress: opts.progress})
  else {
    const staged = await stagePaths(repo, headTree, paths, opts)
    if (!opts.include) partial = staged
  }
  const after = repo.store.indexSnapshot()
  let res: CommitResult
  try {
    res = await commitIndex(repo, opts, {head, headTree, base, partial, paths, author, committer, signer, meta})
  } catch (err) {
    repo.store.restoreIndex(before, after)
    throw err
  }
  return concluded(res)
}

/** What the new commit goes on top of: HEAD, or with --amend the amended commit's parents. */
interface Base {
  parents: Oid[]
  /** The first parent's tree: a commit with the same tree is empty. */
  tree: Oid | null
  /** The amended commit's (or a stopped merge's, or a squash's) message, used when none is given; else null. */
  message: string | null
  amended: Oid | null
  /** The commit concludes the stopped merge (its state goes in the same transaction). */
  merge?: boolean
}

/** The author: the amended commit's (unless --reset-author) or the identity, with --author/--date applied. */
function authorOf(repo: Repo, opts: CommitOptions, amended: Commit | null): Signature {
  let a = amended && !opts.resetAuthor ? amended.author : repo.identity('author')
  if (opts.author !== undefined) {
    const m = /^\s*([^<>]*?)\s*<([^<>]*)>\s*$/.exec(opts.author)
    if (!m || !m[1]) throw new BlError('INVALID_ARGUMENT', `--author "${opts.author}" is not "Name <email>"`, {hint: 'Write the author in full, e.g. --author "Ada Lovelace <ada@example.com>".'})
    a = {...a, name: m[1], email: m[2]!}
  }
  if (opts.date !== undefined) a = {...a, ...parseSignatureDate(opts.date, repo.now())}
  return a
}

interface Prepared {
  head: ReturnType<typeof readHead>
  headTree: Oid | null
  base: Base
  /** commit <paths>: the paths taken from the index; the rest of the commit is HEAD's. */
  partial: {matched: Set<string>; indexWasHead: boolean} | null
  paths: string[]
  author: Signature
  committer: Signature
  signer: Awaited<ReturnType<typeof commitSigner>>
  meta: Record<string, string>
}

/** Builds the commit from the staged index, checks it against the rules and publishes it. */
async function commitIndex(repo: Repo, opts: CommitOptions, {head, headTree, base, partial, paths, author, committer, signer, meta}: Prepared): Promise<CommitResult> {
  const build = (): Commit => {
    let tree: Oid
    let empty: boolean
    if (partial) {
      ;({tree, empty} = partialTree(repo, headTree, partial.matched))
      // The index now equals the commit only if it equalled HEAD before the paths were staged.
      if (partial.indexWasHead) repo.store.setIndexTree(tree)
    } else {
      const entries = [...loadIndex(repo).values()].map((e) => ({path: e.path, kind: e.kind === 'symlink' ? ('symlink' as const) : ('file' as const), exec: e.exec, size: e.size, id: e.id}))
      tree = writeTree(repo.store, entries)
      empty = entries.length === 0
      repo.store.setIndexTree(tree)
    }
    if (!opts.allowEmpty && base.amended && (base.tree === tree || (!base.parents.length && empty)))
      throw new BlError('NOTHING_TO_COMMIT', 'amending the last commit would make it empty', {hint: 'Pass --allow-empty, or drop the commit with `bl reset HEAD~1`.'})
    // A merge commit may leave the tree as it was (Git's FROM_MERGE); a squash may not.
    if (!opts.allowEmpty && !base.amended && !(base.merge && base.parents.length > 1) && (headTree === tree || (!head.oid && empty)))
      throw new BlError('NOTHING_TO_COMMIT', partial ? `no changes to commit in ${paths.join(' ')}` : 'nothing to commit, working tree unchanged', {hint: partial ? 'Those paths are as HEAD has them; `bl status` shows what changed.' : 'Stage changes with `bl add` (or use `bl commit -a`), or pass --allow-empty.'})
    return {tree, parents: base.parents, author, committer, message: normalizeMessage(opts.message ?? base.message!), meta}
  }
  const publish = (c: Commit): CommitResult => {
    const id = commitId(c)
    repo.store.putObject(id, 'commit', encodeCommit(c))
    const subject = c.message.split('\n')[0]!
    // Compare-and-swap on HEAD: a commit made by another process meanwhile is never lost.
    advanceHead(repo, head.oid, id, `commit${base.amended ? ' (amend)' : base.merge ? ' (merge)' : c.parents.length ? '' : ' (initial)'}: ${subject}`)
    if (base.merge) clearOperation(repo)
    clearSquashMessage(repo)
    return {id, branch: head.branch ? shortRef(head.branch) : null, parents: c.parents, tree: c.tree, message: c.message, root: c.parents.length === 0, signedBy: signer?.fingerprint ?? null, ...(base.amended ? {amended: base.amended} : {})}
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

/**
 * `commit <paths>`: the paths of the index or HEAD the pathspecs match (each must match one, as in
 * Git), staged from the work tree. HEAD's files count as tracked, so a path unstaged with `rm
 * --cached` but still on disk is committed as it is, not dropped. Untracked files are never added.
 */
async function stagePaths(repo: Repo, headTree: Oid | null, specs: string[], opts: Pick<CommitOptions, 'progress'>): Promise<{matched: Set<string>; indexWasHead: boolean}> {
  const indexWasHead = headTree !== null && repo.store.indexTree() === headTree
  const inHead = headTree ? flattenTree(repo.store, headTree) : new Map()
  const known = new Set([...loadIndex(repo).keys(), ...inHead.keys()])
  const matched = new Set<string>()
  for (const spec of specs) {
    let hit = false
    for (const p of known) {
      if (!underSpec(p, spec)) continue
      matched.add(p)
      hit = true
    }
    if (!hit) throw new BlError('PATHSPEC_NO_MATCH', `pathspec '${spec}' did not match any file(s) known to bl`, {hint: 'Only tracked files can be committed by path; `bl add` new files first.', data: {path: spec}})
  }
  await stage(repo, specs, {onlyTracked: true, alsoTracked: [...matched].filter((p) => inHead.has(p)), progress: opts.progress})
  return {matched, indexWasHead}
}

/** HEAD's tree with the matched paths as the index now holds them (absent there: deleted). */
function partialTree(repo: Repo, headTree: Oid | null, matched: Set<string>): {tree: Oid; empty: boolean} {
  const index = loadIndex(repo)
  const edits = new Map<string, FlatEntry | null>()
  for (const p of matched) {
    const e = index.get(p)
    edits.set(p, e ? {kind: e.kind === 'symlink' ? 'symlink' : 'file', exec: e.exec, size: e.size, id: e.id} : null)
  }
  return {tree: applyEdits(repo.store, headTree, edits), empty: headTree === null && ![...edits.values()].some(Boolean)}
}

/** Git's default cleanup: strip trailing spaces and surrounding blank lines; end with one newline. */
export function normalizeMessage(m: string): string {
  const lines = m.replace(/\r\n/g, '\n').split('\n').map((l) => l.replace(/\s+$/, ''))
  while (lines.length && lines[0] === '') lines.shift()
  while (lines.length && lines[lines.length - 1] === '') lines.pop()
  return lines.join('\n') + '\n'
}
