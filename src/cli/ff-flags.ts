/** --ff, --no-ff and --ff-only of merge and pull, as merge options (none given: merge.ff / pull.ff decide). */
export function fastForward(flags: {ff?: boolean; 'no-ff'?: boolean; 'ff-only'?: boolean}): {ffOnly?: boolean; noFf?: boolean} {
  if (flags.ff) return {ffOnly: false, noFf: false}
  if (flags['ff-only'] === undefined && flags['no-ff'] === undefined) return {}
  return {ffOnly: Boolean(flags['ff-only']), noFf: Boolean(flags['no-ff'])}
}
