/**
 * bl's own native addon (native/, built from source on install by scripts/build-native.js): the
 * only file that loads it. It is an accelerator: where it was not built, callers take their
 * Node path, with the same results.
 */
import {createRequire} from 'node:module'

/** native/tracked_scan.c: what a status needs of the tracked files, from the index blob. */
export interface TrackedScanResult {
  /** (byte offset of the entry in the blob, flag) pairs: 1 = not proven unchanged by its stat, 2 = not there as a file or symlink. */
  flagged: Float64Array
  /** Directories holding a name that is neither a tracked file nor a tracked directory, with their listing. */
  dirs: Array<{dir: string; names: string[]; info: Uint8Array}>
}

export interface Addon {
  /** native/dir_stat.c: names and 8 doubles of lstat data per name, or a negative errno. */
  readDirStat(abs: string): {names: string[]; stats: Float64Array} | number
  /** null: a blob the scan does not read; a negative errno: something it cannot read. */
  scanTracked(root: string, index: Buffer, clockDev: number, otherDeviceMarginMs: number): TrackedScanResult | null | number
}

/** undefined until first asked for: commands that never list a directory never load the addon. */
let addon: Addon | null | undefined

/** The addon, or null when it is not built here. */
export function nativeAddon(): Addon | null {
  if (addon === undefined) {
    try {
      // <package>/native/build/Release, named in package.json "imports" (this code is bundled into each command).
      addon = createRequire(import.meta.url)('#native-addon') as Addon
    } catch {
      addon = null
    }
  }
  return addon
}
