/**
 * Mounts BrowseApp full screen and resolves when the user quits. The terminal is given back
 * exactly as it was: the alternate screen is left (so the shell's scrollback reappears), the
 * cursor is shown and raw mode is off — after q, Ctrl-C, SIGTERM, SIGHUP, SIGINT, SIGQUIT or a crash.
 */
import {render} from 'ink'
import type {BrowseSource} from '../../core/browse/types.js'
import {BrowseApp} from './BrowseApp.js'

const ENTER_ALT = '\x1b[?1049h\x1b[?25l\x1b[H'
const LEAVE_ALT = '\x1b[?25h\x1b[?1049l'

export interface RenderBrowseOptions {
  stdin?: NodeJS.ReadStream
  stdout?: NodeJS.WriteStream
  label?: string
}

/** Resolves with the signal that ended the browser, if one did (the command exits 128+n for it). */
export async function renderBrowse(source: BrowseSource, opts: RenderBrowseOptions = {}): Promise<{signal?: NodeJS.Signals}> {
  const stdout = opts.stdout ?? process.stdout
  const stdin = opts.stdin ?? process.stdin
  let restored = false
  const restore = (): void => {
    if (restored) return
    restored = true
    if (stdin.isTTY) stdin.setRawMode?.(false)
    stdout.write(LEAVE_ALT)
  }
  stdout.write(ENTER_ALT)
  const app = render(<BrowseApp source={source} label={opts.label} />, {stdin, stdout, exitOnCtrlC: false, patchConsole: false, maxFps: 30})
  let signal: NodeJS.Signals | undefined
  const onSignal = (sig: NodeJS.Signals): void => {
    signal = sig
    app.unmount()
  }
  // SIGINT too: raw mode turns Ctrl-C into a key, but `kill -INT`, or a Ctrl-C before raw mode is on, still signals.
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT']
  for (const sig of signals) process.on(sig, onSignal)
  // A crash must not leave the terminal in the alternate screen with no cursor.
  process.once('exit', restore)
  try {
    await app.waitUntilExit()
  } finally {
    for (const sig of signals) process.off(sig, onSignal)
    process.off('exit', restore)
    app.cleanup()
    restore()
  }
  return signal ? {signal} : {}
}
