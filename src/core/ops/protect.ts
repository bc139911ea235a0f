/**
 * bl protect set|list|remove, bl signers add|list|remove, bl owners add|list|remove and bl verify:
 * changes to the protection policy (each one a new version, signed by an owner key, stored here
 * and published by the next `bl push`) and the audit of a branch's history against it. The policy
 * itself, its chain of owner signatures and the rule checks live in src/core/protect/.
 */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {HEADS, readRef} from '../refs/refs.js'
import type {Repo} from '../repo.js'
import {Keyring} from '../signing/keyring.js'
import {checkContext, violationError} from '../protect/enforce.js'
import {CommitGraph} from '../graph.js'
import {auditSchemaPins, type SchemaAudit, type SchemaAuditCache} from '../schema/audit.js'
import {PINS_FILE} from '../schema/pins.js'
import {encodePolicy, globMatches, globProblem, messagePatternProblem, policyId, policyPayload, validateBody, type PolicyBody, type ProtectionRule, type TrustedSigner} from '../protect/policy.js'
import {auditHistory, rulesFor, type Violation} from '../protect/rules.js'
import {governsBranch, isCarrier, loadLocalPolicy, saveLocalPolicy, type LocalPolicy} from '../protect/store.js'
import {commitSigner, type PassphrasePrompt} from './keys.js'

export interface PolicyInfo {
  id: Oid
  seq: number
  prev: Oid | null
  time: number
  signedBy: string
  owners: string[]
  /** The first version this repository accepted. */
  pinned: Oid
}

export interface SigningOptions {
  /** The owner key to sign the new policy version with (default: user.signingKey, else the only secret key). */
  key?: string
  prompt?: PassphrasePrompt
}

const info = (l: LocalPolicy): PolicyInfo => ({id: l.id, seq: l.policy.seq, prev: l.policy.prev, time: l.policy.time, signedBy: l.policy.signedBy, owners: l.policy.owners, pinned: l.pinned})

function invalid(message: string, hint: string): BlError {
  return new BlError('INVALID_ARGUMENT', message, {hint})
}

/**
 * Makes, signs and stores the next policy version. With no policy yet, the signing key becomes the
 * first owner; after that it must be an owner of the current version.
 */
async function amend(repo: Repo, signing: SigningOptions, change: (body: PolicyBody, keyring: Keyring) => Promise<void> | void): Promise<LocalPolicy> {
  const local = loadLocalPolicy(repo)
  // With sign: true the key is always chosen (or NO_SIGNING_KEY is thrown).
  const signer = (await commitSigner(repo, {sign: true, key: signing.key, prompt: signing.prompt}))!
  if (local && !local.policy.owners.includes(signer.fingerprint))
    throw new BlError('NOT_POLICY_OWNER', `key ${signer.fingerprint} is not an owner of this repository's protection policy`, {
      hint: `Only an owner (${local.policy.owners.join(', ')}) can change rules, signers or owners; sign with an owner key (--key), or ask an owner to run \`bl owners add <your fingerprint>\`.`,
      data: {fingerprint: signer.fingerprint, owners: local.policy.owners},
    })
  const keyring = await Keyring.open(repo.ctx)
  const now = Math.floor(repo.nowMs() / 1000)
  const body: PolicyBody = local
    ? {...structuredClone({...local.policy, signature: undefined}), seq: local.policy.seq + 1, prev: local.id, time: now, signedBy: signer.fingerprint}
    : {seq: 1, prev: null, time: now, owners: [signer.fingerprint], signers: [], rules: [], keys: {}, signedBy: signer.fingerprint}
  delete (body as {signature?: unknown}).signature
  await change(body, keyring)
  body.owners = [...new Set(body.owners)].sort()
  body.signers.sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1))
  body.rules.sort((a, b) => (a.pattern < b.pattern ? -1 : 1))
  const keys: Record<string, string> = {}
  for (const f of [...new Set([...body.owners, ...body.signers.map((s) => s.fingerprint)])].sort()) keys[f] = body.keys[f] ?? (await keyring.resolve(f)).publicArmored
  body.keys = keys
  validateBody(body)
  const signature = await signer.sign(policyPayload(body))
  const bytes = encodePolicy({...body, signature})
  const id = policyId(bytes)
  saveLocalPolicy(repo, [{id, bytes, policy: {...body, signature}}], id)
  return loadLocalPolicy(repo)!
}

/** Resolves a fingerprint among `known` (exact, unique prefix, or long key id), else through the keyring. */
async function fingerprintOf(repo: Repo, query: string, known: string[]): Promise<string> {
  const q = query.replace(/^0x/i, '').replace(/\s+/g, '').toLowerCase()
  if (/^[0-9a-f]{4,}$/.test(q)) {
    const m = known.filter((f) => f === q || f.startsWith(q) || (q.length === 16 && f.endsWith(q)))
    if (m.length === 1) return m[0]!
    if (m.length > 1) throw new BlError('AMBIGUOUS_KEY', `"${query}" matches ${m.length} keys`, {hint: 'Give more digits of the fingerprint.', data: {query, candidates: m}})
  }
  return (await (await Keyring.open(repo.ctx)).resolve(query)).info.fingerprint
}

// ---- rules ----------------------------------------------------------------------------------------

export interface RuleFlags {
  requireSigned?: boolean
  noForcePush?: boolean
  noDelete?: boolean
  linear?: boolean
  mergeOnly?: boolean
  /** Bytes, or with a K/M/G/T suffix (powers of 1024). */
  maxFileSize?: string
  maxCommitSize?: string
  messagePattern?: string
}

export function parseSize(s: string, flag: string): number {
  const m = /^(\d+)\s*(?:([kmgt])(?:i?b)?|b)?$/i.exec(s.trim())
  const n = m ? Number(m[1]) * 1024 ** (m[2] ? 'kmgt'.indexOf(m[2].toLowerCase()) + 1 : 0) : NaN
  if (!Number.isSafeInteger(n) || n <= 0) throw invalid(`invalid ${flag} "${s}"`, 'Give a size in bytes, or with a suffix: 500K, 100M, 2G (powers of 1024).')
  return n
}

export function parseTime(s: string, flag: string): number {
  const t = /^\d+$/.test(s.trim()) ? Number(s) * 1000 : Date.parse(s)
  if (!Number.isFinite(t)) throw invalid(`invalid ${flag} "${s}"`, 'Give an ISO 8601 date (2025-01-31, 2025-01-31T12:00:00Z) or Unix seconds.')
  return Math.floor(t / 1000)
}

/**
 * Branch tips (local, and remote-tracking under the branch's name), all of them or those `pattern`
 * matches. A new rule's `base` is every tip: what the repository holds when a rule is made
 * predates it, so a protected branch may later be started from that history.
 */
function branchTips(repo: Repo, pattern?: string): Oid[] {
  const tips = new Set<Oid>()
  for (const r of repo.store.listRefs(HEADS)) {
    const branch = r.name.slice(HEADS.length)
    // With a pattern, only where the policy governs: not a branch that tracks someone's fork.
    if (r.oid && (pattern === undefined || (globMatches(pattern, branch) && governsBranch(repo, branch)))) tips.add(r.oid)
  }
  for (const r of repo.store.listRefs(REMOTES)) {
    const [remote, ...rest] = r.name.slice(REMOTES.length).split('/')
    if (r.oid && (pattern === undefined || (globMatches(pattern, rest.join('/')) && isCarrier(repo, remote!)))) tips.add(r.oid)
  }
  return [...tips].sort()
}

const REMOTES = 'refs/remotes/'

export interface ProtectSetResult {
  policy: PolicyInfo
  rule: ProtectionRule
  /** False when a rule for the same pattern was replaced. */
  created: boolean
}

/** Defines the rule for `pattern` (replacing any rule for the same pattern) with exactly these flags. */
export async function protectSet(repo: Repo, pattern: string, flags: RuleFlags, signing: SigningOptions = {}): Promise<ProtectSetResult> {
  const gp = globProblem(pattern)
  if (gp) throw invalid(`invalid branch pattern "${pattern}": ${gp}`, 'Use a branch name or glob: main, release/*, data/** (`*` stays within one path component, `**` does not).')
  if (flags.linear && flags.mergeOnly) throw invalid('--linear and --merge-only exclude each other', 'A linear branch has no merge commits; a merge-only branch has nothing else. Pick one.')
  const mp = flags.messagePattern !== undefined ? messagePatternProblem(flags.messagePattern) : null
  if (mp) throw invalid(`invalid --message-pattern: ${mp}`, 'Give a JavaScript regular expression, e.g. "^(feat|fix|data): ".')
  const rule: ProtectionRule = {
    pattern,
    since: Math.floor(repo.nowMs() / 1000),
    base: branchTips(repo),
    requireSigned: Boolean(flags.requireSigned),
    noForcePush: Boolean(flags.noForcePush),
    noDelete: Boolean(flags.noDelete),
    linear: Boolean(flags.linear),
    mergeOnly: Boolean(flags.mergeOnly),
    maxFileSize: flags.maxFileSize !== undefined ? parseSize(flags.maxFileSize, '--max-file-size') : null,
    maxCommitSize: flags.maxCommitSize !== undefined ? parseSize(flags.maxCommitSize, '--max-commit-size') : null,
    messagePattern: flags.messagePattern ?? null,
  }
  let created = true
  const l = await amend(repo, signing, (body) => {
    const old = body.rules.find((r) => r.pattern === pattern)
    created = !old
    // A replaced rule keeps what it grandfathered and adds what its branches hold now where the
    // policy governs them (checked by its earlier version), never other branches or forks: an
    // owner changing a flag would otherwise wave anyone's unchecked commits onto the protected one.
    if (old) rule.base = [...new Set([...old.base, ...branchTips(repo, pattern)])].sort() as Oid[]
    body.rules = [...body.rules.filter((r) => r.pattern !== pattern), rule]
  })
  return {policy: info(l), rule, created}
}

export interface ProtectListResult {
  policy: PolicyInfo | null
  rules: ProtectionRule[]
}

export function protectList(repo: Repo): ProtectListResult {
  const l = loadLocalPolicy(repo)
  return {policy: l ? info(l) : null, rules: l?.policy.rules ?? []}
}

export async function protectRemove(repo: Repo, pattern: string, signing: SigningOptions = {}): Promise<{policy: PolicyInfo; removed: ProtectionRule}> {
  const l0 = loadLocalPolicy(repo)
  const rule = l0?.policy.rules.find((r) => r.pattern === pattern)
  if (!rule) throw new BlError('REF_NOT_FOUND', `no protection rule for "${pattern}"`, {hint: '`bl protect list` shows the rules.', data: {pattern}})
  const l = await amend(repo, signing, (body) => void (body.rules = body.rules.filter((r) => r.pattern !== pattern)))
  return {policy: info(l), removed: rule}
}

// ---- trusted signers ------------------------------------------------------------------------------

export interface SignerView extends TrustedSigner {
  /** The key's primary user id, from the key the policy holds. */
  userId: string | null
}

async function describeAll(repo: Repo, keys: Record<string, string>): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>()
  if (Object.keys(keys).length === 0) return out
  const kr = await Keyring.fromCertificates(Object.values(keys), (await Keyring.open(repo.ctx)).signer, () => repo.now())
  for (const k of await kr.list()) out.set(k.info.fingerprint, k.info.primaryUserId)
  return out
}

export interface SignerAddOptions {
  name?: string
  /** Branch globs (default `**`: every branch). */
  branches?: string[]
  validFrom?: string
  validUntil?: string
}

/** Trusts a key from your keyring to sign commits on some branches (adding it again replaces the entry and refreshes the key). */
export async function signersAdd(repo: Repo, id: string, opts: SignerAddOptions, signing: SigningOptions = {}): Promise<{policy: PolicyInfo; signer: TrustedSigner}> {
  const key = await (await Keyring.open(repo.ctx)).resolve(id)
  const branches = [...new Set(opts.branches?.length ? opts.branches : ['**'])].sort()
  for (const b of branches) {
    const p = globProblem(b)
    if (p) throw invalid(`invalid --branches "${b}": ${p}`, 'Use a branch name or glob: main, release/*, ** (every branch).')
  }
  const s: TrustedSigner = {
    fingerprint: key.info.fingerprint,
    name: opts.name?.trim() || key.info.primaryUserId,
    branches,
    validFrom: opts.validFrom !== undefined ? parseTime(opts.validFrom, '--valid-from') : null,
    validUntil: opts.validUntil !== undefined ? parseTime(opts.validUntil, '--valid-until') : null,
  }
  if (s.validFrom !== null && s.validUntil !== null && s.validFrom > s.validUntil) throw invalid('--valid-from is after --valid-until', 'Swap them.')
  const l = await amend(repo, signing, (body) => {
    body.signers = [...body.signers.filter((x) => x.fingerprint !== s.fingerprint), s]
    body.keys[s.fingerprint] = key.publicArmored
  })
  return {policy: info(l), signer: s}
}

export async function signersList(repo: Repo): Promise<{policy: PolicyInfo | null; signers: SignerView[]}> {
  const l = loadLocalPolicy(repo)
  if (!l) return {policy: null, signers: []}
  const users = await describeAll(repo, Object.fromEntries(l.policy.signers.map((s) => [s.fingerprint, l.policy.keys[s.fingerprint]!])))
  return {policy: info(l), signers: l.policy.signers.map((s) => ({...s, userId: users.get(s.fingerprint) ?? null}))}
}

export async function signersRemove(repo: Repo, id: string, signing: SigningOptions = {}): Promise<{policy: PolicyInfo; removed: TrustedSigner}> {
  const l0 = loadLocalPolicy(repo)
  const fpr = await fingerprintOf(repo, id, l0?.policy.signers.map((s) => s.fingerprint) ?? [])
  const s = l0?.policy.signers.find((x) => x.fingerprint === fpr)
  if (!s) throw new BlError('KEY_NOT_FOUND', `key ${fpr} is not a trusted signer`, {hint: '`bl signers list` shows them.', data: {fingerprint: fpr}})
  const l = await amend(repo, signing, (body) => void (body.signers = body.signers.filter((x) => x.fingerprint !== fpr)))
  return {policy: info(l), removed: s}
}

// ---- owners ---------------------------------------------------------------------------------------

export interface OwnerView {
  fingerprint: string
  userId: string | null
}

export async function ownersAdd(repo: Repo, id: string, signing: SigningOptions = {}): Promise<{policy: PolicyInfo; owner: OwnerView}> {
  const key = await (await Keyring.open(repo.ctx)).resolve(id)
  const l = await amend(repo, signing, (body) => {
    body.owners.push(key.info.fingerprint)
    body.keys[key.info.fingerprint] ??= key.publicArmored
  })
  return {policy: info(l), owner: {fingerprint: key.info.fingerprint, userId: key.info.primaryUserId}}
}

export async function ownersList(repo: Repo): Promise<{policy: PolicyInfo | null; owners: OwnerView[]}> {
  const l = loadLocalPolicy(repo)
  if (!l) return {policy: null, owners: []}
  const users = await describeAll(repo, Object.fromEntries(l.policy.owners.map((f) => [f, l.policy.keys[f]!])))
  return {policy: info(l), owners: l.policy.owners.map((f) => ({fingerprint: f, userId: users.get(f) ?? null}))}
}

export async function ownersRemove(repo: Repo, id: string, signing: SigningOptions = {}): Promise<{policy: PolicyInfo; removed: string}> {
  const l0 = loadLocalPolicy(repo)
  const fpr = await fingerprintOf(repo, id, l0?.policy.owners ?? [])
  if (!l0?.policy.owners.includes(fpr)) throw new BlError('KEY_NOT_FOUND', `key ${fpr} is not an owner`, {hint: '`bl owners list` shows them.', data: {fingerprint: fpr}})
  // Checked inside amend, after the signing key proved an owner: a non-owner is told that
  // (NOT_POLICY_OWNER), not to run `bl owners add`, which they may not run either.
  const l = await amend(repo, signing, (body) => {
    if (body.owners.length === 1) throw new BlError('INVALID_ARGUMENT', `${fpr} is the only owner`, {hint: 'Add another owner first (`bl owners add <fingerprint>`): a policy always has one.'})
    body.owners = body.owners.filter((f) => f !== fpr)
  })
  return {policy: info(l), removed: fpr}
}

// ---- bl verify --branch ---------------------------------------------------------------------------

export interface BranchAudit {
  branch: string
  ref: string
  commit: Oid
  /** Patterns of the rules that protect it. */
  rules: string[]
  /** Commits checked. */
  checked: number
  violations: Violation[]
}

export interface VerifyBranchesResult {
  policy: PolicyInfo | null
  all: boolean
  branches: BranchAudit[]
  /** Schema pins: each audited branch's commits judged by the `.blschema` of their own tree. */
  schema: SchemaAudit[]
  /** Protection violations, then schema ones (`check: "schema"`). */
  violations: Violation[]
}

/**
 * Audits branches against the rules that protect them: the commits added since each rule was
 * defined (not reachable from the branch tips recorded with the rule), or with `all` every commit
 * reachable. `names`: local branches (`main`) or remote-tracking ones (`origin/main`); default every
 * local branch some rule protects. Every commit reachable from the audited branches (default:
 * every local branch) that holds schema pins is also checked against them (src/core/schema/audit.ts).
 * Exit 0 when clean; POLICY_VIOLATION (11) listing every violation.
 */
export async function verifyBranches(repo: Repo, opts: {names?: string[]; all?: boolean} = {}): Promise<VerifyBranchesResult> {
  const l = loadLocalPolicy(repo)
  const all = Boolean(opts.all)
  const targets: Array<{branch: string; ref: string; commit: Oid}> = []
  if (opts.names?.length) {
    for (const n of opts.names) {
      const local = readRef(repo, HEADS + n)
      const tracking = local ? null : readRef(repo, 'refs/remotes/' + n)
      if (local) targets.push({branch: n, ref: HEADS + n, commit: local})
      else if (tracking && n.includes('/')) targets.push({branch: n.slice(n.indexOf('/') + 1), ref: 'refs/remotes/' + n, commit: tracking})
      else throw new BlError('REF_NOT_FOUND', `no branch ${n}`, {hint: 'Name a local branch (main) or a remote-tracking one (origin/main).', data: {branch: n}})
    }
  } else {
    for (const r of repo.store.listRefs(HEADS)) if (r.oid) targets.push({branch: r.name.slice(HEADS.length), ref: r.name, commit: r.oid})
  }
  const branches: BranchAudit[] = []
  if (l) {
    const ctx = checkContext(repo, l.policy)
    for (const t of targets) {
      // By default only the branches a rule protects and the policy governs (not one that tracks
      // a fork without the policy); named ones always.
      if (!opts.names?.length && (rulesFor(l.policy, t.branch).length === 0 || !governsBranch(repo, t.branch))) continue
      const a = await auditHistory(ctx, l.policy, t.branch, t.commit, {all})
      branches.push({...t, rules: rulesFor(l.policy, t.branch).map((r) => r.pattern), checked: a.checked, violations: a.violations})
    }
  }
  const graph = new CommitGraph(repo.store)
  const cache: SchemaAuditCache = new Map()
  const schema: SchemaAudit[] = []
  for (const t of targets) schema.push(await auditSchemaPins(repo, graph, t, cache))
  const broken = branches.flatMap((b) => b.violations)
  const offPin = schema.flatMap((b) => b.violations)
  const result: VerifyBranchesResult = {policy: l ? info(l) : null, all, branches, schema, violations: [...broken, ...offPin]}
  if (offPin.length === 0 && broken.length)
    throw violationError('POLICY_VIOLATION', `${branches.filter((b) => b.violations.length).map((b) => b.branch).join(', ')}: history breaks protection rules`, result.violations, 'These commits should not be on a protected branch: someone bypassed bl or the rules. An owner decides how to repair the branch.', {...result})
  if (offPin.length) {
    const names = [...new Set(result.violations.map((v) => v.branch))]
    const n = result.violations.length
    throw new BlError('POLICY_VIOLATION', `${names.join(', ')}: history breaks ${broken.length ? 'protection rules and schema pins' : 'schema pins'}: ${n} violation${n === 1 ? '' : 's'}`, {
      hint: `${broken.length ? 'Someone bypassed bl or the protection rules; an owner decides how to repair the branch. ' : ''}Commits hold tables that break the schema pinned in their own ${PINS_FILE} (written by a client that does not check pins): fix the tables in a new commit, or change the pin (\`bl schema pin\`).`,
      data: {...result},
    })
  }
  return result
}
