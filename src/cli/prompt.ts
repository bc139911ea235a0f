/**
 * Hidden-input passphrase prompt on the terminal. Only offered when stdin and stderr are a TTY
 * (never in CI or with piped input: core then asks for BL_KEY_PASSPHRASE instead).
 */
import {BlError} from '../core/errors.js'
import type {PassphrasePrompt} from '../core/ops/keys.js'

export function passphrasePrompt(): PassphrasePrompt | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined
  return async (message, opts) => {
    const first = await readHidden(message)
    if (opts?.confirm && first !== '') {
      const again = await readHidden('Repeat the passphrase: ')
      if (again !== first) throw new BlError('INVALID_ARGUMENT', 'the passphrases do not match', {hint: 'Run the command again.'})
    }
    return first
  }
}

function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin
  return new Promise((resolve, reject) => {
    let buf = ''
    const done = (): void => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
    }
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done()
          resolve(buf)
          return
        }
        if (ch === '\u0003' || ch === '\u0004') {
          // Ctrl-C / Ctrl-D: give up without a passphrase.
          done()
          reject(new BlError('PASSPHRASE_REQUIRED', 'no passphrase entered', {hint: 'Run the command again, or set BL_KEY_PASSPHRASE.'}))
          return
        }
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1)
        else if (ch >= ' ') buf += ch
      }
    }
    process.stderr.write(prompt)
    stdin.setEncoding('utf8')
    stdin.setRawMode(true)
    stdin.resume()
    stdin.on('data', onData)
  })
}
