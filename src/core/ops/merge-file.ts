/**
 * bl merge-file: Git's `merge-file`, a three-way merge of three files on disk (no repository
 * needed), with bl's merges below lines picked by the file's name: CSV/TSV rows by cells (and
 * columns by name), JSONL records by fields. It can serve Git as a merge driver for tables kept in
 * a Git repository (docs/tables.md, "Merging tables"):
 *   [merge "bl"] driver = bl merge-file --path %P -L ours -L base -L theirs %A %O %B
 */
import fs from 'node:fs'
import path from 'node:path'
import {BlError, fsError} from '../errors.js'
import {finerMerge} from '../merge/merge-rows.js'
import {looksBinary, mergeLines, splitKeepingEnds, type ConflictStyle} from '../merge/merge-text.js'
import type {Favor} from '../merge/three-way.js'

export interface MergeFileOptions {
  cwd: string
  current: string
  base: string
  other: string
  /** Up to three marker labels, for current, base and other; each defaults to its file's name. */
  labels?: string[]
  style?: ConflictStyle
  favor?: Favor | 'union'
  /** The name whose extension picks the table merge (a merge driver's temporary files have none); default `current`. */
  path?: string
  /** Return the result instead of writing it over `current` (Git's -p). */
  stdout?: boolean
}

export interface MergeFileResult {
  /** Stretches left in conflict, marked in the result. */
  conflicts: number
  /** The file written (`current`), or null with `stdout`. */
  written: string | null
  /** The merged bytes. */
  merged: Buffer
}

export function mergeFile(opts: MergeFileOptions): MergeFileResult {
  const names = [opts.current, opts.base, opts.other]
  const [current, base, other] = names.map((name) => read(path.resolve(opts.cwd, name), name)) as [Buffer, Buffer, Buffer]
  const [lc = opts.current, lb = opts.base, lo = opts.other] = opts.labels ?? []
  const first = (b: Buffer): string => splitKeepingEnds(b.subarray(0, b.indexOf(10) + 1 || b.length))[0] ?? ''
  const m = mergeLines(base, current, other, {
    labels: {ours: lc, base: lb, theirs: lo},
    style: opts.style,
    favor: opts.favor,
    finer: finerMerge(opts.path ?? opts.current, () => ({base: first(base), ours: first(current), theirs: first(other)})),
  })
  if (!m)
    throw new BlError('MERGE_TOO_COMPLEX', 'the versions could not be lined up within the line diff\'s budget (many repeated lines)', {
      hint: 'Merge them by hand, or take one side whole (`cp`); --ours/--theirs need the lines lined up too.',
      data: {current: opts.current},
    })
  if (!opts.stdout) writeOver(path.resolve(opts.cwd, opts.current), opts.current, m.bytes)
  return {conflicts: m.conflicts, written: opts.stdout ? null : opts.current, merged: m.bytes}
}

function read(abs: string, name: string): Buffer {
  let data: Buffer
  try {
    data = fs.readFileSync(abs)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e?.code === 'ENOENT') throw new BlError('PATH_NOT_FOUND', `${name}: no such file`, {hint: 'Usage: bl merge-file <current> <base> <other>.', data: {path: name}})
    if (e?.code === 'EISDIR') throw new BlError('INVALID_ARGUMENT', `${name} is a directory`, {hint: 'merge-file merges three files.', data: {path: name}})
    throw fsError(err, name, 'reading')
  }
  if (looksBinary(data)) throw new BlError('INVALID_ARGUMENT', `cannot merge binary files: ${name}`, {hint: 'merge-file merges text (a NUL in the first 8000 bytes makes a file binary, as in Git).', data: {path: name}})
  return data
}

/**
 * Writes the result over the file. Refused where the file is not writable, as Git refuses. Written
 * aside and renamed over it (its mode kept), so a full disk leaves it whole; written in place
 * where that cannot keep what Git's in-place write keeps: a file with other hard links, or one in
 * a directory bl may not create files in. Through a symlink, as Git writes.
 */
function writeOver(abs: string, name: string, bytes: Buffer): void {
  const denied = (e: unknown): BlError =>
    new BlError('FILE_UNREADABLE', `${name}: permission denied while writing the merge into it`, {hint: 'Make it writable, or write the result elsewhere with -p.', data: {path: name}, cause: e})
  let target: string
  let st: fs.Stats
  try {
    target = fs.realpathSync(abs)
    fs.accessSync(target, fs.constants.W_OK)
    st = fs.statSync(target)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw e?.code === 'EACCES' || e?.code === 'EPERM' ? denied(e) : fsError(err, name, 'writing')
  }
  const inPlace = (): void => {
    try {
      fs.writeFileSync(target, bytes)
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      throw e?.code === 'EACCES' || e?.code === 'EPERM' ? denied(e) : fsError(err, name, 'writing')
    }
  }
  if (st.nlink > 1) return inPlace()
  const tmp = path.join(path.dirname(target), `.bl-tmp-${process.pid}-merge-file`)
  try {
    fs.writeFileSync(tmp, bytes, {flag: 'wx'})
  } catch (err) {
    fs.rmSync(tmp, {force: true})
    const e = err as NodeJS.ErrnoException
    if (e?.code === 'EACCES' || e?.code === 'EPERM' || e?.code === 'EROFS') return inPlace()
    throw fsError(err, name, 'writing')
  }
  try {
    fs.chmodSync(tmp, st.mode & 0o7777)
    fs.renameSync(tmp, target)
  } catch (err) {
    fs.rmSync(tmp, {force: true})
    throw fsError(err, name, 'writing')
  }
}
