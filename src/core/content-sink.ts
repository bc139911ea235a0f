import type {Oid} from './hash.js'

/**
 * Receives the bytes of some files in order as a fetch proves them (remote/blob-check.ts), and
 * whether each proved to be its file. A clone's staged work tree is one (worktree/staged-files.ts).
 */
export interface ContentSink {
  /** A file's bytes are about to come: false declines them. */
  begin(id: Oid): boolean
  write(id: Oid, bytes: Uint8Array): void
  /** The file's bytes are complete; `ok`: they hash to its id (else they must be dropped). */
  end(id: Oid, ok: boolean): void
}
