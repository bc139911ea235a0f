/**
 * What `bl browse` shows, as plain data. The terminal views (src/ui/browse) receive a
 * `BrowseSource` as a prop and only ever call these methods: they never open the store, so the
 * views can be tested with a fake source and the source without a terminal.
 *
 * Every string here may come from repository content (names, messages, file bytes); the views
 * strip terminal escape sequences before drawing (`clean` in src/ui/text.ts), the source does not.
 */
import type {Oid} from '../hash.js'
import type {ChangeStatus} from '../diff/diff.js'
import type {DiffHunk} from '../diff/lines.js'
import type {EntryKind} from '../objects/tree.js'
import type {SignatureVerification} from '../signing/verify.js'

export type {DiffHunk, DiffLine} from '../diff/lines.js'
import type {TableFormat} from '../tables/types.js'

export interface BrowseRef {
  /** Short name: `main`, `v1.0`, `origin/main`. */
  name: string
  kind: 'branch' | 'tag' | 'remote'
  commit: Oid
  /** The branch HEAD is on. */
  current: boolean
}

export interface BrowseCommit {
  id: Oid
  parents: Oid[]
  /** Parents among the commits listed (for drawing lanes; see ui/graph.ts renderGraph). */
  edges: Oid[]
  authorName: string
  authorEmail: string
  /** Author time, Unix seconds, and the author's UTC offset in minutes. */
  time: number
  tzOffset: number
  /** Whole message; the views show its first line in the list. */
  message: string
  /** Has a signature (checking it is `signature()`: it loads the keyring). */
  signed: boolean
  /** Branch and tag labels pointing here (`HEAD -> main`, `tag: v1`). */
  refs: string[]
  /** The linked Git commit of the code (`git.commit` metadata), when recorded. */
  gitCommit?: string
}

export interface BrowseLog {
  commits: BrowseCommit[]
  /** More commits exist beyond `limit`. */
  more: boolean
}

export interface BrowseTreeEntry {
  name: string
  /** Repository path (no leading slash). */
  path: string
  kind: EntryKind
  /** Bytes; for a directory, the total of every file under it. */
  size: number
  /** Files under a directory (1 for a file or symlink). */
  files: number
  exec: boolean
  id: Oid
}

/** A preview of one file version, bounded: `truncated` says more exists than was read. */
export type Preview =
  | ({kind: 'table'; format: TableFormat; columns: string[]; rows: string[][]} & PreviewCommon)
  | ({kind: 'json'; lines: string[]} & PreviewCommon)
  | ({kind: 'text'; lines: string[]} & PreviewCommon)
  | ({kind: 'binary'; type: string; hex: string[]} & PreviewCommon)
  | ({kind: 'image'; format: string; width: number | null; height: number | null; hex: string[]} & PreviewCommon)
  | ({kind: 'symlink'; target: string} & PreviewCommon)
  | ({kind: 'empty'} & PreviewCommon)

export interface PreviewCommon {
  path: string
  id: Oid
  size: number
  truncated: boolean
  /** Why this kind was chosen when it is not the obvious one (e.g. "not valid CSV: line 3 ..."). */
  note?: string
}

export interface PreviewOptions {
  /** Lines (text, JSON, hex) or rows (tables) to read; default 2,000. */
  maxLines?: number
}

export interface BrowseChange {
  status: ChangeStatus
  path: string
  /** For renames: where the file was. */
  oldPath?: string
  kind: EntryKind
  oldSize: number | null
  newSize: number | null
}

export interface BrowseChanges {
  commit: Oid
  /** The first parent the changes are against; null for a root commit. */
  parent: Oid | null
  changes: BrowseChange[]
}


/** What changed inside one file of a commit. */
export type FileDiff =
  | {
      kind: 'lines'
      path: string
      hunks: DiffHunk[]
      truncated: boolean
      /** Why lines rather than rows (a table that does not parse), or that the alignment was coarse. */
      note?: string
    }
  | {kind: 'rows'; path: string; format: TableFormat; key: string[] | null; columns: string[]; added: number; removed: number; modified: number; rows: RowChange[]; truncated: boolean}
  | {kind: 'none'; path: string; reason: string}

export interface RowChange {
  op: '+' | '-' | '~'
  /** Cells rendered as text, in `columns` order; for `~`, the new version's cells. */
  cells: string[]
  /** For `~`: the columns whose value changed, with the old value. */
  before?: Record<string, string>
}

export interface BrowseSource {
  /** What `bl browse [rev]` opened at (a commit). */
  readonly start: Oid
  /** Branches, tags and remote-tracking branches. */
  refs(): Promise<BrowseRef[]>
  /** Commits reachable from `rev`, newest first, at most `limit`. */
  log(rev: string, limit: number): Promise<BrowseLog>
  /** Checks a commit's signature against the user's keyring. */
  signature(commit: Oid): Promise<SignatureVerification>
  /** One directory of a commit's tree ('' = the root), directories first, then by name. */
  tree(commit: Oid, dir: string): Promise<BrowseTreeEntry[]>
  preview(commit: Oid, path: string, opts?: PreviewOptions): Promise<Preview>
  /** The commit against its first parent. */
  changes(commit: Oid): Promise<BrowseChanges>
  /** The changed lines (text) or rows (CSV/TSV/JSONL/Parquet) of one change of `changes(commit)`. */
  fileDiff(commit: Oid, change: BrowseChange): Promise<FileDiff>
}
