/**
 * What the outside world hands to core: the working directory, environment-derived settings and
 * the clock. Commands build it from process.* (src/commands/base.ts); tests build it directly.
 */
export interface Context {
  cwd: string
  /** Environment variables relevant to bl (BL_*, HOME, ...). Core never reads process.env. */
  env: Readonly<Record<string, string | undefined>>
  /** Directory of user-level configuration (config.json). */
  userConfigDir: string
  now(): Date
}
