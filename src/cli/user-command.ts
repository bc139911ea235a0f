/** Runs a user's command for `bisect run` and `rebase --exec`, on this terminal. */
import {spawnSync, type SpawnSyncReturns} from 'node:child_process'

/**
 * A single string with no arguments runs through the shell (`"make eval && ./check"`), else the
 * program with its arguments. With --json its stdout goes to stderr: stdout carries the result.
 */
export function runUserCommand(command: string, args: string[], o: {json: boolean; cwd?: string}): SpawnSyncReturns<Buffer> {
  const stdio: ['inherit', 2 | 'inherit', 'inherit'] = ['inherit', o.json ? 2 : 'inherit', 'inherit']
  return args.length === 0 ? spawnSync(command, {shell: true, cwd: o.cwd, stdio}) : spawnSync(command, args, {cwd: o.cwd, stdio})
}
