/**
 * Shared flags and output of the commands that replay commits (cherry-pick, revert, rebase):
 * each has --continue / --abort (and rebase --skip) around a stopped step.
 */
import {Flags} from '#oclif'
import type {SequenceResult} from '../core/ops/sequence.js'
import {autoMergingLines} from './merge-report.js'

export const sequenceFlags = {
  continue: Flags.boolean({description: 'Go on after resolving the conflicts of the stopped step.', exclusive: ['abort', 'skip']}),
  abort: Flags.boolean({description: 'Undo the whole operation: HEAD, files and index as before it.', exclusive: ['continue', 'skip']}),
  skip: Flags.boolean({description: 'Drop the stopped commit and go on with the rest.', exclusive: ['continue', 'abort']}),
  'strategy-option': Flags.string({char: 'X', description: 'Settle every conflict with this side.', options: ['ours', 'theirs']}),
}

export function describeSequence(res: SequenceResult): string[] {
  const out: string[] = []
  for (const d of res.done) out.push(...autoMergingLines(d.automerged), `[${d.to.slice(0, 12)}] from ${d.from.slice(0, 12)}`)
  for (const s of res.dropped) out.push(`dropped ${s.slice(0, 12)} (its changes are already there)`)
  for (const s of res.skipped) out.push(`skipped ${s.slice(0, 12)}`)
  if (res.staged) out.push('Changes staged; nothing committed (use `bl commit`).')
  if (res.status === 'up-to-date') out.push('Current branch is up to date.')
  if (res.status === 'fast-forward') out.push(`Fast-forwarded to ${res.head.slice(0, 12)}.`)
  return out
}
