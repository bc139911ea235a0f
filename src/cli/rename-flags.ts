/** Git's rename detection options, shared by diff, log, show and status. */
import {Flags} from '#oclif'
import {BlError} from '../core/errors.js'
import type {RenameOptions} from '../core/diff/similarity.js'

export const renameFlags = {
  'find-renames': Flags.string({
    char: 'M',
    description: 'Pair a deleted and an added file as a rename when at least <n> of the content is kept (on by default at 50%; -M90%, -M9 and --find-renames=90% all mean 90%; -M100% pairs identical files only).',
  }),
  'no-renames': Flags.boolean({description: 'Show a rename as a deletion and an addition, even of an identical file.', exclusive: ['find-renames']}),
}

/**
 * Git's spellings, which oclif does not parse: `-M` and `--find-renames` without a value (the
 * default threshold), and `-M<n>` glued. Only before `--`.
 */
export function normalizeRenameArgs(argv: string[]): string[] {
  const end = argv.indexOf('--')
  return argv.map((a, i) => {
    if (end >= 0 && i > end) return a
    if (a === '-M' || a === '--find-renames') return '--find-renames=50%'
    return /^-M[\d.%]/.test(a) ? `--find-renames=${a.slice(2)}` : a
  })
}

/** Git's rename score: `50%`, `5` (read as 0.5, as Git does), `0.5`; 0 is the default (50%) and more than 100% is 100%, as in Git. */
export function parseRenameThreshold(v: string): number {
  const m = /^(?:(\d+(?:\.\d+)?)%|(\d+)|(\d*\.\d+))$/.exec(v)
  const n = m ? (m[1] !== undefined ? Number(m[1]) / 100 : m[2] !== undefined ? Number(`0.${m[2]}`) : Number(m[3])) : NaN
  if (n === 0) return 0.5
  if (n > 1) return 1
  if (!(n >= 0)) throw new BlError('INVALID_ARGUMENT', `invalid rename threshold ${JSON.stringify(v)}`, {hint: 'Give a percentage of content kept: -M50%, -M90% (-M100% for identical files only).'})
  return n
}

export function renamesFrom(flags: {'find-renames'?: string; 'no-renames'?: boolean}): RenameOptions | false {
  if (flags['no-renames']) return false
  return flags['find-renames'] === undefined ? {} : {threshold: parseRenameThreshold(flags['find-renames'])}
}
