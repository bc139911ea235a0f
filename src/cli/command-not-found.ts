/**
 * oclif's `command_not_found` hook: an unknown command gets bl's error format (one `error:` line
 * and a `hint:`, or the `{"ok": false, ...}` document under --json) and the usage exit code,
 * instead of oclif's own ` ›   Error:` text. The hint names the closest command, as Git does.
 */
import type {Hook} from '#oclif'
import {BlError, exitCodeFor} from '../core/errors.js'

/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two short names. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1)
      d[i]![j] = v
    }
  }
  return d[a.length]![b.length]!
}

/** The known command closest to `name`, if any is close enough to be a likely typo. */
export function closestCommand(name: string, commands: string[]): string | undefined {
  let best: {id: string; d: number} | undefined
  for (const id of commands) {
    const d = distance(name, id)
    if (!best || d < best.d) best = {id, d}
  }
  return best && best.d <= Math.max(1, Math.floor(name.length / 3)) ? best.id : undefined
}

/** The error for a command bl does not have (`bl nosuch`, `bl help nosuch`), with the closest one as a hint. */
export function unknownCommand(name: string, config: {commandIDs: string[]}): BlError {
  const near = closestCommand(name, config.commandIDs.filter((c) => !c.startsWith('plugins') && !c.startsWith('autocomplete')).map((c) => c.replaceAll(':', ' ')))
  return new BlError('INVALID_ARGUMENT', `'${name}' is not a bl command`, {hint: `${near ? `Did you mean \`bl ${near}\`? ` : ''}\`bl help\` lists the commands.`, data: {command: name}})
}

/** Prints `e` as BlCommand does (the JSON document on stdout, or `error:`/`hint:` on stderr) and sets its exit code. */
export function printError(e: BlError, json: boolean): void {
  if (json) process.stdout.write(JSON.stringify({ok: false, error: {code: e.code, message: e.message, hint: e.hint ?? null, data: e.data}}, null, 2) + '\n')
  else process.stderr.write(`error: ${e.message}\nhint: ${e.hint}\n`)
  process.exitCode = exitCodeFor(e.code)
}

const hook: Hook<'command_not_found'> = async function ({id, argv, config}) {
  printError(unknownCommand(id.replaceAll(':', ' '), config), Boolean(argv?.includes('--json')))
  return undefined
}

export default hook
