/**
 * A status's look at the tracked files without decoding the index (native/tracked_scan.c): the
 * addon reads the index blob in place, lists and stats every directory holding tracked files, and
 * returns only the entries whose stat does not prove them unchanged and the listings of the
 * directories that hold untracked names. A no-change status of 50,000 files then builds no
 * JavaScript object per file (decoding them, a Map, the walk's objects and their garbage cost as
 * much as the system calls).
 */
import type {Repo} from '../repo.js'
import {indexEntryAt} from '../store/index-codec.js'
import type {IndexEntry} from '../store/types.js'
import type {EntryType} from './dir-reader.js'
import {clockDevice, OTHER_DEVICE_MARGIN_MS} from './index-state.js'
import {nativeAddon, type Addon} from './native-addon.js'
import type {ListedEntry} from './scan.js'

export interface TrackedScan {
  /** Entries, in index order, whose stat does not prove them unchanged; `present`: a file or symlink is listed at the path. */
  flagged: Array<{entry: IndexEntry; present: boolean}>
  /** Directories holding a name that is neither a tracked file nor a tracked directory: their whole listing. */
  listings: Array<{dir: string; entries: ListedEntry[]}>
}

const TYPES: EntryType[] = ['file', 'dir', 'symlink', 'other']
const TRACKED = 4

/**
 * The scan of the index `blob`, or null where it cannot be made (no addon here, an index the
 * scan does not read, a directory it cannot read): the caller then walks the tree in JavaScript,
 * which reports any error as it always did.
 */
export function scanTracked(repo: Repo, blob: Buffer, addon: Pick<Addon, 'scanTracked'> | null = nativeAddon()): TrackedScan | null {
  // An addon built before the scan existed (a stale build) lacks it: walk as without one.
  if (typeof addon?.scanTracked !== 'function') return null
  const res = addon.scanTracked(repo.root, blob, clockDevice(repo) ?? Number.NaN, OTHER_DEVICE_MARGIN_MS)
  if (res === null || typeof res === 'number') return null
  const flagged: TrackedScan['flagged'] = []
  for (let i = 0; i < res.flagged.length; i += 2) flagged.push({entry: indexEntryAt(blob, res.flagged[i]!), present: res.flagged[i + 1] === 1})
  const listings = res.dirs.map(({dir, names, info}) => ({
    dir,
    entries: names.map((name, i): ListedEntry => ({name, type: TYPES[info[i]! & 3]!, tracked: (info[i]! & TRACKED) !== 0})),
  }))
  return {flagged, listings}
}
