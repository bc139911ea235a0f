/**
 * The temporary files of work-tree writes: materialize.ts writes each file as
 * `.bl-tmp-<pid>-<n>` beside its destination and renames it into place. A bl killed in between
 * leaves one behind. bl never reports or adds such a name (scan.ts), and the next checkout that
 * writes into the same directory removes those whose process is gone.
 */
import fs from 'node:fs'
import path from 'node:path'
import {processAlive} from '../process-alive.js'

const TEMP_NAME = /^\.bl-tmp-(\d+)-\d+$/

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name)
}

/** Removes the temporary files in `dir` left by processes that no longer run (best effort). */
export function sweepStaleTemps(dir: string): void {
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return // not created yet, or not a directory: nothing left there
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name)
    if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) fs.rmSync(path.join(dir, name), {force: true})
  }
}
