/** Argument helpers shared by commands. */

/** Positional args before and after `--`, skipping flags (and the values of `valued` flags). */
export function splitDashDash(argv: string[], valued: string[] = []): {before: string[]; after: string[]} {
  const before: string[] = []
  const after: string[] = []
  let seen = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!seen && a === '--') {
      seen = true
      continue
    }
    if (seen) {
      after.push(a)
      continue
    }
    if (a.startsWith('-') && a.length > 1) {
      if (valued.includes(a)) i++
      continue
    }
    before.push(a)
  }
  return {before, after}
}
