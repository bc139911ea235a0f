/**
 * Whether a stream is a terminal we may draw on (Ink, in-place redraws): a TTY, not in CI, not
 * `TERM=dumb`. Everything else gets plain lines (STYLE.md: only mount Ink on a real terminal).
 */
export function isInteractive(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!stream.isTTY) return false
  if (env.TERM === 'dumb') return false
  // As Ink itself decides (is-in-ci): CI or CONTINUOUS_INTEGRATION set, unless to 0 or false.
  const on = (k: string): boolean => k in env && env[k] !== '0' && env[k] !== 'false'
  return !on('CI') && !on('CONTINUOUS_INTEGRATION')
}
