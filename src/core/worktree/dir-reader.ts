/**
 * Reads one directory of the work tree: its entries, and their lstat data when that comes
 * cheaply.
 *
 * With the addon (native-addon.ts), one call opens the directory, lists it and stats every entry
 * relative to it (fstatat): a no-change status of 50,000 files spends about half the time it
 * spends with Node's readdirSync + one lstatSync per file, which resolves the whole path each time
 * and builds a Stats object with Dates. Without the addon (not built on this machine) the Node path
 * is used, with the same results. The addon stats every entry, ignored and untracked ones too,
 * which readdir's file types spared; in a work tree of tracked files that costs nothing extra.
 */
import fs from 'node:fs'
import {nativeAddon, type Addon} from './native-addon.js'

/** What bl reads of a file's lstat: fs.Stats has all of it. */
export interface FileStat {
  mode: number
  size: number
  mtimeMs: number
  ctimeMs: number
  ino: number
  dev: number
  isFile(): boolean
  isDirectory(): boolean
  isSymbolicLink(): boolean
}

export type EntryType = 'dir' | 'file' | 'symlink' | 'other'

export interface DirEntry {
  name: string
  type: EntryType
  /** lstat data, when the reader got it with the listing; otherwise the caller lstats. */
  st?: FileStat
}

/** Lists a directory (unsorted); throws Node's fs errors (ENOENT, ENOTDIR, EACCES, ...). */
export type DirReader = (abs: string) => DirEntry[]

const S_IFMT = 0o170000
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000
/** Doubles per entry in the addon's result (dir_stat.c). */
const FIELDS = 8

class NativeStat implements FileStat {
  constructor(
    readonly mode: number,
    readonly size: number,
    readonly mtimeMs: number,
    readonly ctimeMs: number,
    readonly ino: number,
    readonly dev: number,
  ) {}

  isFile(): boolean {
    return (this.mode & S_IFMT) === S_IFREG
  }

  isDirectory(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR
  }

  isSymbolicLink(): boolean {
    return (this.mode & S_IFMT) === S_IFLNK
  }
}

/** The type of a Stats, FileStat or Dirent (all three answer these three questions). */
export function entryType(x: Pick<FileStat, 'isFile' | 'isDirectory' | 'isSymbolicLink'>): EntryType {
  return x.isFile() ? 'file' : x.isSymbolicLink() ? 'symlink' : x.isDirectory() ? 'dir' : 'other'
}

/** Node's fs: readdir with file types; no stat (the caller stats only what it needs). */
export const nodeDirReader: DirReader = (abs) =>
  fs.readdirSync(abs, {withFileTypes: true}).map((d) => ({
    name: d.name,
    type: entryType(d),
  }))

/** The reader over an addon (exported for tests, which give it a fake one). */
export function addonReader(addon: Pick<Addon, 'readDirStat'>): DirReader {
  return (abs) => {
    const res = addon.readDirStat(abs)
    // The directory could not be opened or read: Node's reader fails the same way, with Node's error.
    if (typeof res === 'number') return nodeDirReader(abs)
    const {names, stats} = res
    const out: DirEntry[] = new Array(names.length)
    for (let i = 0; i < names.length; i++) {
      const o = i * FIELDS
      const mode = stats[o]!
      // An entry that could not be stat'd (it vanished; a directory that can be listed but not
      // searched; EIO on one file): this directory is read as Node reads it, where only the
      // entries the caller needs are stat'd, so an ignored file that cannot be stat'd fails nothing.
      if (mode < 0) return nodeDirReader(abs)
      // Node's own formula (lib/internal/fs/utils.js msFromTimeSpec), so the doubles compare equal.
      const st = new NativeStat(mode, stats[o + 1]!, stats[o + 2]! * 1e3 + stats[o + 3]! / 1e6, stats[o + 4]! * 1e3 + stats[o + 5]! / 1e6, stats[o + 6]!, stats[o + 7]!)
      out[i] = {name: names[i]!, type: entryType(st), st}
    }
    return out
  }
}

let native: DirReader | null | undefined

/** The addon's reader, or null when the addon is not built here. */
export function nativeDirReader(): DirReader | null {
  if (native === undefined) {
    const addon = nativeAddon()
    native = addon ? addonReader(addon) : null
  }
  return native
}

/** The fastest reader this machine has. */
export function defaultDirReader(): DirReader {
  return nativeDirReader() ?? nodeDirReader
}
