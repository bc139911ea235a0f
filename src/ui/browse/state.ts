/**
 * The browser's state and what each key does to it, as pure functions: the container
 * (BrowseApp.tsx) keeps the state, loads what it names from the BrowseSource, and draws it.
 */
import type {Oid} from '../../core/hash.js'
import type {BrowseChange, BrowseChanges, BrowseCommit, BrowseRef, BrowseTreeEntry, FileDiff, Preview} from '../../core/browse/types.js'
import {clean, width} from '../text.js'
import {diffGutter, textGutter} from './format.js'

export type PaneId = 'refs' | 'log' | 'tree' | 'detail'
export const PANES: PaneId[] = ['refs', 'log', 'tree', 'detail']

/** A full-screen view over the panes; Esc goes back to the one below. */
export type Overlay =
  | {kind: 'preview'; commit: Oid; path: string}
  | {kind: 'changes'; commit: Oid}
  | {kind: 'filediff'; commit: Oid; change: BrowseChange}

/** Something loaded: absent while loading, or the error it failed with. */
export type Loaded<T> = {state: 'loading'} | {state: 'ok'; value: T} | {state: 'error'; message: string}

export interface ListState {
  sel: number
  filter: string
}

export interface ScrollState {
  top: number
  left: number
}

export interface BrowseState {
  focus: PaneId
  overlays: Overlay[]
  help: boolean
  /** The filter being typed (`/`), for the list in focus. */
  input: string | null
  refs: Loaded<BrowseRef[]> & ListState
  /** The revision whose history is listed (a full ref name when picked in the refs pane), its name as shown, and how many commits to load. */
  logRev: string
  logLabel: string
  logLimit: number
  log: Loaded<{commits: BrowseCommit[]; more: boolean}> & ListState
  treeDir: string
  tree: Loaded<BrowseTreeEntry[]> & ListState
  detailTop: number
  preview: Loaded<Preview> & ScrollState
  changes: Loaded<BrowseChanges> & ListState
  fileDiff: Loaded<FileDiff> & ScrollState
  message: string | null
}

export const LOG_PAGE = 1000

export function initialState(start: string): BrowseState {
  const list = {state: 'loading' as const, sel: 0, filter: ''}
  const scroll = {state: 'loading' as const, top: 0, left: 0}
  return {
    focus: 'log',
    overlays: [],
    help: false,
    input: null,
    refs: {...list},
    logRev: start,
    logLabel: start,
    logLimit: LOG_PAGE,
    log: {...list},
    treeDir: '',
    tree: {...list},
    detailTop: 0,
    preview: {...scroll},
    changes: {...list},
    fileDiff: {...scroll},
    message: null,
  }
}

// ---- what the lists show (filtered) ---------------------------------------------------------------

const has = (hay: string, needle: string): boolean => hay.toLowerCase().includes(needle.toLowerCase())

export function visibleRefs(s: BrowseState): BrowseRef[] {
  if (s.refs.state !== 'ok') return []
  return s.refs.filter ? s.refs.value.filter((r) => has(r.name, s.refs.filter)) : s.refs.value
}

export function visibleCommits(s: BrowseState): BrowseCommit[] {
  if (s.log.state !== 'ok') return []
  const f = s.log.filter
  if (!f) return s.log.value.commits
  return s.log.value.commits.filter((c) => c.id.startsWith(f.toLowerCase()) || has(c.message, f) || has(c.authorName, f) || has(c.authorEmail, f) || c.refs.some((r) => has(r, f)))
}

export function visibleEntries(s: BrowseState): BrowseTreeEntry[] {
  if (s.tree.state !== 'ok') return []
  return s.tree.filter ? s.tree.value.filter((e) => has(e.name, s.tree.filter)) : s.tree.value
}

export function visibleChanges(s: BrowseState): BrowseChange[] {
  if (s.changes.state !== 'ok') return []
  const f = s.changes.filter
  return f ? s.changes.value.changes.filter((c) => has(c.path, f) || (c.oldPath !== undefined && has(c.oldPath, f))) : s.changes.value.changes
}

export function selectedCommit(s: BrowseState): BrowseCommit | undefined {
  return visibleCommits(s)[s.log.sel]
}

export function selectedEntry(s: BrowseState): BrowseTreeEntry | undefined {
  return visibleEntries(s)[s.tree.sel]
}

export function selectedRef(s: BrowseState): BrowseRef | undefined {
  return visibleRefs(s)[s.refs.sel]
}

export function selectedChange(s: BrowseState): BrowseChange | undefined {
  return visibleChanges(s)[s.changes.sel]
}

export function topOverlay(s: BrowseState): Overlay | undefined {
  return s.overlays[s.overlays.length - 1]
}

/** Which list a `/` filters: the one in focus, or the changes view. */
export type FilterTarget = 'refs' | 'log' | 'tree' | 'changes'

export function filterTarget(s: BrowseState): FilterTarget | null {
  const o = topOverlay(s)
  if (o) return o.kind === 'changes' ? 'changes' : null
  return s.focus === 'detail' ? null : s.focus
}

// ---- keys -----------------------------------------------------------------------------------------

/** The keys a terminal sent, as Ink reports them (only what we use). */
export interface KeyPress {
  input: string
  upArrow?: boolean
  downArrow?: boolean
  leftArrow?: boolean
  rightArrow?: boolean
  pageUp?: boolean
  pageDown?: boolean
  home?: boolean
  end?: boolean
  return?: boolean
  escape?: boolean
  tab?: boolean
  shift?: boolean
  backspace?: boolean
  delete?: boolean
  ctrl?: boolean
}

export interface KeyResult {
  state: BrowseState
  quit?: boolean
}

/** Rows a page key moves, given by the container from the layout. */
export interface Viewport {
  listRows: number
  /** Rows of a full-screen view (preview, diff, changes) under its title, and its width inside the border. */
  pageRows: number
  pageColumns: number
  /** Rows the detail pane shows, and how many lines its content has in a given state (what it shows depends on the focus, which earlier keys of the same chunk may have moved). */
  detailRows: number
  detailLength(s: BrowseState): number
}

type Move = 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom'

function moveOf(k: KeyPress): Move | null {
  if (k.upArrow || k.input === 'k') return 'up'
  if (k.downArrow || k.input === 'j') return 'down'
  if (k.pageUp || (k.ctrl && k.input === 'b') || (k.ctrl && k.input === 'u')) return 'pageUp'
  if (k.pageDown || k.input === ' ' || (k.ctrl && k.input === 'f') || (k.ctrl && k.input === 'd')) return 'pageDown'
  if (k.home || k.input === 'g') return 'top'
  if (k.end || k.input === 'G') return 'bottom'
  return null
}

function moved(pos: number, move: Move, total: number, page: number): number {
  const last = Math.max(0, total - 1)
  const p = move === 'up' ? pos - 1 : move === 'down' ? pos + 1 : move === 'pageUp' ? pos - page : move === 'pageDown' ? pos + page : move === 'top' ? 0 : last
  return Math.max(0, Math.min(last, p))
}

const parentDir = (dir: string): string => (dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '')

export function onKey(s: BrowseState, k: KeyPress, vp: Viewport): KeyResult {
  if (k.ctrl && k.input === 'c') return {state: s, quit: true}
  if (s.input !== null) return {state: onFilterKey(s, k)}
  if (s.help) {
    if (k.input === 'q') return {state: s, quit: true}
    return {state: {...s, help: false}}
  }
  if (k.input === 'q') return {state: s, quit: true}
  if (k.input === '?') return {state: {...s, help: true}}
  const cleared = s.message ? {...s, message: null} : s
  if (k.input === '/') return filterTarget(s) ? {state: {...cleared, input: currentFilter(s) ?? ''}} : {state: {...cleared, message: 'Nothing to filter here: / filters refs, commits, paths and changes.'}}
  const o = topOverlay(s)
  return {state: followCommit(s, o ? onOverlayKey(cleared, o, k, vp) : onPaneKey(cleared, k, vp))}
}

function currentFilter(s: BrowseState): string | null {
  const t = filterTarget(s)
  return t ? s[t].filter : null
}

function withFilter(s: BrowseState, text: string): BrowseState {
  const t = filterTarget(s)
  if (!t) return s
  return {...s, [t]: {...s[t], filter: text, sel: 0}} as BrowseState
}

function onFilterKey(s: BrowseState, k: KeyPress): BrowseState {
  const text = s.input ?? ''
  if (k.escape) return {...withFilter(s, ''), input: null}
  if (k.return) return {...s, input: null}
  if (k.backspace || k.delete) return {...withFilter(s, text.slice(0, -1)), input: text.slice(0, -1)}
  if (k.ctrl || k.tab || k.upArrow || k.downArrow || k.leftArrow || k.rightArrow || !k.input) return s
  // Filter as you type: the list narrows with every key.
  // Only what `clean` leaves alone: the filter is echoed in the status line and pane titles.
  const next = text + [...k.input].filter((ch) => ch !== '\t' && clean(ch) === ch).join('')
  return {...withFilter(s, next), input: next}
}

function onPaneKey(s: BrowseState, k: KeyPress, vp: Viewport): BrowseState {
  if (k.tab) {
    const i = PANES.indexOf(s.focus)
    return {...s, focus: PANES[(i + (k.shift ? PANES.length - 1 : 1)) % PANES.length]!}
  }
  if (k.escape) {
    const t = filterTarget(s)
    if (t && s[t].filter) return withFilter(s, '')
    if (s.focus === 'tree' && s.treeDir) return {...s, treeDir: parentDir(s.treeDir), tree: {state: 'loading', sel: 0, filter: ''}}
    return s
  }
  const mv = moveOf(k)
  const commit = selectedCommit(s)
  if (k.input === 'd') {
    if (!commit) return s
    return {...s, overlays: [...s.overlays, {kind: 'changes', commit: commit.id}], changes: {state: 'loading', sel: 0, filter: ''}}
  }
  switch (s.focus) {
    case 'refs': {
      if (mv) return {...s, refs: {...s.refs, sel: moved(s.refs.sel, mv, visibleRefs(s).length, vp.listRows)}}
      const ref = selectedRef(s)
      // The full ref name: a tag and a branch may share a short name.
      if ((k.return || k.rightArrow || k.input === 'l') && ref) return {...s, logRev: fullRef(ref), logLabel: ref.name, logLimit: LOG_PAGE, log: {state: 'loading', sel: 0, filter: ''}, focus: 'log'}
      return s
    }
    case 'log': {
      if (mv) {
        const total = visibleCommits(s).length
        const sel = moved(s.log.sel, mv, total, vp.listRows)
        // At the end of what is loaded, load the next page.
        const more = s.log.state === 'ok' && s.log.value.more && sel === total - 1 && (mv === 'down' || mv === 'pageDown' || mv === 'bottom') && !s.log.filter
        return {...s, log: {...s.log, sel}, detailTop: 0, logLimit: more ? s.logLimit + LOG_PAGE : s.logLimit}
      }
      if ((k.return || k.rightArrow || k.input === 'l') && commit) return {...s, focus: 'tree'}
      return s
    }
    case 'tree': {
      if (mv) return {...s, tree: {...s.tree, sel: moved(s.tree.sel, mv, visibleEntries(s).length, vp.listRows)}, detailTop: 0}
      const e = selectedEntry(s)
      if ((k.leftArrow || k.input === 'h' || k.backspace || k.delete) && s.treeDir) return {...s, treeDir: parentDir(s.treeDir), tree: {state: 'loading', sel: 0, filter: ''}}
      if (!e || !commit) return s
      if (e.kind === 'dir' && (k.return || k.rightArrow || k.input === 'l')) return {...s, treeDir: e.path, tree: {state: 'loading', sel: 0, filter: ''}}
      if (e.kind !== 'dir' && k.return) return openPreview(s, commit.id, e.path)
      return s
    }
    case 'detail': {
      if (mv) return {...s, detailTop: moved(s.detailTop, mv, Math.max(1, vp.detailLength(s) - vp.detailRows + 1), vp.detailRows)}
      return s
    }
  }
}

function openPreview(s: BrowseState, commit: Oid, path: string): BrowseState {
  return {...s, overlays: [...s.overlays, {kind: 'preview', commit, path}], preview: {state: 'loading', top: 0, left: 0}}
}

function closeOverlay(s: BrowseState): BrowseState {
  return {...s, overlays: s.overlays.slice(0, -1)}
}

function onOverlayKey(s: BrowseState, o: Overlay, k: KeyPress, vp: Viewport): BrowseState {
  const mv = moveOf(k)
  const back = k.escape || k.backspace || k.delete
  if (o.kind === 'changes') {
    if (back) return s.changes.filter ? withFilter(s, '') : closeOverlay(s)
    if (mv) return {...s, changes: {...s.changes, sel: moved(s.changes.sel, mv, visibleChanges(s).length, vp.pageRows)}}
    const c = selectedChange(s)
    if ((k.return || k.rightArrow || k.input === 'l') && c) {
      if (c.kind === 'dir') return s
      return {...s, overlays: [...s.overlays, {kind: 'filediff', commit: o.commit, change: c}], fileDiff: {state: 'loading', top: 0, left: 0}}
    }
    if (k.input === 'p' && c && c.status !== 'D') return openPreview(s, o.commit, c.path)
    return s
  }
  const key = o.kind === 'preview' ? 'preview' : 'fileDiff'
  const view = s[key]
  if (back) return closeOverlay(s)
  if (mv) {
    const total = scrollLength(s, o)
    const rows = bodyRows(s, o, vp.pageRows)
    return {...s, [key]: {...view, top: moved(view.top, mv, Math.max(1, total - rows + 1), rows)}} as BrowseState
  }
  const step = isTable(s, o) ? 1 : 8
  if (k.leftArrow || k.input === 'h') return {...s, [key]: {...view, left: Math.max(0, view.left - step)}} as BrowseState
  if (k.rightArrow || k.input === 'l') return {...s, [key]: {...view, left: Math.min(view.left + step, maxLeft(s, o, vp.pageColumns))}} as BrowseState
  if (k.input === '0') return {...s, [key]: {...view, left: 0}} as BrowseState
  return s
}

function isTable(s: BrowseState, o: Overlay): boolean {
  if (o.kind === 'preview') return s.preview.state === 'ok' && s.preview.value.kind === 'table'
  return s.fileDiff.state === 'ok' && s.fileDiff.value.kind === 'rows'
}

/** How many lines the overlay's content has (for scrolling to the end). */
export function scrollLength(s: BrowseState, o: Overlay): number {
  if (o.kind === 'preview') {
    if (s.preview.state !== 'ok') return 0
    const p = s.preview.value
    return p.kind === 'table' ? p.rows.length : p.kind === 'json' || p.kind === 'text' ? p.lines.length : p.kind === 'binary' || p.kind === 'image' ? p.hex.length : 1
  }
  if (o.kind === 'filediff') {
    if (s.fileDiff.state !== 'ok') return 0
    const d = s.fileDiff.value
    return d.kind === 'lines' ? d.hunks.reduce((n, h) => n + h.lines.length + 1, 0) : d.kind === 'rows' ? d.rows.length : 1
  }
  return 0
}

/**
 * Content rows a full-screen view shows in `pageRows` (format.ts draws them): a preview's header line
 * and note, a table's header and rule, a diff's summary line.
 */
export function bodyRows(s: BrowseState, o: Overlay, pageRows: number): number {
  let extra = 0
  if (o.kind === 'preview' && s.preview.state === 'ok') extra = 1 + (s.preview.value.note ? 1 : 0) + (s.preview.value.kind === 'table' ? 2 : 0)
  if (o.kind === 'filediff' && s.fileDiff.state === 'ok') extra = 1 + (s.fileDiff.value.kind === 'rows' ? 2 : 0)
  return Math.max(1, pageRows - extra)
}

/** Lines measured for the sideways limit: enough for any screen, bounded for a huge file. */
const MEASURED_LINES = 5000
/** Measured once per loaded preview or diff, not on every key. */
const widestCache = new WeakMap<object, number>()
const widest = (owner: object, lines: () => Iterable<string>): number => {
  const known = widestCache.get(owner)
  if (known !== undefined) return known
  let w = 0
  let n = 0
  for (const l of lines()) {
    if (n++ >= MEASURED_LINES) break
    w = Math.max(w, width(clean(l)))
  }
  widestCache.set(owner, w)
  return w
}

/** How far right a view scrolls: in columns for tables; for text, until the widest line's end is in view. */
function maxLeft(s: BrowseState, o: Overlay, columns: number): number {
  if (o.kind === 'preview' && s.preview.state === 'ok') {
    const p = s.preview.value
    if (p.kind === 'table') return Math.max(0, p.columns.length - 1)
    if (p.kind === 'text' || p.kind === 'json') return Math.max(0, widest(p, () => p.lines) - (columns - textGutter(p.lines.length)))
  }
  if (o.kind === 'filediff' && s.fileDiff.state === 'ok') {
    const d = s.fileDiff.value
    if (d.kind === 'rows') return Math.max(0, d.columns.length - 1)
    if (d.kind === 'lines') return Math.max(0, widest(d, () => d.hunks.flatMap((h) => h.lines.map((l) => l.text))) - (columns - diffGutter(d)))
  }
  return 0
}

function fullRef(r: BrowseRef): string {
  return `refs/${r.kind === 'tag' ? 'tags' : r.kind === 'remote' ? 'remotes' : 'heads'}/${r.name}`
}

// ---- loading results -----------------------------------------------------------------------------

export type Loadable = 'refs' | 'log' | 'tree' | 'preview' | 'changes' | 'fileDiff'

/** Stores what a load returned, keeping the list's selection in range. */
export function loaded<K extends Loadable>(s: BrowseState, key: K, result: {value: unknown} | {error: string}): BrowseState {
  const prev = s[key] as unknown as Record<string, unknown>
  const next = 'error' in result ? {...prev, state: 'error', message: result.error} : {...prev, state: 'ok', value: result.value}
  let out = {...s, [key]: next} as BrowseState
  const count = key === 'refs' ? visibleRefs(out).length : key === 'log' ? visibleCommits(out).length : key === 'tree' ? visibleEntries(out).length : key === 'changes' ? visibleChanges(out).length : null
  const list = out[key as 'refs' | 'log' | 'tree' | 'changes']
  if (count !== null && list.sel >= count) out = {...out, [key]: {...list, sel: Math.max(0, count - 1)}} as BrowseState
  return followCommit(s, out)
}

/**
 * After any change of state: when another commit is selected, its tree starts loading afresh
 * (from the top), so the old commit's entries never show under the new commit's id.
 */
export function followCommit(prev: BrowseState, next: BrowseState): BrowseState {
  if (selectedCommit(prev)?.id === selectedCommit(next)?.id) return next
  // The step itself set the tree (a directory opened, a load stored): keep what it set.
  if (next.tree !== prev.tree) return next
  return {...next, tree: {state: 'loading', sel: 0, filter: next.tree.filter}}
}
