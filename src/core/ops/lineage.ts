/**
 * Lineage: the data versions a commit was derived from. `bl commit --input <source>@<rev>` records
 * each input as metadata `input.<n>` = `<source>@<commit id>` (source: a remote URL without
 * credentials, or a local repository's absolute path), after checking the commit exists there.
 * `bl lineage <rev>` follows those records through every source it can reach (docs/git-link.md).
 */
import fs from 'node:fs'
import path from 'node:path'
import {BlError} from '../errors.js'
import {withoutCredentials} from '../gitlink/code-link.js'
import type {Oid} from '../hash.js'
import {commitId, decodeCommit, type Commit} from '../objects/commit.js'
import {loadCommit} from '../odb.js'
import {resolveRevision} from '../refs/revision.js'
import {listRemoteRefs, readBlRepo} from '../remote/remote-repo.js'
import {decodeIdx, entryBytes, type IdxEntry} from '../remote/pack.js'
import {openTransport, readRemote, type RemoteSettings} from '../remote/remotes.js'
import type {Transport} from '../remote/transport.js'
import {findRoot, openRepo, type Repo} from '../repo.js'
import {BL_DIR} from '../repo.js'

export const INPUT_PREFIX = 'input.'

export interface Input {
  source: string
  commit: Oid
}

/** `input.0`, `input.1`, ... in index order (not string order: input.10 follows input.9). */
export function readInputs(meta: Record<string, string>): Input[] {
  return Object.keys(meta)
    .filter((k) => /^input\.\d+$/.test(k))
    .sort((a, b) => Number(a.slice(INPUT_PREFIX.length)) - Number(b.slice(INPUT_PREFIX.length)))
    .flatMap((k) => {
      const v = meta[k]!
      const at = v.lastIndexOf('@')
      const commit = v.slice(at + 1)
      return at > 0 && /^[0-9a-f]{64}$/.test(commit) ? [{source: v.slice(0, at), commit: commit as Oid}] : []
    })
}

export function inputMeta(inputs: Input[]): Record<string, string> {
  return Object.fromEntries(inputs.map((inp, i) => [`${INPUT_PREFIX}${i}`, `${inp.source}@${inp.commit}`]))
}

/** Splits `<source>@<rev>` at the last `@` (URLs may hold one earlier); no `@`: the default revision. */
export function parseInputSpec(spec: string): {source: string; rev: string | null} {
  const at = spec.lastIndexOf('@')
  const afterScheme = spec.indexOf('://') + 3
  if (at <= 0 || (afterScheme > 2 && at < afterScheme) || spec.slice(at + 1).includes('/')) return {source: spec, rev: null}
  const rev = spec.slice(at + 1)
  if (rev === '') throw new BlError('INVALID_ARGUMENT', `input "${spec}" has an empty revision after "@"`, {hint: 'Write --input <remote-url|path>@<rev>, e.g. s3://bucket/raw@main.'})
  return {source: spec.slice(0, at), rev}
}

/** Where an input lives: a local repository, or a remote (configured by name, or a URL / directory). */
type Place = {kind: 'local'; root: string} | {kind: 'remote'; settings: Pick<RemoteSettings, 'url'> & Partial<RemoteSettings>; url: string}

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

/** The absolute path of a directory remote's URL (`file://...` or a path), or null for other URLs. */
function directoryPath(url: string, base: string): string | null {
  if (url.startsWith('file://')) return path.resolve(url.slice('file://'.length))
  return HAS_SCHEME.test(url) ? null : path.resolve(base, url)
}

function locate(repo: Repo, source: string): Place {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(source) && repo.store.getConfig(`remote.${source}.url`) !== undefined) {
    const settings = readRemote(repo, source)
    // A directory remote is recorded as its absolute path however it was configured (one source, one spelling).
    return {kind: 'remote', settings, url: directoryPath(settings.url, repo.root) ?? settings.url}
  }
  if (!HAS_SCHEME.test(source) || source.startsWith('file://')) {
    const p = path.resolve(repo.ctx.cwd, source.startsWith('file://') ? source.slice('file://'.length) : source)
    if (fs.existsSync(path.join(p, BL_DIR))) return {kind: 'local', root: findRoot(p) ?? p}
    return {kind: 'remote', settings: {url: p}, url: p}
  }
  return {kind: 'remote', settings: {url: source}, url: source}
}

/** Resolves each `--input` to a commit id that exists at its source. */
export async function resolveInputs(repo: Repo, specs: string[]): Promise<Input[]> {
  const out: Input[] = []
  for (const spec of specs) {
    const {source, rev} = parseInputSpec(spec)
    const place = locate(repo, source)
    if (place.kind === 'local') {
      const other = place.root === repo.root ? repo : openRepo({...repo.ctx, cwd: place.root})
      try {
        out.push({source: place.root, commit: resolveRevision(other, rev ?? 'HEAD')})
      } finally {
        if (other !== repo) other.close()
      }
      continue
    }
    const reader = await RemoteCommits.open(place, repo.ctx.cwd)
    try {
      out.push({source: withoutCredentials(place.url), commit: await reader.resolve(rev)})
    } finally {
      reader.close()
    }
  }
  return out
}

/** Commits of a remote read straight from its packs (no local store needed), verified by id. */
class RemoteCommits {
  private index: Map<Oid, {pack: string; entry: IdxEntry}> | undefined

  private constructor(
    private readonly t: Transport,
    private readonly defaultBranch: string | null,
  ) {}

  static async open(place: Extract<Place, {kind: 'remote'}>, cwd: string): Promise<RemoteCommits> {
    const t = await openTransport(place.settings, cwd)
    const info = await readBlRepo(t).catch((err: unknown) => {
      t.close()
      throw err
    })
    if (!info) {
      t.close()
      throw new BlError('NOT_A_BL_REMOTE', `${t.display} is neither a bl repository nor a bl remote`, {hint: 'Give a remote URL, a configured remote name or the path of a bl repository, then @<rev>.'})
    }
    return new RemoteCommits(t, info.defaultBranch)
  }

  async resolve(rev: string | null): Promise<Oid> {
    const name = rev ?? this.defaultBranch ?? 'main'
    const refs = await listRemoteRefs(this.t)
    const byName = refs.find((r) => r.name === name || r.name === `refs/heads/${name}` || r.name === `refs/tags/${name}`)
    if (byName) return byName.commit
    if (/^[0-9a-f]{4,64}$/.test(name)) {
      const matches = [...(await this.commits()).keys()].filter((id) => id.startsWith(name))
      if (matches.length === 1) return matches[0]!
      if (matches.length > 1) throw new BlError('AMBIGUOUS_REVISION', `"${name}" matches ${matches.length} commits on ${this.t.display}`, {hint: 'Give more digits of the commit id.', data: {rev: name}})
    }
    throw new BlError('UNKNOWN_REVISION', `no branch, tag or commit "${name}" on ${this.t.display}`, {hint: `\`bl ls-remote ${this.t.display}\` lists its branches and tags.`, data: {rev: name}})
  }

  /** The commit, or undefined when the remote does not have it. */
  async read(id: Oid): Promise<Commit | undefined> {
    const hit = (await this.commits()).get(id)
    if (!hit) return undefined
    const {pack, entry} = hit
    const stored = await this.t.getRange(`packs/${pack}.pack`, entry.offset, entry.offset + entry.storedLen)
    const c = decodeCommit(entryBytes(entry, stored))
    if (commitId(c) !== id) throw new BlError('CORRUPT_REMOTE', `commit ${id} on ${this.t.display} does not match its id`, {hint: 'The remote was damaged or tampered with.', data: {id}})
    return c
  }

  private async commits(): Promise<Map<Oid, {pack: string; entry: IdxEntry}>> {
    if (this.index) return this.index
    const index = new Map<Oid, {pack: string; entry: IdxEntry}>()
    for (const key of (await this.t.list('packs/')).filter((k) => k.endsWith('.idx'))) {
      const o = await this.t.get(key)
      if (!o) continue
      const idx = decodeIdx(o.body, key)
      for (const e of idx.entries) if (e.kind === 'commit') index.set(e.id, {pack: idx.pack, entry: e})
    }
    this.index = index
    return index
  }

  close(): void {
    this.t.close()
  }
}

export interface LineageNode {
  /** `<source>@<commit>`, or just the commit for this repository. */
  key: string
  /** null = this repository. */
  source: string | null
  commit: Oid
  subject: string | null
  author: {name: string; email: string; time: number} | null
  /** false when the source could not be read (offline, gone, or the commit is missing there). */
  resolved: boolean
  problem: string | null
}

export interface LineageResult {
  root: string
  nodes: LineageNode[]
  /** `from` was derived from `to`. */
  edges: Array<{from: string; to: string}>
}

/**
 * The graph of inputs behind `rev`, breadth first up to `maxDepth` levels. A source that can't be
 * read becomes an unresolved node with the reason, never a failure of the whole command.
 */
export async function lineage(repo: Repo, rev: string, opts: {maxDepth?: number} = {}): Promise<LineageResult> {
  const rootId = resolveRevision(repo, rev)
  const maxDepth = opts.maxDepth ?? 16
  const nodes = new Map<string, LineageNode>()
  const edges: LineageResult['edges'] = []
  const remotes = new Map<string, Promise<RemoteCommits>>()
  const locals = new Map<string, Repo>()
  const readAt = async (source: string | null, id: Oid): Promise<Commit | undefined> => {
    // Anything already in this store (this repository, or fetched) is read locally.
    if (repo.store.hasObject(id)) return loadCommit(repo.store, id)
    if (source === null) return undefined
    const place = locate(repo, source)
    if (place.kind === 'local') {
      let other = locals.get(place.root)
      if (!other) locals.set(place.root, (other = openRepo({...repo.ctx, cwd: place.root})))
      return other.store.hasObject(id) ? loadCommit(other.store, id) : undefined
    }
    let r = remotes.get(place.url)
    if (!r) remotes.set(place.url, (r = RemoteCommits.open(place, repo.ctx.cwd)))
    return (await r).read(id)
  }
  try {
    let level: Array<{source: string | null; commit: Oid}> = [{source: null, commit: rootId}]
    for (let depth = 0; level.length && depth <= maxDepth; depth++) {
      const next: typeof level = []
      for (const {source, commit} of level) {
        const key = source === null ? commit : `${source}@${commit}`
        if (nodes.has(key)) continue
        const node: LineageNode = {key, source, commit, subject: null, author: null, resolved: false, problem: null}
        nodes.set(key, node)
        let c: Commit | undefined
        try {
          c = await readAt(source, commit)
          if (!c) node.problem = `commit not found at ${source ?? 'this repository'}`
        } catch (err) {
          node.problem = err instanceof BlError ? err.message : String((err as Error).message ?? err)
        }
        if (!c) continue
        node.resolved = true
        node.subject = c.message.split('\n')[0]!
        node.author = {name: c.author.name, email: c.author.email, time: c.author.time}
        if (depth === maxDepth) continue
        for (const inp of readInputs(c.meta)) {
          edges.push({from: key, to: `${inp.source}@${inp.commit}`})
          next.push(inp)
        }
      }
      level = next
    }
  } finally {
    for (const r of remotes.values()) await r.then((x) => x.close()).catch(() => undefined)
    for (const o of locals.values()) o.close()
  }
  return {root: rootId, nodes: [...nodes.values()], edges}
}
