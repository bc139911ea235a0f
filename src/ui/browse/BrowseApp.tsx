/**
 * `bl browse`: the one stateful container. It keeps BrowseState (state.ts decides what keys do),
 * loads what the state names from the BrowseSource it is given, and lays out the panes.
 */
import React, {useEffect, useMemo, useReducer, useRef, useState} from 'react'
import {Box, Text, useApp, useInput, useStdout} from 'ink'
import type {BrowseCommit, BrowseSource} from '../../core/browse/types.js'
import type {SignatureVerification} from '../../core/signing/verify.js'
import {renderGraph} from '../graph.js'
import {browseLayout, listRows, MIN_COLUMNS, MIN_ROWS} from './layout.js'
import {changeRow, commitDetail, commitRow, entryDetail, entryRow, fileDiffLines, previewLines, refDetail, refRow, type Line, type SigState} from './format.js'
import {HelpOverlay} from './HelpOverlay.js'
import {Pane} from './Pane.js'
import {
  filterTarget,
  initialState,
  loaded,
  onKey,
  selectedCommit,
  selectedEntry,
  selectedRef,
  topOverlay,
  visibleChanges,
  visibleCommits,
  visibleEntries,
  visibleRefs,
  type BrowseState,
  type KeyPress,
  type Loadable,
  type Viewport,
} from './state.js'
import {clean, fit} from '../text.js'

export interface BrowseAppProps {
  source: BrowseSource
  /** What the user asked for (`bl browse <rev>`), shown in the status line. */
  label?: string
  onQuit?: () => void
}

type Action = {type: 'key'; key: KeyPress; vp: Viewport} | {type: 'loaded'; key: Loadable; result: {value: unknown} | {error: string}; stamp: string} | {type: 'set'; patch: Partial<BrowseState>}

/** The terminal's size, following resizes. */
function useTerminalSize(): {columns: number; rows: number} {
  const {stdout} = useStdout()
  const read = (): {columns: number; rows: number} => ({columns: stdout.columns || 80, rows: stdout.rows || 24})
  const [size, setSize] = useState(read)
  useEffect(() => {
    const onResize = (): void => setSize(read())
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout])
  return size
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

export function BrowseApp({source, label, onQuit}: BrowseAppProps): React.JSX.Element {
  const {exit} = useApp()
  const {columns, rows} = useTerminalSize()
  const layout = browseLayout(columns, rows)
  const quitRef = useRef(false)
  const [s, dispatch] = useReducer((st: BrowseState, a: Action): BrowseState => {
    if (a.type === 'set') return {...st, ...a.patch}
    if (a.type === 'loaded') return stampOf(st, a.key) === a.stamp ? loaded(st, a.key, a.result) : st
    const r = onKey(st, a.key, a.vp)
    if (!r.quit) return r.state
    // A new object, so React renders again and the effect below exits.
    quitRef.current = true
    return {...r.state}
  }, source.start, initialState)
  const [sigs, setSigs] = useState<Map<string, SigState>>(() => new Map())

  const commit = selectedCommit(s)
  // Keys are handled against the newest state, which may be ahead of this render: read signatures through a ref.
  const sigsRef = useRef(sigs)
  sigsRef.current = sigs
  const vp: Viewport = {
    listRows: listRows(layout.log),
    pageRows: Math.max(1, layout.body.height - 3),
    pageColumns: Math.max(1, layout.body.width - 2),
    detailRows: listRows(layout.detail),
    detailLength: (st) => detailLines(st, selectedCommit(st), sigsRef.current).length,
  }
  useInput((input, key) => {
    for (const k of splitKeys(input, key)) dispatch({type: 'key', key: k, vp})
  })
  useEffect(() => {
    if (!quitRef.current) return
    onQuit?.()
    exit()
  })

  /** Runs a load and stores its result, unless the state moved on to something else meanwhile. */
  const load = (key: Loadable, stamp: string, run: () => Promise<unknown>): (() => void) => {
    let live = true
    run().then(
      (value) => live && dispatch({type: 'loaded', key, result: {value}, stamp}),
      (e: unknown) => live && dispatch({type: 'loaded', key, result: {error: message(e)}, stamp}),
    )
    return () => {
      live = false
    }
  }

  useEffect(() => load('refs', stampOf(s, 'refs'), () => source.refs()), [])
  useEffect(() => load('log', stampOf(s, 'log'), () => source.log(s.logRev, s.logLimit)), [s.logRev, s.logLimit])
  useEffect(() => {
    if (!commit) return
    return load('tree', stampOf(s, 'tree'), () => source.tree(commit.id, s.treeDir))
  }, [commit?.id, s.treeDir])
  // A directory the newly selected commit lacks: back to its root.
  useEffect(() => {
    if (s.tree.state === 'error' && s.treeDir) dispatch({type: 'set', patch: {treeDir: '', tree: {state: 'loading', sel: 0, filter: ''}}})
  }, [s.tree.state])
  const overlay = topOverlay(s)
  useEffect(() => {
    if (overlay?.kind === 'preview') return load('preview', stampOf(s, 'preview'), () => source.preview(overlay.commit, overlay.path))
    if (overlay?.kind === 'changes') return load('changes', stampOf(s, 'changes'), () => source.changes(overlay.commit))
    if (overlay?.kind === 'filediff') return load('fileDiff', stampOf(s, 'fileDiff'), () => source.fileDiff(overlay.commit, overlay.change))
    return undefined
  }, [overlay])
  // Signatures are checked for the selected commit only (it loads the keyring and runs OpenPGP).
  useEffect(() => {
    if (!commit?.signed || sigs.has(commit.id)) return
    const id = commit.id
    setSigs((m) => new Map(m).set(id, 'checking'))
    source.signature(id).then(
      (v: SignatureVerification) => setSigs((m) => new Map(m).set(id, v)),
      (e: unknown) => setSigs((m) => new Map(m).set(id, {status: 'bad', keyId: null, fingerprint: null, signingKey: null, userId: null, created: null, keyExpires: null, keyRevocation: null, reason: message(e), notes: []} satisfies SignatureVerification)),
    )
  }, [commit?.id])

  const commits = visibleCommits(s)
  const graph = useMemo(() => renderGraph(commits.map((c) => ({id: c.id, parents: c.edges}))).map((g) => g.commit), [commits])

  if (layout.tooSmall) {
    return <Text color="yellow">{fit(`Terminal too small (${columns}x${rows}); bl browse needs ${MIN_COLUMNS}x${MIN_ROWS}. q quits.`, Math.max(1, columns))}</Text>
  }

  const status = statusLine(s, label ?? s.logRev, layout.width)
  let body: React.JSX.Element
  if (s.help) body = <HelpOverlay width={layout.body.width} height={layout.body.height} />
  else if (overlay) body = overlayPane(s, overlay, layout.body.width, layout.body.height)
  else {
    const inner = (w: number): number => Math.max(1, w - 2)
    const refs = visibleRefs(s)
    const entries = visibleEntries(s)
    const detail = detailLines(s, commit, sigs)
    const treeTitle = `Tree ${commit ? commit.id.slice(0, 8) : ''}:/${clean(s.treeDir)}${s.tree.filter ? `  /${s.tree.filter}` : ''}`
    body = (
      <Box flexDirection="column">
        <Box>
          <Pane title={`Refs${s.refs.filter ? `  /${s.refs.filter}` : ''}`} width={layout.refs.width} height={layout.refs.height} focused={s.focus === 'refs'} lines={{count: refs.length, at: (i) => ({text: refRow(refs[i]!, inner(layout.refs.width)), color: refs[i]!.kind === 'tag' ? 'yellow' : refs[i]!.kind === 'remote' ? 'red' : refs[i]!.current ? 'green' : undefined})}} selected={s.refs.sel} status={listStatus(s.refs, refs.length, 'no refs')} />
          <Pane title={`Commits ${clean(s.logRev === source.start ? (label ?? 'HEAD') : s.logLabel)}${s.log.state === 'ok' ? ` (${commits.length}${s.log.value.more ? '+' : ''})` : ''}${s.log.filter ? `  /${s.log.filter}` : ''}`} width={layout.log.width} height={layout.log.height} focused={s.focus === 'log'} lines={{count: commits.length, at: (i) => ({text: commitRow(commits[i]!, graph[i] ?? '', sigs.get(commits[i]!.id), inner(layout.log.width))})}} selected={s.log.sel} status={listStatus(s.log, commits.length, s.log.filter ? 'no commit matches' : 'no commits')} />
        </Box>
        <Box>
          <Pane title={treeTitle} width={layout.tree.width} height={layout.tree.height} focused={s.focus === 'tree'} lines={{count: entries.length, at: (i) => ({text: entryRow(entries[i]!, inner(layout.tree.width)), color: entries[i]!.kind === 'dir' ? 'blue' : entries[i]!.kind === 'symlink' ? 'cyan' : undefined})}} selected={s.tree.sel} status={commit ? listStatus(s.tree, entries.length, s.tree.filter ? 'no path matches' : 'empty directory') : {empty: 'no commit selected'}} />
          <Pane title="Detail" width={layout.detail.width} height={layout.detail.height} focused={s.focus === 'detail'} lines={detail.map((l) => ({...l, text: fit(l.text, inner(layout.detail.width))}))} top={Math.min(s.detailTop, Math.max(0, detail.length - 1))} />
        </Box>
      </Box>
    )
  }
  return (
    <Box flexDirection="column" width={layout.width} height={layout.height}>
      {body}
      <Text wrap="truncate" inverse={s.input !== null} color={s.message ? 'yellow' : undefined}>
        {status}
      </Text>
    </Box>
  )
}

/**
 * Ink hands over a chunk of typed text (fast typing, a paste, keys a multiplexer sends together)
 * as one input: each character is a key of its own, Enter, Tab and Backspace included.
 */
export function splitKeys(input: string, key: Omit<KeyPress, 'input'> & Record<string, unknown>): KeyPress[] {
  const chars = [...input]
  const flagged = Object.entries(key).some(([, v]) => v === true)
  if (chars.length <= 1 || flagged) return [{...key, input}]
  return chars.map((ch): KeyPress => {
    if (ch === '\r' || ch === '\n') return {input: '', return: true}
    if (ch === '\t') return {input: '', tab: true}
    if (ch === '\x7f' || ch === '\b') return {input: '', backspace: true}
    const code = ch.charCodeAt(0)
    if (code < 0x20) return {input: String.fromCharCode(code + 0x60), ctrl: true}
    return {input: ch}
  })
}

/** What identifies the thing a load is for: a result for anything else is dropped. */
function stampOf(s: BrowseState, key: Loadable): string {
  const o = topOverlay(s)
  switch (key) {
    case 'refs':
      return 'refs'
    case 'log':
      return `${s.logRev}\0${s.logLimit}`
    case 'tree':
      return `${selectedCommit(s)?.id}\0${s.treeDir}`
    case 'preview':
      return o?.kind === 'preview' ? `${o.commit}\0${o.path}` : ''
    case 'changes':
      return o?.kind === 'changes' ? o.commit : ''
    case 'fileDiff':
      return o?.kind === 'filediff' ? `${o.commit}\0${o.change.path}` : ''
  }
}

function listStatus(l: BrowseState['refs'] | BrowseState['log'] | BrowseState['tree'] | BrowseState['changes'], n: number, empty: string): {loading: true} | {error: string} | {empty: string} | undefined {
  if (l.state === 'loading') return {loading: true}
  if (l.state === 'error') return {error: l.message}
  return n === 0 ? {empty} : undefined
}

function overlayPane(s: BrowseState, o: NonNullable<ReturnType<typeof topOverlay>>, width: number, height: number): React.JSX.Element {
  const inner = Math.max(1, width - 2)
  const rows = Math.max(1, height - 3)
  if (o.kind === 'changes') {
    const list = visibleChanges(s)
    const title = s.changes.state === 'ok' ? `Changes of ${o.commit.slice(0, 8)} against ${s.changes.value.parent ? s.changes.value.parent.slice(0, 8) : 'nothing (root commit)'}: ${list.length} path${list.length === 1 ? '' : 's'}${s.changes.filter ? `  /${s.changes.filter}` : ''}` : `Changes of ${o.commit.slice(0, 8)}`
    return <Pane title={title} width={width} height={height} focused lines={{count: list.length, at: (i) => changeRow(list[i]!, inner)}} selected={s.changes.sel} status={listStatus(s.changes, list.length, s.changes.filter ? 'no path matches' : 'no changes')} />
  }
  if (o.kind === 'preview') {
    const p = s.preview
    const lines = p.state === 'ok' ? previewLines(p.value, p.top, p.left, rows, inner) : []
    return <Pane title={`Preview ${o.commit.slice(0, 8)}:${o.path}`} width={width} height={height} focused lines={lines} status={p.state === 'loading' ? {loading: true} : p.state === 'error' ? {error: p.message} : undefined} />
  }
  const d = s.fileDiff
  const lines = d.state === 'ok' ? fileDiffLines(d.value, d.top, d.left, rows, inner) : []
  return <Pane title={`Diff ${o.commit.slice(0, 8)}:${o.change.path}`} width={width} height={height} focused lines={lines} status={d.state === 'loading' ? {loading: true} : d.state === 'error' ? {error: d.message} : undefined} />
}

/** What the detail pane shows: the ref or path in focus, else the selected commit. */
function detailLines(s: BrowseState, commit: BrowseCommit | undefined, sigs: Map<string, SigState>): Line[] {
  const ref = selectedRef(s)
  const entry = selectedEntry(s)
  return s.focus === 'refs' && ref ? refDetail(ref) : s.focus === 'tree' && entry ? entryDetail(entry) : commit ? commitDetail(commit, sigs.get(commit.id)) : []
}

function statusLine(s: BrowseState, label: string, w: number): string {
  if (s.input !== null) return fit(`/${clean(s.input)}`, w)
  if (s.message) return fit(clean(s.message), w)
  const o = topOverlay(s)
  const hint = o ? (o.kind === 'changes' ? 'Enter diff  p preview  / filter  Esc back' : 'j/k scroll  h/l sideways  Esc back') : `Tab pane  Enter open  d diff  ${filterTarget(s) ? '/ filter  ' : ''}? help  q quit`
  return fit(`bl browse ${clean(label)}  |  ${hint}`, w)
}
