/**
 * Where protection rules are enforced (docs/signing.md, "Enforcement"): the hooks the commit,
 * history-rewriting, push and fetch operations call — one per place — and the history audit of
 * `bl verify`. Every refusal is a typed error with exit code 11 (PROTECTED_BRANCH for what this
 * repository was about to do, POLICY_VIOLATION for what a remote or a history already holds),
 * listing each offending commit and the rule it breaks in `data.violations`.
 */
import {BlError} from '../errors.js'
import {CommitGraph} from '../graph.js'
import type {Oid} from '../hash.js'
import {commitPayload, type Commit} from '../objects/commit.js'
import {loadCommit} from '../odb.js'
import {HEADS, readHead, readRef, shortRef} from '../refs/refs.js'
import type {RemoteRef} from '../remote/remote-repo.js'
import type {Transport} from '../remote/transport.js'
import type {Repo} from '../repo.js'
import {readOperation} from '../ops/operation-state.js'
import {Keyring} from '../signing/keyring.js'
import {defaultSigner} from '../signing/signer.js'
import {unsignedVerification, verifySignature} from '../signing/verify.js'
import {reconcilePolicy} from './chain.js'
import type {PolicyBody} from './policy.js'
import {checkCommitShape, checkRefUpdate, rulesFor, signerTrust, type CheckContext, type CheckName, type CommitVerifier, type Violation} from './rules.js'
import {governsBranch, loadLocalPolicy} from './store.js'

/** Checks commit signatures against the keys the policy carries (OpenPGP loaded on first use). */
export function policyVerifier(policy: PolicyBody, now: Date): CommitVerifier {
  let keyring: Promise<Keyring> | undefined
  return async (c) => {
    if (!c.signature) return unsignedVerification()
    keyring ??= defaultSigner().then((s) => Keyring.fromCertificates(Object.values(policy.keys), s, () => now))
    return verifySignature(await keyring, commitPayload(c), c.signature, now)
  }
}

export function checkContext(repo: Repo, policy: PolicyBody): CheckContext {
  return {store: repo.store, graph: new CommitGraph(repo.store), verify: policyVerifier(policy, repo.now())}
}

export function violationError(code: 'PROTECTED_BRANCH' | 'POLICY_VIOLATION', summary: string, violations: Violation[], hint: string, data: Record<string, unknown> = {}): BlError {
  const n = violations.length
  // One line, as every error: the CLI prints each violation on a line of its own before it.
  return new BlError(code, `${summary}: ${n} violation${n === 1 ? '' : 's'} of protection rules`, {hint, data: {...data, violations}})
}

const SIGN_HINT = 'Sign with `bl commit -S` using a key that `bl signers list` trusts for this branch.'

/** What to do about each kind of violation, so a hint never tells to sign when a rule wants a merge. */
const CHECK_HINTS: Record<CheckName, string> = {
  'require-signed': 'Sign the commits with a key that `bl signers list` trusts for the branch (`bl commit -S`; merges, cherry-picks and rebases sign when `bl config commit.sign true`).',
  'no-force-push': 'The branch may not be rewritten: merge its tip (`bl pull`) instead of forcing.',
  'no-delete': 'The branch may not be deleted.',
  linear: 'The branch must stay linear: rebase onto it (`bl rebase <branch>`) instead of merging.',
  'merge-only': 'Only merge commits may land on the branch: commit on another branch and merge it with `bl merge --no-ff <branch>`.',
  'max-file-size': 'A file is over the rule\'s size limit: remove it from the commits (`bl reset --soft`, then commit again).',
  'max-commit-size': 'A commit is over the rule\'s size limit: split it into smaller commits (`bl reset --soft`, then commit in parts).',
  'message-pattern': 'Reword the commit messages to match the rule\'s pattern (`bl reset --soft`, then `bl commit -m`).',
  schema: 'Make the tables match their pinned schema (`bl schema pins` lists the pins).',
}

/** One sentence per violated check, in a fixed order, then where the rules are listed. */
export function violationHint(violations: Violation[]): string {
  const checks = new Set(violations.map((v) => v.check))
  return [...(Object.keys(CHECK_HINTS) as CheckName[]).filter((c) => checks.has(c)).map((c) => CHECK_HINTS[c]), '`bl protect list` shows the rules.'].join(' ')
}

/**
 * bl commit on a protected branch: refuses at once an unsigned commit, or one signed by a key that
 * is not a trusted signer for the branch now, where a rule requires signatures. Returns the check
 * of the built commit (message, sizes), or null when no rule protects the branch.
 */
export function commitGuard(repo: Repo, branchRef: string | null, signer: string | null, opts: {hint?: string} = {}): ((c: Commit) => void) | null {
  if (!branchRef?.startsWith(HEADS)) return null
  const local = loadLocalPolicy(repo)
  const branch = shortRef(branchRef)
  const rules = rulesFor(local?.policy ?? null, branch)
  if (!local || rules.length === 0 || !governsBranch(repo, branch)) return null
  const refuse = (vs: Violation[], hint: string): BlError => violationError('PROTECTED_BRANCH', `${branch} is protected; commit refused`, vs, hint, {branch})
  const signed = rules.filter((r) => r.requireSigned)
  if (signed.length) {
    const trust = signer ? signerTrust(local.policy, branch, signer, Math.floor(repo.nowMs() / 1000)) : {ok: false as const, reason: 'not signed'}
    if (!trust.ok) throw refuse(signed.map((r) => ({branch, commit: null, rule: r.pattern, check: 'require-signed' as const, message: `the commit: ${trust.reason}`})), opts.hint ?? SIGN_HINT)
  }
  return (c) => {
    const parentTree = c.parents[0] ? loadCommit(repo.store, c.parents[0]).tree : null
    const vs = checkCommitShape(repo.store, rules, branch, null, c, {firstParent: true, parentTree})
    if (vs.length) throw refuse(vs, violationHint(vs))
  }
}

/** Commits made by merge, cherry-pick, revert and rebase (unsigned) on a protected branch. */
export function guardWrittenCommit(repo: Repo, c: Commit, signer: string | null = null): void {
  // A rebase writes on a detached HEAD; its commits are for the branch it will move at the end.
  const op = readOperation(repo)
  const branch = readHead(repo).branch ?? (op?.kind === 'rebase' ? (op.origBranch ?? null) : null)
  commitGuard(repo, branch, signer, {hint: 'Merge, cherry-pick, revert and rebase sign their commits when `commit.sign` is true (`bl config commit.sign true`, a trusted key, BL_KEY_PASSPHRASE for a protected key): set it, then continue or redo the operation.'})?.(c)
}

export interface GuardOptions {
  /** Prints a warning (the policy on the remote was ignored, replaced or adopted with changes). */
  warn?(message: string): void
  /** `push --dry-run`: check every rule, publish nothing. */
  dryRun?: boolean
}

/**
 * bl push: publishes the policy (or adopts the remote's newer one), then refuses the whole push if
 * any branch update breaks a rule — deletion, force push, or a commit it brings.
 */
export async function guardPush(repo: Repo, t: Transport, remoteName: string, updates: Array<{ref: string; old: Oid | null; next: Oid | null}>, opts: GuardOptions = {}): Promise<void> {
  const local = await reconcilePolicy(repo, t, {remoteName, publish: true, dryRun: opts.dryRun, warn: opts.warn ?? (() => {})})
  if (!local || local.policy.rules.length === 0) return
  const ctx = checkContext(repo, local.policy)
  const violations: Violation[] = []
  for (const u of updates) {
    if (!u.ref.startsWith(HEADS) || u.old === u.next) continue
    violations.push(...(await checkRefUpdate(ctx, local.policy, {branch: shortRef(u.ref), old: u.old, next: u.next})))
  }
  if (violations.length)
    throw violationError('PROTECTED_BRANCH', `push to ${remoteName} refused`, violations, violationHint(violations), {remote: remoteName})
}

/**
 * bl fetch (and pull, clone): adopts a validly signed newer policy from the remote, then checks
 * every protected branch the remote moved. A branch whose new commits break a rule (someone wrote
 * to the remote without bl) keeps its remote-tracking ref where it was; a protected branch deleted
 * on the remote keeps its remote-tracking ref. Returns the refs to apply and the error to raise
 * once the others are stored.
 */
export async function guardFetch(repo: Repo, t: Transport, remoteName: string, refs: RemoteRef[], opts: GuardOptions = {}): Promise<{refs: RemoteRef[]; error: BlError | null}> {
  const local = await reconcilePolicy(repo, t, {remoteName, publish: false, warn: opts.warn ?? (() => {})})
  if (!local || local.policy.rules.length === 0) return {refs, error: null}
  const ctx = checkContext(repo, local.policy)
  const prefix = `refs/remotes/${remoteName}/`
  const out: RemoteRef[] = []
  const violations: Violation[] = []
  for (const ref of refs) {
    if (!ref.name.startsWith(HEADS)) {
      out.push(ref)
      continue
    }
    const branch = shortRef(ref.name)
    const old = readRef(repo, prefix + branch)
    const vs = old === ref.commit ? [] : await checkRefUpdate(ctx, local.policy, {branch, old, next: ref.commit})
    violations.push(...vs)
    if (vs.length === 0) out.push(ref)
    else if (old) out.push({...ref, commit: old})
  }
  const onRemote = new Set(refs.map((r) => r.name))
  for (const tr of repo.store.listRefs(prefix)) {
    const branch = tr.name.slice(prefix.length)
    if (!tr.oid || onRemote.has(HEADS + branch)) continue
    const vs = await checkRefUpdate(ctx, local.policy, {branch, old: tr.oid, next: null})
    if (vs.length === 0) continue
    violations.push(...vs)
    out.push({name: HEADS + branch, commit: tr.oid, nonce: '', etag: ''})
  }
  out.sort((a, b) => (a.name < b.name ? -1 : 1))
  if (violations.length === 0) return {refs: out, error: null}
  const blocked = [...new Set(violations.map((v) => v.branch))]
  // A deletion brings no commits; a moved branch brought them, with no branch pointing at them.
  const deleted = [...new Set(violations.filter((v) => v.check === 'no-delete').map((v) => v.branch))]
  const moved = blocked.filter((b) => !deleted.includes(b))
  const restore = [
    moved.length ? `The new commits of ${moved.join(', ')} were downloaded (inspect them with \`bl show <id>\`) but no branch points at them. An owner can restore ${moved.length === 1 ? 'it' : 'them'}: relax the rule (\`bl protect set\`), \`bl push --force ${remoteName} <last good commit>:<branch>\`, and restore the rule.` : '',
    deleted.length ? `${deleted.map((b) => `${remoteName}/${b}`).join(', ')} still point${deleted.length === 1 ? 's' : ''} at the last commit seen: anyone allowed to push can recreate ${deleted.length === 1 ? 'it' : 'them'} with \`bl push ${remoteName} ${remoteName}/${deleted[0]}:${deleted[0]}\`.` : '',
  ].filter(Boolean)
  return {
    refs: out,
    error: violationError('POLICY_VIOLATION', `${remoteName} has protected branch${blocked.length === 1 ? '' : 'es'} ${blocked.join(', ')} changed against the rules; ${blocked.map((b) => `${remoteName}/${b}`).join(', ')} not updated`, violations, `Someone wrote to ${remoteName} without bl, or with the rules removed. ${restore.join(' ')}`, {remote: remoteName, branches: blocked}),
  }
}
