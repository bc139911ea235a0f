/** Text output and shared flags of `bl protect`, `bl signers`, `bl owners` and `bl verify`. */
import {Flags} from '#oclif'
import type {PolicyInfo} from '../core/ops/protect.js'
import type {ProtectionRule} from '../core/protect/policy.js'

export const ownerKeyFlags = {
  key: Flags.string({description: 'Owner key that signs the new policy version: fingerprint, key id, prefix or email (default: user.signingKey, else your only secret key).'}),
}

const date = (t: number | null): string => (t === null ? '-' : new Date(t * 1000).toISOString().replace('.000Z', 'Z'))

export function policyLine(p: PolicyInfo | null): string {
  if (!p) return 'No protection policy.'
  return `Policy version ${p.seq} (${p.id.slice(0, 12)}), signed by ${p.signedBy.toUpperCase()} on ${date(p.time)}`
}

export function changedLine(p: PolicyInfo): string {
  return `${policyLine(p)}; \`bl push\` publishes it.`
}

export function ruleLine(r: ProtectionRule): string {
  const parts = [
    r.requireSigned && 'require-signed',
    r.noForcePush && 'no-force-push',
    r.noDelete && 'no-delete',
    r.linear && 'linear',
    r.mergeOnly && 'merge-only',
    r.maxFileSize !== null && `max-file-size=${r.maxFileSize}`,
    r.maxCommitSize !== null && `max-commit-size=${r.maxCommitSize}`,
    r.messagePattern !== null && `message-pattern=/${r.messagePattern}/`,
  ].filter(Boolean)
  return `${r.pattern}: ${parts.join(', ') || '(no restrictions)'} (since ${date(r.since)})`
}

export function validity(from: number | null, until: number | null): string {
  return from === null && until === null ? 'always' : `${date(from)} .. ${date(until)}`
}
