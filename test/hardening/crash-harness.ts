/**
 * Crash-consistency harness (issue 9). For each command (commit, checkout, merge, push, fetch, gc)
 * a template repository is built once, in-process, and copied per trial. The real binary
 * (bin/run.js) runs on the copy and is SIGKILLed after a delay drawn from a seeded PRNG over the
 * command's measured duration (also at 0 and after its end). Then, in-process (fast): the
 * repository opens, fsck (SQLite integrity_check, every hash, reachability) is clean, HEAD and every
 * ref name a commit whose whole closure is stored, refs and index are the old or the new state,
 * the work tree holds at every path its old or its new version (and all of the new one once HEAD
 * moved), and every ref of the remote points at a commit whose closure is in published packs.
 * Every `fsckEvery`-th trial also runs the real `bl fsck`. Finally the same command is run again
 * and must exit 0 and leave exactly the state of an uninterrupted run.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'
import {BIN, collect, inheritedEnv, makeTmp, rmrf, type RunResult} from '../integration/helpers.ts'
import type {Context} from '../../src/core/context.ts'
import {EMPTY_OID, type Oid} from '../../src/core/hash.ts'
import {commitId, decodeCommit, encodeCommit, type Commit} from '../../src/core/objects/commit.ts'
import {decodeBlob} from '../../src/core/objects/blob.ts'
import {readTreeEntries} from '../../src/core/objects/tree.ts'
import {loadBlob, loadCommit, loadTree} from '../../src/core/odb.ts'
import {add} from '../../src/core/ops/add.ts'
import {restore, switchTo} from '../../src/core/ops/checkout.ts'
import {commit} from '../../src/core/ops/commit.ts'
import {init} from '../../src/core/ops/init.ts'
import {fsck} from '../../src/core/ops/maintenance.ts'
import {remoteAdd} from '../../src/core/ops/remote.ts'
import {clone, push} from '../../src/core/ops/sync.ts'
import {readHead} from '../../src/core/refs/refs.ts'
import {decodeIdx, entryBytes, type IdxEntry} from '../../src/core/remote/pack.ts'
import {listRemoteRefs} from '../../src/core/remote/remote-repo.ts'
import {DirTransport} from '../../src/core/remote/dir-transport.ts'
import {openRepo, type Repo} from '../../src/core/repo.ts'
import {writeTree} from '../../src/core/tree-build.ts'
import {isTempName} from '../../src/core/worktree/temp-files.ts'

export const COMMANDS = ['commit', 'checkout', 'merge', 'push', 'fetch', 'gc'] as const
export type CommandName = (typeof COMMANDS)[number]

export interface HarnessOptions {
  seed: string
  trialsPerCommand: number
  /** 'small': a few tiny files (npm test); 'large': more and bigger files, longer commands (BL_STRESS). */
  size: 'small' | 'large'
  /** Trials run side by side (each in its own copy). */
  jobs: number
  /** Every n-th trial of a command also runs the real `bl fsck`. */
  fsckEvery: number
  commands?: readonly CommandName[]
  log?(line: string): void
  onTrial?(r: TrialRecord): void
}

export interface TrialRecord {
  command: CommandName
  trial: number
  /** When the kill was due, e.g. `41 ms after work` (start of work) or `0 ms after spawn`. */
  kill: string
  /** Index of the step that was killed; null when the run finished before the kill. */
  killedStep: number | null
  /** What the kill left: `before`, `after`, or `mid:<parts changed>` (e.g. `mid:worktree`). */
  phase: string
  problems: string[]
}

export interface CommandSummary {
  command: CommandName
  trials: number
  killed: number
  survived: number
  failures: TrialRecord[]
  phases: Record<string, number>
  /** Each step's work (start of work to exit), median of the last full runs. */
  workMs: number[]
  wallMs: number
}

export interface HarnessResult {
  seed: string
  wallMs: number
  summaries: CommandSummary[]
}

// ---- the environment every bl process (and in-process op) gets --------------------------------

/** A fixed date: commits made by the killed run, the re-run and the calibration run are identical. */
const DATE = '1700000000 +0000'
const IDENTITY = {BL_AUTHOR_NAME: 'Crash Harness', BL_AUTHOR_EMAIL: 'crash@example.com', BL_AUTHOR_DATE: DATE}

function childEnv(configDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = inheritedEnv()
  for (const k of Object.keys(env)) if (k.startsWith('BL_')) delete env[k]
  return {...env, ...IDENTITY, BL_CONFIG_DIR: configDir}
}

function context(cwd: string, configDir: string): Context {
  let clock = 1_700_000_000_000
  return {cwd, env: {...IDENTITY}, userConfigDir: configDir, now: () => new Date((clock += 1000))}
}

function withRepo<T>(dir: string, configDir: string, fn: (repo: Repo) => T): T {
  const repo = openRepo(context(dir, configDir))
  try {
    return fn(repo)
  } finally {
    repo.close()
  }
}

async function withRepoA<T>(dir: string, configDir: string, fn: (repo: Repo) => Promise<T>): Promise<T> {
  const repo = openRepo(context(dir, configDir))
  try {
    return await fn(repo)
  } finally {
    repo.close()
  }
}

function bl(args: string[], cwd: string, env: NodeJS.ProcessEnv): {child: ReturnType<typeof spawn>; done: Promise<RunResult>} {
  const child = spawn(process.execPath, [BIN, ...args], {cwd, env, stdio: ['ignore', 'pipe', 'pipe']})
  return {child, done: collect(child)}
}

// ---- deterministic randomness ------------------------------------------------------------------

/** mulberry32, seeded from a string: the same seed draws the same kill points. */
export function seededRandom(seed: string): () => number {
  let a = crypto.createHash('sha256').update(seed).digest().readUInt32LE(0)
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function content(tag: string, bytes: number): Buffer {
  const key = crypto.createHash('sha256').update(tag).digest().subarray(0, 16)
  const c = crypto.createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  return Buffer.concat([c.update(Buffer.alloc(bytes)), c.final()])
}

// ---- fixtures ----------------------------------------------------------------------------------

interface Fixture {
  /** The template: `repo/` (the work tree bl runs in), maybe `remote/`, `cfg/`. */
  dir: string
}

interface Scenario {
  name: CommandName
  /** bl invocations run one after the other (the kill may land in any of them). */
  steps: string[][]
  /** What re-running means after a kill that left `state` (default: all steps again). */
  rerun?(state: RepoState, before: RepoState): string[][]
  /** Whether the command changes the work tree (and the index with it, atomically with HEAD). */
  movesWorktree: boolean
  hasRemote: boolean
  /** Compare the stored object and chunk sets with the uninterrupted run's (gc). */
  compareObjects: boolean
  build(dir: string, configDir: string, size: HarnessOptions['size']): Promise<void>
}

interface Sizes {
  files: number
  bytes: number
}

const SIZES: Record<HarnessOptions['size'], Sizes> = {
  small: {files: 8, bytes: 300},
  large: {files: 60, bytes: 96 * 1024},
}

function writeFiles(root: string, files: Record<string, Buffer | null>): void {
  for (const [rel, data] of Object.entries(files)) {
    const abs = path.join(root, rel)
    if (data === null) {
      fs.rmSync(abs, {force: true})
      continue
    }
    fs.mkdirSync(path.dirname(abs), {recursive: true})
    fs.writeFileSync(abs, data)
  }
}

/** `n` files spread over a few directories, generation `gen`. */
function generation(prefix: string, gen: string, sz: Sizes, n = sz.files): Record<string, Buffer> {
  const out: Record<string, Buffer> = {}
  for (let i = 0; i < n; i++) out[`${prefix}${i % 3 === 0 ? '' : `d${i % 3}/`}f${i}.bin`] = content(`${prefix}${gen}/${i}`, sz.bytes + i)
  return out
}

async function commitAll(repo: Repo, message: string): Promise<Oid> {
  await add(repo, {paths: [], all: true})
  return (await commit(repo, {message})).id
}

function newRepo(dir: string, configDir: string): Repo {
  fs.mkdirSync(dir, {recursive: true})
  init(context(dir, configDir), {})
  return openRepo(context(dir, configDir))
}

const SCENARIOS: Record<CommandName, Scenario> = {
  commit: {
    name: 'commit',
    steps: [
      ['add', '-A', '-q'],
      ['commit', '-q', '-m', 'next'],
    ],
    // Once HEAD moved, `commit` has nothing left to do (it would fail "nothing to commit", as in Git).
    rerun: (state, before) => (state.refs === before.refs ? SCENARIOS.commit.steps : [['add', '-A', '-q']]),
    movesWorktree: false,
    hasRemote: false,
    compareObjects: false,
    async build(dir, cfg, size) {
      const sz = SIZES[size]
      const repo = newRepo(path.join(dir, 'repo'), cfg)
      try {
        writeFiles(repo.root, generation('', 'g0', sz))
        await commitAll(repo, 'base')
        // Modified, new and deleted files, not yet staged.
        const next: Record<string, Buffer | null> = {...generation('', 'g1', sz, Math.ceil(sz.files / 2)), ...generation('new/', 'g1', sz, Math.ceil(sz.files / 2))}
        next[`f${sz.files - 1 - ((sz.files - 1) % 3)}.bin`] = null
        writeFiles(repo.root, next)
      } finally {
        repo.close()
      }
    },
  },
  checkout: {
    name: 'checkout',
    steps: [['switch', '-q', 'feature']],
    movesWorktree: true,
    hasRemote: false,
    compareObjects: false,
    async build(dir, cfg, size) {
      const sz = SIZES[size]
      const repo = newRepo(path.join(dir, 'repo'), cfg)
      try {
        writeFiles(repo.root, {...generation('', 'g0', sz), ...generation('only-main/', 'g0', sz, 3)})
        await commitAll(repo, 'base')
        await switchTo(repo, {create: 'feature'})
        // Most files differ; a directory goes away, another appears.
        fs.rmSync(path.join(repo.root, 'only-main'), {recursive: true})
        writeFiles(repo.root, {...generation('', 'g1', sz, sz.files - 1), ...generation('only-feature/', 'g1', sz, 3)})
        await commitAll(repo, 'feature work')
        await switchTo(repo, {target: 'main'})
      } finally {
        repo.close()
      }
    },
  },
  merge: {
    name: 'merge',
    steps: [['merge', '-q', 'feature']],
    movesWorktree: true,
    hasRemote: false,
    compareObjects: false,
    async build(dir, cfg, size) {
      const sz = SIZES[size]
      const repo = newRepo(path.join(dir, 'repo'), cfg)
      try {
        writeFiles(repo.root, {...generation('a/', 'g0', sz), ...generation('b/', 'g0', sz)})
        await commitAll(repo, 'base')
        await switchTo(repo, {create: 'feature'})
        // Theirs changes b/ (rewrites, adds, one deletion); ours changes a/: a clean three-way merge.
        writeFiles(repo.root, {...generation('b/', 'g1', sz), ...generation('b/new/', 'g1', sz, 3), 'b/f0.bin': null})
        await commitAll(repo, 'feature work')
        await switchTo(repo, {target: 'main'})
        writeFiles(repo.root, generation('a/', 'g2', sz, Math.ceil(sz.files / 2)))
        await commitAll(repo, 'main work')
      } finally {
        repo.close()
      }
    },
  },
  push: {
    name: 'push',
    steps: [['push', '-q', 'origin', 'main', 'topic']],
    movesWorktree: false,
    hasRemote: true,
    compareObjects: false,
    async build(dir, cfg, size) {
      const sz = SIZES[size]
      const repo = newRepo(path.join(dir, 'repo'), cfg)
      try {
        writeFiles(repo.root, generation('', 'g0', sz))
        await commitAll(repo, 'base')
        remoteAdd(repo, 'origin', path.join(dir, 'remote'))
        await push(repo, {remote: 'origin', refspecs: ['main']})
        // main moves on by two commits; topic is new on the remote.
        writeFiles(repo.root, generation('', 'g1', sz))
        await commitAll(repo, 'second')
        writeFiles(repo.root, generation('more/', 'g2', sz))
        await commitAll(repo, 'third')
        await switchTo(repo, {create: 'topic'})
        writeFiles(repo.root, generation('topic/', 'g3', sz, 3))
        await commitAll(repo, 'topic work')
        await switchTo(repo, {target: 'main'})
      } finally {
        repo.close()
      }
    },
  },
  fetch: {
    name: 'fetch',
    steps: [['fetch', '-q', 'origin']],
    movesWorktree: false,
    hasRemote: true,
    compareObjects: false,
    async build(dir, cfg, size) {
      const sz = SIZES[size]
      const upstream = newRepo(path.join(dir, 'upstream'), cfg)
      try {
        writeFiles(upstream.root, generation('', 'g0', sz))
        await commitAll(upstream, 'base')
        remoteAdd(upstream, 'origin', path.join(dir, 'remote'))
        await push(upstream, {remote: 'origin', refspecs: ['main']})
        await clone(context(dir, cfg), {url: path.join(dir, 'remote'), dir: 'repo'})
        // The remote moves on (main by two commits, a new branch) after the clone.
        writeFiles(upstream.root, generation('', 'g1', sz))
        await commitAll(upstream, 'second')
        writeFiles(upstream.root, generation('more/', 'g2', sz))
        await commitAll(upstream, 'third')
        await switchTo(upstream, {create: 'dev'})
        writeFiles(upstream.root, generation('dev/', 'g3', sz, 3))
        await commitAll(upstream, 'dev work')
        await push(upstream, {remote: 'origin', refspecs: ['main', 'dev']})
      } finally {
        upstream.close()
      }
      rmrf(path.join(dir, 'upstream'))
    },
  },
  gc: {
    name: 'gc',
    steps: [['gc', '-q']],
    movesWorktree: false,
    hasRemote: false,
    compareObjects: true,
    async build(dir, cfg, size) {
      const sz = SIZES[size]
      const repo = newRepo(path.join(dir, 'repo'), cfg)
      try {
        writeFiles(repo.root, generation('', 'g0', sz))
        await commitAll(repo, 'base')
        // Kept and dropped content staged together (so they share segments), then the dropped part
        // unstaged: gc must re-pack the survivors of those segments.
        writeFiles(repo.root, {...generation('', 'g1', sz, Math.ceil(sz.files / 2)), ...generation('junk/', 'gx', sz)})
        await add(repo, {paths: [], all: true})
        await restore(repo, {paths: ['junk'], staged: true})
        fs.rmSync(path.join(repo.root, 'junk'), {recursive: true})
        await commit(repo, {message: 'second'})
        // An unreachable commit and tree (no ref, no reflog entry names it).
        const head = readHead(repo).oid!
        repo.store.transaction(() => {
          const tree = writeTree(repo.store, [{path: 'lost.bin', kind: 'file', exec: false, size: 0, id: EMPTY_OID}])
          const c: Commit = {tree, parents: [head], author: {name: 'x', email: 'x@x', time: 1, tz: 0}, committer: {name: 'x', email: 'x@x', time: 1, tz: 0}, message: 'lost\n', meta: {}}
          repo.store.putObject(commitId(c), 'commit', encodeCommit(c))
        })
      } finally {
        repo.close()
      }
    },
  },
}

// ---- observing a repository --------------------------------------------------------------------

/** Each part serialised (sorted), so states compare by string. */
export interface RepoState {
  refs: string
  index: string
  worktree: string
  operation: string
  objects: string
  remoteRefs: string
  remotePacks: string
  /** Parsed forms for the per-path and per-ref checks. */
  worktreeMap: Map<string, string>
  remoteRefMap: Map<string, string>
  refMap: Map<string, string>
}

const PARTS = ['refs', 'index', 'worktree', 'operation', 'objects', 'remoteRefs', 'remotePacks'] as const

function sha(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex').slice(0, 16)
}

/** path -> kind:exec:content hash, for everything but `.bl/`. */
function worktreeMap(root: string): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (dir: string, rel: string): void => {
    for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
      if (!rel && e.name === '.bl') continue
      const r = rel ? `${rel}/${e.name}` : e.name
      const abs = path.join(dir, e.name)
      if (e.isDirectory()) walk(abs, r)
      else if (e.isSymbolicLink()) out.set(r, `link:${fs.readlinkSync(abs)}`)
      else out.set(r, `file:${fs.statSync(abs).mode & 0o100 ? 'x' : '-'}:${sha(fs.readFileSync(abs))}`)
    }
  }
  walk(root, '')
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)))
}

const ser = (m: Map<string, string>): string => JSON.stringify([...m])

/** A remote directory: its refs, its published packs, and whether every ref's closure is published. */
async function inspectRemote(remoteDir: string): Promise<{refs: Map<string, string>; packs: string[]; problems: string[]}> {
  const t = new DirTransport(remoteDir)
  const problems: string[] = []
  const refs = new Map((await listRemoteRefs(t)).map((r) => [r.name, r.commit as string]))
  const packs = (await t.list('packs/')).filter((k) => k.endsWith('.idx')).map((k) => k.slice('packs/'.length, -'.idx'.length))
  const meta = new Map<string, IdxEntry & {pack: string}>()
  const chunks = new Set<string>()
  const bodies = new Map<string, Buffer>()
  for (const p of packs) {
    const idx = decodeIdx((await t.get(`packs/${p}.idx`))!.body, p)
    const body = (await t.get(`packs/${p}.pack`))?.body
    if (!body || body.length !== idx.packSize) {
      problems.push(`remote: pack ${p} is published (has an index) but its pack file is ${body ? 'truncated' : 'missing'}`)
      continue
    }
    bodies.set(p, body)
    for (const e of idx.entries) {
      if (e.kind === 'chunk') chunks.add(e.id)
      else meta.set(e.id, {...e, pack: p})
    }
  }
  const load = (id: string, what: string): Buffer => {
    const e = meta.get(id)
    if (!e) throw new Error(`remote: ${what} ${id} is not in any published pack`)
    return entryBytes(e, bodies.get(e.pack)!.subarray(e.offset, e.offset + e.storedLen))
  }
  const seen = new Set<string>()
  const walkTree = (id: Oid): void => {
    if (seen.has(id)) return
    seen.add(id)
    for (const e of readTreeEntries(id, (n) => load(n, 'tree node'))) {
      if (e.kind === 'dir') walkTree(e.id)
      else if (!seen.has(e.id) && !(e.id === EMPTY_OID && !meta.has(e.id))) {
        seen.add(e.id)
        for (const c of decodeBlob(load(e.id, 'file record')).chunks) if (!chunks.has(c.id)) throw new Error(`remote: chunk ${c.id} is not in any published pack`)
      }
    }
  }
  for (const [name, tip] of refs) {
    try {
      const stack = [tip as Oid]
      while (stack.length) {
        const c = stack.pop()!
        if (seen.has(c)) continue
        seen.add(c)
        const commit = decodeCommit(load(c, 'commit'))
        walkTree(commit.tree)
        stack.push(...commit.parents)
      }
    } catch (err) {
      problems.push(`remote ref ${name} -> ${tip.slice(0, 12)}: ${(err as Error).message}`)
    }
  }
  return {refs, packs: packs.sort(), problems}
}

/** Every ref's commit, with its ancestors, trees, file records and chunks, is in the local store. */
function refClosureProblems(repo: Repo): string[] {
  const st = repo.store
  const problems: string[] = []
  const seen = new Set<string>()
  const tree = (id: Oid): void => {
    if (seen.has(id)) return
    seen.add(id)
    for (const e of loadTree(st, id)) {
      if (e.kind === 'dir') tree(e.id)
      else if (!seen.has(e.id)) {
        seen.add(e.id)
        for (const c of loadBlob(st, e.id).chunks) if (!st.hasChunk(c.id as Oid)) throw new Error(`chunk ${c.id} of file ${e.id} is missing`)
      }
    }
  }
  for (const ref of st.listRefs('')) {
    if (!ref.oid) continue
    try {
      const stack: Oid[] = [ref.oid]
      while (stack.length) {
        const c = stack.pop()!
        if (seen.has(c)) continue
        seen.add(c)
        const commit = loadCommit(st, c)
        tree(commit.tree)
        stack.push(...commit.parents)
      }
    } catch (err) {
      problems.push(`ref ${ref.name} -> ${ref.oid.slice(0, 12)}: ${(err as Error).message}`)
    }
  }
  return problems
}

/** Opens the repository and reads its whole state; with `check`, also runs fsck and the closure walks. */
async function inspect(trial: string, check: boolean): Promise<{state: RepoState; problems: string[]}> {
  const problems: string[] = []
  const repoDir = path.join(trial, 'repo')
  const state = withRepo(repoDir, path.join(trial, 'cfg'), (repo) => {
    const st = repo.store
    if (check) {
      for (const m of st.integrityCheck()) problems.push(`SQLite integrity_check: ${m}`)
      const f = fsck(repo)
      for (const p of f.problems) problems.push(`fsck: ${p.kind}: ${p.message}`)
      if (f.promised !== 0) problems.push(`fsck: ${f.promised} chunks only promised by a remote (the fixture is not lazy)`)
      if (!readHead(repo).oid) problems.push('HEAD does not resolve to a commit')
      problems.push(...refClosureProblems(repo))
    }
    const refMap = new Map(st.listRefs('').map((r) => [r.name, r.oid ?? `-> ${r.symref}`] as [string, string]))
    const index = new Map(st.readIndex().map((e) => [e.path, `${e.kind}:${e.exec ? 'x' : '-'}:${e.id}`] as [string, string]))
    const objects = [...st.objectIds(), ...st.chunkList().map((c) => `chunk:${c.id}`)].sort()
    const wt = worktreeMap(repoDir)
    return {
      refs: ser(refMap),
      refMap,
      index: ser(index),
      worktree: ser(wt),
      worktreeMap: wt,
      operation: st.getState('operation') ?? '',
      objects: JSON.stringify(objects),
      remoteRefs: '',
      remotePacks: '',
      remoteRefMap: new Map<string, string>(),
    }
  })
  if (fs.existsSync(path.join(trial, 'remote'))) {
    const r = await inspectRemote(path.join(trial, 'remote'))
    if (check) problems.push(...r.problems)
    state.remoteRefMap = r.refs
    state.remoteRefs = ser(r.refs)
    state.remotePacks = JSON.stringify(r.packs)
  }
  return {state, problems}
}

function phaseOf(s: RepoState, before: RepoState, after: RepoState): string {
  const changed = PARTS.filter((p) => s[p] !== before[p])
  if (changed.length === 0) return 'before'
  if (PARTS.every((p) => s[p] === after[p])) return 'after'
  return `mid:${changed.join(',')}`
}

/** The invariants a kill must never break, beyond fsck (see the file comment). */
function stateProblems(sc: Scenario, s: RepoState, before: RepoState, after: RepoState): string[] {
  const out: string[] = []
  const oneOf = (part: (typeof PARTS)[number]): void => {
    if (s[part] !== before[part] && s[part] !== after[part]) out.push(`${part} is neither the old nor the new state: ${s[part].slice(0, 400)}`)
  }
  oneOf('refs')
  oneOf('index')
  if (sc.movesWorktree) {
    // Files move one by one (each atomically); the database (refs, index) only after all of them.
    // A temporary file of the killed write is tolerated here (bl ignores it; the re-run removes it).
    for (const [p, v] of s.worktreeMap) if (v !== before.worktreeMap.get(p) && v !== after.worktreeMap.get(p) && !isTempName(path.basename(p))) out.push(`work tree: ${p} is neither its old nor its new version`)
    for (const p of new Set([...before.worktreeMap.keys()].filter((p) => after.worktreeMap.has(p)))) if (!s.worktreeMap.has(p)) out.push(`work tree: ${p} vanished`)
    if (s.refs === after.refs && s.worktree !== after.worktree) out.push('HEAD moved before the work tree was complete')
    if ((s.refs === after.refs) !== (s.index === after.index)) out.push('the index and HEAD did not move together')
  } else if (s.worktree !== before.worktree) out.push('the work tree changed')
  // Local refs move together; remote refs one by one, each to its old or new commit.
  for (const [name, c] of s.remoteRefMap) if (c !== before.remoteRefMap.get(name) && c !== after.remoteRefMap.get(name)) out.push(`remote ref ${name} is at ${c.slice(0, 12)}, neither old nor new`)
  return out
}

function finalProblems(sc: Scenario, s: RepoState, after: RepoState): string[] {
  const parts = PARTS.filter((p) => p !== 'remotePacks' && (p !== 'objects' || sc.compareObjects))
  return parts.filter((p) => s[p] !== after[p]).map((p) => `after the re-run, ${p} differs from an uninterrupted run: ${s[p].slice(0, 300)} vs ${after[p].slice(0, 300)}`)
}

// ---- running -----------------------------------------------------------------------------------

/** Copies the template into `trial` and points the remote at the copy's remote. */
function prepareTrial(template: string, trial: string): void {
  rmrf(trial)
  fs.cpSync(template, trial, {recursive: true})
  if (!fs.existsSync(path.join(trial, 'remote'))) return
  withRepo(path.join(trial, 'repo'), path.join(trial, 'cfg'), (repo) => repo.store.transaction(() => repo.store.setConfig('remote.origin.url', path.join(trial, 'remote'))))
}

const MARKER = fileURLToPath(new URL('./work-marker.cjs', import.meta.url))

interface Watched {
  /** Index of the step that was killed (null: all finished). */
  killedStep: number | null
  error: string | null
  /** Per step: from its start of work (see work-marker.cjs) to its exit. */
  workMs: number[]
}

/** When to kill: `ms` after step `step` was spawned (`spawn`) or began its work (`work`). */
interface KillAt {
  step: number
  from: 'spawn' | 'work'
  ms: number
}

/** Runs the steps one after the other, SIGKILLing one as `kill` says. */
async function runWatched(steps: string[][], cwd: string, env: NodeJS.ProcessEnv, kill?: KillAt): Promise<Watched> {
  const out: Watched = {killedStep: null, error: null, workMs: []}
  const childEnv = {...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(MARKER)}`}
  for (let i = 0; i < steps.length; i++) {
    const child = spawn(process.execPath, [BIN, ...steps[i]!], {cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe', 'pipe']})
    let timer: NodeJS.Timeout | undefined
    const arm = (): void => {
      timer ??= setTimeout(() => child.kill('SIGKILL'), kill!.ms)
    }
    let workStart = NaN
    child.stdio[3]!.once('data', () => {
      workStart = performance.now()
      if (kill?.step === i && kill.from === 'work') arm()
    })
    if (kill?.step === i && kill.from === 'spawn') arm()
    const r = await collect(child)
    clearTimeout(timer)
    out.workMs.push(performance.now() - workStart)
    if (r.signal === 'SIGKILL') return {...out, killedStep: i}
    if (r.code !== 0) return {...out, error: `bl ${steps[i]!.join(' ')} exited ${r.code} (signal ${r.signal}): ${r.stderr.slice(0, 600)}`}
  }
  return out
}

interface Calibrated {
  before: RepoState
  after: RepoState
  timing: Timing
}

/**
 * How long each step's work takes (from its start of work to its exit) under the trials' own
 * load: medians of the last full runs, i.e. the re-runs that started from the old state.
 */
class Timing {
  private readonly full: number[][]

  constructor(first: number[]) {
    this.full = first.map((ms) => [ms])
  }

  record(phase: string, workMs: number[]): void {
    if (phase !== 'before' || workMs.length !== this.full.length || !workMs.every(Number.isFinite)) return
    workMs.forEach((ms, i) => {
      const xs = this.full[i]!
      xs.push(ms)
      if (xs.length > 9) xs.shift()
    })
  }

  workMs(step: number): number {
    const xs = [...this.full[step]!].sort((a, b) => a - b)
    return xs[xs.length >> 1]!
  }

  get steps(): number {
    return this.full.length
  }
}

/**
 * An uninterrupted run (the state every re-run must end in; the trials' re-runs check that it is
 * deterministic), then a re-run of the finished command, which must change nothing.
 */
async function calibrate(sc: Scenario, template: string, work: string, env: NodeJS.ProcessEnv): Promise<Calibrated> {
  const cwd = path.join(work, 'repo')
  prepareTrial(template, work)
  const before = await inspect(work, true)
  if (before.problems.length) throw new Error(`${sc.name}: the fixture itself is not clean: ${before.problems.join('; ')}`)
  const r = await runWatched(sc.steps, cwd, env)
  if (r.error) throw new Error(`${sc.name}: uninterrupted run failed: ${r.error}`)
  if (!r.workMs.every(Number.isFinite)) throw new Error(`${sc.name}: no start of work seen (work-marker.cjs)`)
  const after = await inspect(work, true)
  if (after.problems.length) throw new Error(`${sc.name}: uninterrupted run left problems: ${after.problems.join('; ')}`)
  if (PARTS.every((p) => before.state[p] === after.state[p])) throw new Error(`${sc.name}: the command changed nothing`)
  const again = await runWatched(sc.rerun?.(after.state, before.state) ?? sc.steps, cwd, env)
  if (again.error) throw new Error(`${sc.name}: re-running the finished command failed: ${again.error}`)
  const drift = finalProblems(sc, (await inspect(work, true)).state, after.state)
  if (drift.length) throw new Error(`${sc.name}: re-running the finished command changed the state: ${drift.join('; ')}`)
  return {before: before.state, after: after.state, timing: new Timing(r.workMs)}
}

/** A kill point as drawn from the seed: at once, late, or a fraction `f` of one step's work. */
type KillPoint = {at: 'start'} | {at: 'late'} | {at: 'window'; step: number; f: number}

/** 1 in 12 right after the spawn, 1 in 12 well after the measured end, the rest uniform over a step's work. */
function drawKillPoint(rand: () => number, steps: number): KillPoint {
  const u = rand()
  const f = rand()
  const step = Math.floor(rand() * steps)
  return u < 1 / 12 ? {at: 'start'} : u > 11 / 12 ? {at: 'late'} : {at: 'window', step, f}
}

function killAt(k: KillPoint, t: Timing): KillAt {
  if (k.at === 'start') return {step: 0, from: 'spawn', ms: 0}
  if (k.at === 'late') return {step: t.steps - 1, from: 'work', ms: Math.round(t.workMs(t.steps - 1) * 3)}
  return {step: k.step, from: 'work', ms: Math.round(t.workMs(k.step) * k.f * 1.1)}
}

async function trial(sc: Scenario, n: number, kill: KillPoint, cal: Calibrated, template: string, work: string, env: NodeJS.ProcessEnv, runFsck: boolean): Promise<TrialRecord> {
  const when = killAt(kill, cal.timing)
  const rec: TrialRecord = {command: sc.name, trial: n, kill: `${when.ms} ms after ${when.from}${sc.steps.length > 1 ? ` of step ${when.step}` : ''}`, killedStep: null, phase: '?', problems: []}
  const cwd = path.join(work, 'repo')
  prepareTrial(template, work)
  const k = await runWatched(sc.steps, cwd, env, when)
  rec.killedStep = k.killedStep
  if (k.error) rec.problems.push(`un-killed step failed: ${k.error}`)
  let got: Awaited<ReturnType<typeof inspect>>
  try {
    got = await inspect(work, true)
  } catch (err) {
    rec.problems.push(`the repository does not open or read: ${(err as Error).message}`)
    return rec
  }
  rec.phase = phaseOf(got.state, cal.before, cal.after)
  rec.problems.push(...got.problems, ...stateProblems(sc, got.state, cal.before, cal.after))
  if (k.killedStep === null && got.state.refs !== cal.after.refs) rec.problems.push('the run was not killed, yet the state is not the new one')
  if (runFsck) {
    const f = await bl(['fsck', '--json'], cwd, env).done
    if (f.code !== 0) rec.problems.push(`bl fsck exited ${f.code}: ${f.stdout.slice(0, 400)}${f.stderr.slice(0, 400)}`)
  }
  // Re-running completes, and ends exactly where an uninterrupted run ends.
  const again = await runWatched(sc.rerun?.(got.state, cal.before) ?? sc.steps, cwd, env)
  cal.timing.record(rec.phase, again.workMs)
  if (again.error) {
    rec.problems.push(`re-run failed: ${again.error}`)
    return rec
  }
  const fin = await inspect(work, true)
  rec.problems.push(...fin.problems.map((p) => `after the re-run: ${p}`), ...finalProblems(sc, fin.state, cal.after))
  return rec
}

/** Runs the trials of every command; never throws for a failed trial (see the summaries). */
export async function runCrashHarness(opts: HarnessOptions): Promise<HarnessResult> {
  const t0 = performance.now()
  const base = makeTmp('bl-crash-')
  const log = opts.log ?? (() => {})
  const summaries: CommandSummary[] = []
  try {
    const cfg = path.join(base, 'cfg')
    fs.mkdirSync(cfg)
    const env = childEnv(cfg)
    for (const name of opts.commands ?? COMMANDS) {
      const started = performance.now()
      const sc = SCENARIOS[name]
      const template = path.join(base, `template-${name}`)
      fs.mkdirSync(path.join(template, 'cfg'), {recursive: true})
      await sc.build(template, path.join(template, 'cfg'), opts.size)
      const slots = Array.from({length: Math.max(1, opts.jobs)}, (_, i) => path.join(base, `trial-${name}-${i}`))
      const cal = await calibrate(sc, template, slots[0]!, env)
      const rand = seededRandom(`${opts.seed}/${name}`)
      const kills = Array.from({length: opts.trialsPerCommand}, () => drawKillPoint(rand, sc.steps.length))
      const records: TrialRecord[] = []
      let next = 0
      await Promise.all(
        slots.map(async (slot) => {
          for (let i = next++; i < kills.length; i = next++) {
            const rec = await trial(sc, i, kills[i]!, cal, template, slot, env, (i + 1) % opts.fsckEvery === 0)
            records.push(rec)
            opts.onTrial?.(rec)
            if (rec.problems.length) log(`FAIL ${name} #${i} (kill ${rec.kill}, phase ${rec.phase}): ${rec.problems.join(' | ')}`)
          }
          rmrf(slot)
        }),
      )
      records.sort((a, b) => a.trial - b.trial)
      const phases: Record<string, number> = {}
      for (const r of records) phases[r.phase] = (phases[r.phase] ?? 0) + 1
      const failures = records.filter((r) => r.problems.length > 0)
      summaries.push({
        command: name,
        trials: records.length,
        killed: records.filter((r) => r.killedStep !== null).length,
        survived: records.length - failures.length,
        failures,
        phases,
        workMs: sc.steps.map((_, i) => Math.round(cal.timing.workMs(i))),
        wallMs: Math.round(performance.now() - started),
      })
      rmrf(template)
    }
  } finally {
    rmrf(base)
  }
  return {seed: opts.seed, wallMs: Math.round(performance.now() - t0), summaries}
}

/** One line per command for the test's diagnostics. */
export function formatSummary(s: CommandSummary): string {
  const phases = Object.entries(s.phases)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([p, n]) => `${p} ${n}`)
    .join(', ')
  return `${s.command}: ${s.trials} trials, ${s.killed} killed, ${s.survived} survived, ${s.failures.length} failed in ${(s.wallMs / 1000).toFixed(1)} s; work ${s.workMs.join(' + ')} ms; left: ${phases}`
}

export const osInfo = (): string => `${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`
