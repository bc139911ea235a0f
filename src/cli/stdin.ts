import fs from 'node:fs'
import path from 'node:path'
import {BlError, fsError} from '../core/errors.js'

/** All of standard input, read through `process.stdin` (a synchronous read of fd 0 races the stream other code may have opened on it). */
export async function readStdin(): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const b of process.stdin) parts.push(b as Buffer)
  return Buffer.concat(parts)
}

/**
 * A file named on the command line, or standard input for `-` (Git's `-F -`). A missing file is
 * PATH_NOT_FOUND, saying what it was for (`what`: "log file") with `hint`.
 */
export async function readFileOrStdin(file: string, what: string, hint: string): Promise<Buffer> {
  if (file === '-') return readStdin()
  try {
    return fs.readFileSync(path.resolve(file))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlError('PATH_NOT_FOUND', `could not read ${what} '${file}': no such file`, {hint, data: {path: file}})
    throw fsError(err, file, 'reading')
  }
}
