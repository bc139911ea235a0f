/**
 * `.blattributes` at the repository root: Git's gitattributes, for the one attribute bl acts on,
 * `merge`, which picks how a file both sides changed is merged:
 *
 *   labels/*.csv   merge=union    # both sides' rows, ours then theirs, never a conflict
 *   *.parquet      -merge         # (or merge=binary) conflict as a whole, ours kept
 *   logs/*.txt     merge          # (or merge=text) merged by lines even if it holds a NUL
 *
 * Lines are `<pattern> <attribute>...` with gitignore-style patterns; for each path the last line
 * that matches it and sets the attribute decides (`!merge` unsets it again). Read from our side's
 * commit (HEAD), as Git reads the checked-out file, so a merge is the same wherever it runs.
 */
import {loadBlob, readFileBytes} from '../odb.js'
import type {ObjectStore} from '../store/types.js'
import type {Oid} from '../hash.js'
import {lookupPath} from '../tree-build.js'
import {patternMatcher} from '../worktree/ignore-rules.js'

export const ATTRIBUTES_FILE = '.blattributes'

/** Bigger attribute files are not read (a mistake, not a rule set). */
const MAX_BYTES = 1 << 20

export type MergeDriver = 'text' | 'binary' | 'union'

interface Rule {
  matches: (path: string) => boolean
  /** null: unset (`!merge`) back to the default. */
  driver: MergeDriver | null
}

function parse(text: string): Rule[] {
  const rules: Rule[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const [pattern, ...attrs] = line.split(/\s+/)
    // Git ignores negative patterns in attributes (and says so); so does bl, silently.
    if (!pattern || pattern.startsWith('!')) continue
    let driver: MergeDriver | null | undefined
    for (const a of attrs) {
      if (a === 'merge' || a === 'merge=text') driver = 'text'
      else if (a === '-merge' || a === 'merge=binary') driver = 'binary'
      else if (a === 'merge=union') driver = 'union'
      else if (a === '!merge') driver = null
    }
    if (driver !== undefined) rules.push({matches: patternMatcher(pattern), driver})
  }
  return rules
}

/** The merge driver each path has in `tree` (undefined: the default, merged by lines when text). */
export function mergeDrivers(store: ObjectStore, tree: Oid | null): (path: string) => MergeDriver | undefined {
  const e = tree ? lookupPath(store, tree, ATTRIBUTES_FILE) : undefined
  // Not here (a thin clone that never fetched it): the defaults, as without the file.
  if (!e || e.kind !== 'file' || e.size > MAX_BYTES || !hasContent(store, e.id)) return () => undefined
  const rules = parse(readFileBytes(store, e.id).toString('utf8'))
  return (path) => {
    let d: MergeDriver | null | undefined
    for (const r of rules) if (r.matches(path)) d = r.driver
    return d ?? undefined
  }
}

/** The attributes file of `tree`, when it has one (a thin clone fetches it before merging). */
export function attributesFile(store: ObjectStore, tree: Oid | null): Oid | undefined {
  const e = tree ? lookupPath(store, tree, ATTRIBUTES_FILE) : undefined
  return e && e.kind === 'file' && e.size <= MAX_BYTES ? e.id : undefined
}

function hasContent(store: ObjectStore, id: Oid): boolean {
  return store.hasObject(id) && loadBlob(store, id).chunks.every((c) => store.hasChunk(c.id as Oid))
}
