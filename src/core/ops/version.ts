/**
 * bl version: what this build runs with. For bug reports and CI logs: the BLAKE3 backend matters
 * for speed (the native binding hashes ~5x faster than the WebAssembly fallback it replaces where
 * it cannot load), and the SQLite version for the store's behaviour.
 */
import {hashBackendName} from '../hash.js'
import {sqliteVersion} from '../store/sqlite-object-store.js'

export interface VersionInfo {
  /** bl's version (package.json). */
  version: string
  /** Node.js running bl, e.g. "20.20.2". */
  node: string
  platform: string
  arch: string
  /** Which BLAKE3 implementation loaded. */
  blake3: 'native' | 'wasm'
  sqlite: string
}

export function versionInfo(runtime: {version: string; node: string; platform: string; arch: string}): VersionInfo {
  return {...runtime, blake3: hashBackendName(), sqlite: sqliteVersion()}
}
