/**
 * The temporary files of work-tree writes: materialize.ts writes each file as
 * `.bl-tmp-<pid>-<n>` beside its destination and renames it into place. A bl killed in between
 * leaves one behind. bl never reports or adds such a name (scan.ts). The next checkout that
 * writes into the same directory removes those whose process is gone, and a writer records the
 * directories it is about to use in `.bl/writing-<pid>`, so the next checkout, restore or gc finds
 * a killed writer's leftovers in directories it does not touch itself.
 */
import fs from 'node:fs'
import path from 'node:path'
import {leftBehind} from '../process-alive.js'

const TEMP_NAME = /^\.bl-tmp-(\d+)-\d+$/

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name)
}

/** Removes the temporary files in `dir` left by processes that no longer run (best effort). */
export function sweepStaleTemps(dir: string): void {
  for (const name of leftBehind(dir, TEMP_NAME)) fs.rmSync(path.join(dir, name), {force: true})
}

const RECORD = /^writing-(\d+)$/

/**
 * Writes `.bl/writing-<pid>` naming the directories (absolute) that temporary files are about to
 * go into; returns the function that removes it once the writes are done. Every writer records,
 * so this is also where a killed writer's leftovers are swept first.
 */
export function recordTempDirs(blDir: string, dirs: Iterable<string>): () => void {
  sweepKilledWriters(blDir)
  const file = path.join(blDir, `writing-${process.pid}`)
  fs.writeFileSync(file, [...new Set(dirs)].join('\n'))
  return () => fs.rmSync(file, {force: true})
}

/** Removes what killed writers left (their records' directories' temporary files, then the records). */
export function sweepKilledWriters(blDir: string): void {
  for (const name of leftBehind(blDir, RECORD)) {
    const file = path.join(blDir, name)
    for (const dir of fs.readFileSync(file, 'utf8').split('\n')) if (path.isAbsolute(dir)) sweepStaleTemps(dir)
    fs.rmSync(file, {force: true})
  }
}
