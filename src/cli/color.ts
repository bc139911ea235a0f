/**
 * Terminal colours, Git's palette for status and log. On only when stdout is a terminal (not with
 * TERM=dumb); NO_COLOR (any non-empty value, https://no-color.org) turns them off everywhere, and
 * BL_COLOR=always|never|auto overrides the terminal check (e.g. `BL_COLOR=always bl log | less -R`).
 */
export interface Palette {
  green(s: string): string
  red(s: string): string
  yellow(s: string): string
  cyan(s: string): string
  bold(s: string): string
}

const sgr =
  (open: number, close: number) =>
  (s: string): string =>
    `\x1b[${open}m${s}\x1b[${close}m`

const ON: Palette = {green: sgr(32, 39), red: sgr(31, 39), yellow: sgr(33, 39), cyan: sgr(36, 39), bold: sgr(1, 22)}
const id = (s: string): string => s
const OFF: Palette = {green: id, red: id, yellow: id, cyan: id, bold: id}

export function colorEnabled(env: NodeJS.ProcessEnv, stream: {isTTY?: boolean}): boolean {
  if (env.NO_COLOR) return false
  const mode = env.BL_COLOR ?? 'auto'
  if (mode === 'always') return true
  if (mode === 'never') return false
  return Boolean(stream.isTTY) && env.TERM !== 'dumb'
}

export function palette(enabled: boolean): Palette {
  return enabled ? ON : OFF
}
