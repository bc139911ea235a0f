/** Argument helpers shared by commands. */

/**
 * Git's `-<n>` (`bl log -3`): oclif passes a dash and digits through as an argument, not as an
 * unknown flag. Returns the last such count before `--` (or undefined) and the argv without them.
 */
export function takeDashCount(argv: string[]): {count: number | undefined; argv: string[]} {
  let count: number | undefined
  const end = argv.indexOf('--')
  const rest = argv.filter((a, i) => {
    if ((end >= 0 && i > end) || !/^-\d+$/.test(a)) return true
    count = Number(a.slice(1))
    return false
  })
  return {count, argv: rest}
}

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

/** `-<digits>` before `--`: the arguments oclif lets through although they are no flag of ours. */
export function dashNumbers(argv: string[]): string[] {
  const end = argv.indexOf('--')
  return (end < 0 ? argv : argv.slice(0, end)).filter((a) => /^-\d+$/.test(a))
}

/**
 * Options written after `--` and its path (`bl diff --rows A B -- t.csv --key id`), moved before
 * the `--` so oclif parses them; `options` maps each option to whether it takes a value.
 */
export function hoistOptions(argv: string[], options: ReadonlyMap<string, boolean>): string[] {
  const dd = argv.indexOf('--')
  if (dd < 0) return argv
  const moved: string[] = []
  const rest: string[] = []
  for (let i = dd + 1; i < argv.length; i++) {
    const a = argv[i]!
    const name = a.includes('=') ? a.slice(0, a.indexOf('=')) : a
    const valued = options.get(name)
    if (valued === undefined) rest.push(a)
    else {
      moved.push(a)
      if (valued && !a.includes('=') && i + 1 < argv.length) moved.push(argv[++i]!)
    }
  }
  return [...argv.slice(0, dd), ...moved, '--', ...rest]
}

/**
 * Git's options whose value may be left out when they come last or before another option
 * (parse-options' LASTARG_DEFAULT): `bl branch --merged` is `--merged HEAD`, `--merged v1` names v1.
 * oclif's string flags always take a value, so the bare form is rewritten to `--opt=<default>`.
 */
export function lastArgDefaults(argv: string[], defaults: Record<string, string>): string[] {
  const end = argv.indexOf('--')
  return argv.map((a, i) => {
    if (!(a in defaults) || (end >= 0 && i > end)) return a
    const next = argv[i + 1]
    return next === undefined || next.startsWith('-') ? `${a}=${defaults[a]}` : a
  })
}
