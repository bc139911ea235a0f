/**
 * Evaluating protection rules (docs/signing.md, "Enforcement"): which rules protect a branch,
 * whether a key is a trusted signer for it at a given time, and the violations of one commit
 * (`checkCommit`) or of one branch update (`checkRefUpdate`: deletion, force push, and every commit
 * the update brings that the branch did not have). Pure evaluation: callers decide what to refuse.
 */
import type {CommitGraph} from '../graph.js'
import type {Oid} from '../hash.js'
import type {Commit} from '../objects/commit.js'
import type {SignatureVerification} from '../signing/verify.js'
import type {ObjectStore} from '../store/types.js'
import {diffTrees} from '../tree-ops.js'
import {globMatches, type PolicyBody, type ProtectionRule} from './policy.js'

export type CheckName = 'require-signed' | 'no-force-push' | 'no-delete' | 'linear' | 'merge-only' | 'max-file-size' | 'max-commit-size' | 'message-pattern'
  /** `bl verify` only: a table breaks the schema pinned in its commit's `.blschema` (src/core/schema/audit.ts). */
  | 'schema'

export interface Violation {
  branch: string
  /** The offending commit; null for a deletion. */
  commit: Oid | null
  /** The pattern of the rule broken. */
  rule: string
  check: CheckName
  message: string
}

export const iso = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z')
const short = (id: Oid): string => id.slice(0, 12)

/** Every rule whose pattern matches the branch (short name: `main`, `release/1`); all of them apply. */
export function rulesFor(policy: PolicyBody | null, branch: string): ProtectionRule[] {
  return policy ? policy.rules.filter((r) => globMatches(r.pattern, branch)) : []
}

/** Is `fingerprint` a trusted signer for `branch` at `at` (Unix seconds)? The reason when not. */
export function signerTrust(policy: PolicyBody, branch: string, fingerprint: string, at: number): {ok: true} | {ok: false; reason: string} {
  const s = policy.signers.find((x) => x.fingerprint === fingerprint)
  if (!s) return {ok: false, reason: `key ${fingerprint} is not a trusted signer`}
  if (!s.branches.some((g) => globMatches(g, branch))) return {ok: false, reason: `key ${fingerprint} is a trusted signer only for ${s.branches.join(', ')}, not for ${branch}`}
  if (s.validFrom !== null && at < s.validFrom) return {ok: false, reason: `signed ${iso(at)}, before signer ${fingerprint} became trusted (${iso(s.validFrom)})`}
  if (s.validUntil !== null && at > s.validUntil) return {ok: false, reason: `signed ${iso(at)}, after signer ${fingerprint} stopped being trusted (${iso(s.validUntil)})`}
  return {ok: true}
}

/** Checks a commit's signature against the policy's keys (supplied by the caller: OpenPGP is loaded lazily). */
export type CommitVerifier = (c: Commit) => Promise<SignatureVerification>

export interface CheckContext {
  store: ObjectStore
  graph: CommitGraph
  verify: CommitVerifier
}

/**
 * The violations of one commit that need no signature check: merges on a linear branch, a
 * non-merge on the first-parent line of a merge-only branch, file and commit sizes (what it
 * adds or changes against its first parent), and the message pattern.
 */
export function checkCommitShape(store: ObjectStore, rules: ProtectionRule[], branch: string, id: Oid | null, c: Commit, opts: {firstParent: boolean; parentTree: Oid | null}): Violation[] {
  const out: Violation[] = []
  const v = (r: ProtectionRule, check: CheckName, message: string): void => void out.push({branch, commit: id, rule: r.pattern, check, message})
  const what = id ? `commit ${short(id)}` : 'the commit'
  let sizes: {largest: {path: string; size: number} | null; total: number} | undefined
  const measure = (): NonNullable<typeof sizes> => {
    if (sizes) return sizes
    let largest: {path: string; size: number} | null = null
    let total = 0
    for (const [path, e] of diffTrees(store, opts.parentTree, c.tree).after) {
      if (e.kind !== 'file') continue
      total += e.size
      if (!largest || e.size > largest.size) largest = {path, size: e.size}
    }
    return (sizes = {largest, total})
  }
  for (const r of rules) {
    if (r.linear && c.parents.length > 1) v(r, 'linear', `${what} is a merge commit; ${branch} must stay linear`)
    if (r.mergeOnly && opts.firstParent && c.parents.length < 2) v(r, 'merge-only', `${what} is not a merge commit; only merges may land on ${branch}`)
    if (r.messagePattern !== null && !new RegExp(r.messagePattern, 'u').test(c.message)) v(r, 'message-pattern', `the message of ${what} does not match /${r.messagePattern}/`)
    if (r.maxFileSize !== null) {
      const l = measure().largest
      if (l && l.size > r.maxFileSize) v(r, 'max-file-size', `${what} adds ${l.path} of ${l.size} bytes; the limit is ${r.maxFileSize}`)
    }
    if (r.maxCommitSize !== null && measure().total > r.maxCommitSize) v(r, 'max-commit-size', `${what} adds or changes ${measure().total} bytes of files; the limit is ${r.maxCommitSize}`)
  }
  return out
}

/** The require-signed verdict for a verified signature: a good signature by a trusted signer for the branch at the signature's time. */
export function signatureViolations(policy: PolicyBody, rules: ProtectionRule[], branch: string, id: Oid | null, v: SignatureVerification): Violation[] {
  let problem: string | null = null
  if (v.status === 'unsigned') problem = 'not signed'
  else if (v.status !== 'good') problem = `${v.status} signature: ${v.reason}`
  else {
    const t = signerTrust(policy, branch, v.fingerprint!, v.created!)
    if (!t.ok) problem = t.reason
  }
  if (!problem) return []
  const what = id ? `commit ${short(id)}` : 'the commit'
  return rules.filter((r) => r.requireSigned).map((r) => ({branch, commit: id, rule: r.pattern, check: 'require-signed' as const, message: `${what}: ${problem}`}))
}

async function checkCommits(ctx: CheckContext, policy: PolicyBody, rules: ProtectionRule[], branch: string, ids: Oid[], firstParent: Set<Oid>, cache: Map<Oid, SignatureVerification>): Promise<Violation[]> {
  const out: Violation[] = []
  for (const id of ids) {
    const c = ctx.graph.commit(id)
    const parentTree = c.parents[0] ? ctx.graph.commit(c.parents[0]).tree : null
    out.push(...checkCommitShape(ctx.store, rules, branch, id, c, {firstParent: firstParent.has(id), parentTree}))
    if (rules.some((r) => r.requireSigned)) {
      let v = cache.get(id)
      if (!v) cache.set(id, (v = await ctx.verify(c)))
      out.push(...signatureViolations(policy, rules, branch, id, v))
    }
  }
  return out
}

/**
 * The commits `tip` brings that `exclude` does not reach (newest first), and those on its
 * first-parent line. Excluded commits missing from the store are skipped.
 */
export function newCommits(ctx: CheckContext, tip: Oid, exclude: Array<Oid | null>): {ids: Oid[]; firstParent: Set<Oid>} {
  const ids = ctx.graph.range([tip], exclude.filter((x): x is Oid => x !== null && ctx.store.hasObject(x)))
  const set = new Set(ids)
  const firstParent = new Set<Oid>()
  for (let id: Oid | undefined = tip; id && set.has(id); id = ctx.graph.parents(id)[0]) firstParent.add(id)
  return {ids, firstParent}
}

/**
 * The violations of moving `branch` from `old` to `next` (null = create / delete): deletion,
 * a move that drops commits (force push), and each rule's checks on every commit the branch
 * gains — those not reachable from `old` or from the rule's base.
 */
export async function checkRefUpdate(ctx: CheckContext, policy: PolicyBody, upd: {branch: string; old: Oid | null; next: Oid | null}): Promise<Violation[]> {
  const rules = rulesFor(policy, upd.branch)
  if (rules.length === 0) return []
  const out: Violation[] = []
  const {branch, old, next} = upd
  if (next === null) {
    for (const r of rules) if (r.noDelete) out.push({branch, commit: null, rule: r.pattern, check: 'no-delete', message: `${branch} may not be deleted`})
    return out
  }
  if (old && old !== next && !(ctx.store.hasObject(old) && ctx.graph.isAncestor(old, next)))
    for (const r of rules) if (r.noForcePush) out.push({branch, commit: next, rule: r.pattern, check: 'no-force-push', message: `${branch} would move from ${short(old)} to ${short(next)}, which does not contain it (force push)`})
  const cache = new Map<Oid, SignatureVerification>()
  for (const r of rules) {
    const {ids, firstParent} = newCommits(ctx, next, [old, ...r.base])
    out.push(...(await checkCommits(ctx, policy, [r], branch, ids, firstParent, cache)))
  }
  return out
}

/** Audits a branch's history: every commit reachable from `tip` (with `all`), else those added since each rule was defined. */
export async function auditHistory(ctx: CheckContext, policy: PolicyBody, branch: string, tip: Oid, opts: {all?: boolean}): Promise<{checked: number; violations: Violation[]}> {
  const rules = rulesFor(policy, branch)
  const out: Violation[] = []
  const cache = new Map<Oid, SignatureVerification>()
  const seen = new Set<Oid>()
  for (const r of rules) {
    const {ids, firstParent} = newCommits(ctx, tip, opts.all ? [] : r.base)
    ids.forEach((id) => seen.add(id))
    out.push(...(await checkCommits(ctx, policy, [r], branch, ids, firstParent, cache)))
  }
  return {checked: seen.size, violations: out}
}
