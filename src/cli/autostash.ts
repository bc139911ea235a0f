/** --autostash for merge, rebase and pull, and what is said about the changes it set aside. */
import {Flags} from '#oclif'
import type {AutostashOutcome} from '../core/ops/autostash.js'

export const autostashFlag = Flags.boolean({
  description: 'Stash local changes first and apply them again when it ends (--no-autostash: not, whatever the setting says).',
  allowNo: true,
})

/** Git's words: "Applied autostash.", or where the changes are kept when they no longer apply. */
export function reportAutostash(outcome: AutostashOutcome | undefined, out: (line: string) => void, warn: (line: string) => void): void {
  if (!outcome) return
  if (outcome.status === 'applied') out('Applied autostash.')
  else warn(`the autostash could not be applied (${outcome.reason ?? 'it conflicts with the result'}); your changes are safe in ${outcome.name}: \`bl stash pop\` once they can go back, or \`bl stash drop\``)
}
