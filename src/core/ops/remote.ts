/** bl remote add|list|remove|rename|set-url: named remotes in the repository's config. */
import {BlError} from '../errors.js'
import {absoluteUrl, checkRemoteName, deleteRemoteConfig, listRemotes, parseRemoteUrl, readRemote, writeRemote, type RemoteSettings} from '../remote/remotes.js'
import {redactUrl} from '../remote/transport.js'
import type {Repo} from '../repo.js'
import type {Oid} from '../hash.js'
import {reach} from './maintenance.js'
import {markPromisor} from './content.js'

export interface RemoteOptions {
  endpoint?: string
  region?: string
  profile?: string
  pathStyle?: boolean
  concurrency?: number
}

export interface RemoteView {
  name: string
  url: string
  endpoint: string | null
  region: string | null
  profile: string | null
  pathStyle: boolean | null
  /** true: conditional writes honoured; false: concurrent pushes unprotected; null: not probed yet. */
  conditionalWrites: boolean | null
}

export function viewOf(r: RemoteSettings): RemoteView {
  return {
    name: r.name,
    url: redactUrl(r.url),
    endpoint: r.endpoint ? redactUrl(r.endpoint) : null,
    region: r.region ?? null,
    profile: r.profile ?? null,
    pathStyle: r.pathStyle ?? null,
    conditionalWrites: r.conditional ?? null,
  }
}

function checkUrl(repo: Repo, url: string): void {
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(url))
    throw new BlError('BAD_REMOTE_URL', `refusing a URL with credentials in it (${redactUrl(url)})`, {hint: 'Give credentials through the AWS environment, shared config or --profile, never in the URL.'})
  parseRemoteUrl(url, repo.ctx.cwd)
}

/**
 * An endpoint is stored in the repository's config: one carrying a password or signed query
 * parameters would put a secret into the repository (and into `bl remote list`).
 */
function checkEndpoint(endpoint: string | undefined): void {
  if (endpoint === undefined) return
  let u: URL
  try {
    u = new URL(endpoint)
  } catch {
    throw new BlError('BAD_REMOTE_URL', `bad endpoint ${redactUrl(endpoint)}`, {hint: 'Use http(s)://host[:port], e.g. --endpoint http://localhost:9000.'})
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new BlError('BAD_REMOTE_URL', `bad endpoint ${redactUrl(endpoint)}: not http or https`, {hint: 'Use http(s)://host[:port], e.g. --endpoint http://localhost:9000.'})
  if (u.username || u.password || u.search)
    throw new BlError('BAD_REMOTE_URL', `refusing an endpoint with credentials or query parameters in it (${redactUrl(endpoint)})`, {hint: 'Give credentials through the AWS environment, shared config or --profile, never in the endpoint.'})
}

export function remoteAdd(repo: Repo, name: string, url: string, opts: RemoteOptions = {}): RemoteView {
  checkRemoteName(name)
  checkUrl(repo, url)
  checkEndpoint(opts.endpoint)
  if (repo.store.getConfig(`remote.${name}.url`) !== undefined)
    throw new BlError('REMOTE_EXISTS', `remote ${name} already exists`, {hint: `Change it with \`bl remote set-url ${name} <url>\`, or remove it first.`, data: {name}})
  const settings: RemoteSettings = {name, url: absoluteUrl(url, repo.ctx.cwd), ...opts}
  repo.store.transaction(() => writeRemote(repo, settings), {durable: true})
  return viewOf(settings)
}


export function remoteList(repo: Repo): RemoteView[] {
  return listRemotes(repo).map(viewOf)
}

/** `bl remote get-url <name>`: one remote's settings (its URL redacted, as everywhere). */
export function remoteGet(repo: Repo, name: string): RemoteView {
  return viewOf(readRemote(repo, name))
}

export function remoteRemove(repo: Repo, name: string, opts: {force?: boolean} = {}): {removed: string; refs: number} {
  readRemote(repo, name)
  // Once any remote holds content for this repository (a lazy clone, gc --evict), check what only this one has.
  const thin = listRemotes(repo).some((r) => repo.store.getConfig(`remote.${r.name}.promisor`) === 'true')
  if (!opts.force && thin) {
    // A lazy clone or `gc --evict` left content on this remote alone: without it, reading that
    // content would fail as if the repository were damaged.
    const onlyThere = chunksOnlyOn(repo, name)
    if (onlyThere)
      throw new BlError('LOCAL_CHANGES', `${name} holds ${onlyThere} chunk${onlyThere === 1 ? '' : 's'} of this repository's content that is not stored here (a lazy clone or gc --evict)`, {
        hint: `Bring the content back first (\`bl checkout -- .\` for the current tree), or add another remote that holds it; --force removes ${name} anyway.`,
        data: {remote: name, chunks: onlyThere},
      })
  }
  const prefix = `refs/remotes/${name}/`
  const refs = repo.store.listRefs(prefix)
  repo.store.transaction(() => {
    deleteRemoteConfig(repo, name)
    for (const r of refs) {
      repo.store.deleteRef(r.name)
      repo.store.deleteReflog(r.name)
    }
    for (const {key, value} of repo.store.listConfig()) {
      if (/^branch\..+\.remote$/.test(key) && value === name) {
        repo.store.unsetConfig(key)
        repo.store.unsetConfig(key.replace(/\.remote$/, '.merge'))
      }
    }
    repo.store.forgetRemote(name)
    // The content it held is now held by the others alone: they become the promisors, so removing
    // the last of them is checked too.
    if (thin) for (const r of listRemotes(repo)) markPromisor(repo, r.name)
  }, {durable: true})
  return {removed: name, refs: refs.length}
}

/**
 * `bl remote rename <old> <new>` (Git's): the settings, the remote-tracking branches with their
 * reflogs, every upstream naming it, and what is known about the remote (cached indexes,
 * repository id, promisor and policy marks: it is the same repository under another name) move
 * together in one transaction.
 */
export function remoteRename(repo: Repo, from: string, to: string): {from: string; to: string; refs: number} {
  readRemote(repo, from)
  checkRemoteName(to)
  if (repo.store.getConfig(`remote.${to}.url`) !== undefined)
    throw new BlError('REMOTE_EXISTS', `remote ${to} already exists`, {hint: `Remove it first (\`bl remote remove ${to}\`), or pick another name.`, data: {name: to}})
  const oldPrefix = `refs/remotes/${from}/`
  const newPrefix = `refs/remotes/${to}/`
  if (repo.store.listRefs(newPrefix).length)
    throw new BlError('REF_EXISTS', `refs under ${newPrefix} already exist (left from an earlier remote ${to})`, {hint: `Pick another name, or clear them first: \`bl remote add ${to} <any-url>\` then \`bl remote remove ${to}\`.`, data: {name: to}})
  const refs = repo.store.listRefs(oldPrefix)
  repo.store.transaction(() => {
    for (const {key, value} of repo.store.listConfig()) {
      if (key.startsWith(`remote.${from}.`)) {
        repo.store.setConfig(`remote.${to}.${key.slice(`remote.${from}.`.length)}`, value)
        repo.store.unsetConfig(key)
      } else if (/^branch\..+\.remote$/.test(key) && value === from) repo.store.setConfig(key, to)
    }
    for (const r of refs) {
      const name = newPrefix + r.name.slice(oldPrefix.length)
      if (r.symref !== null) repo.store.setSymref(name, r.symref.startsWith(oldPrefix) ? newPrefix + r.symref.slice(oldPrefix.length) : r.symref)
      else repo.store.setRef(name, r.oid!)
      repo.store.renameReflog(r.name, name)
      repo.store.deleteRef(r.name)
    }
    repo.store.renameRemoteCache(from, to)
  }, {durable: true})
  return {from, to, refs: refs.length}
}

/** How many chunks of this repository's content are stored neither here nor on a remote other than `name`. */
function chunksOnlyOn(repo: Repo, name: string): number {
  const others = listRemotes(repo).map((r) => r.name).filter((n) => n !== name)
  return [...reach(repo).chunks].filter((c) => !repo.store.hasChunk(c as Oid) && (!others.length || !repo.store.remotesWithChunk(others, c as Oid).length)).length
}

export function remoteSetUrl(repo: Repo, name: string, url: string, opts: RemoteOptions & {onWarning?(message: string): void} = {}): RemoteView {
  const cur = readRemote(repo, name)
  checkUrl(repo, url)
  checkEndpoint(opts.endpoint)
  const {onWarning, ...settings} = opts
  const next: RemoteSettings = {...cur, ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)), url: absoluteUrl(url, repo.ctx.cwd), conditional: undefined}
  // Moving a remote that alone holds evicted content is fine when the new URL is the same
  // repository (it moved); if it is another one, that content can no longer be read. Say so.
  if (next.url !== cur.url && repo.store.getConfig(`remote.${name}.promisor`) === 'true') {
    const onlyThere = chunksOnlyOn(repo, name)
    if (onlyThere) onWarning?.(`${name} held ${onlyThere} chunk${onlyThere === 1 ? '' : 's'} of content not stored here (lazy clone or gc --evict): the new URL must be the same repository, or that content cannot be read (\`bl remote set-url ${name} ${redactUrl(cur.url)}\` puts the old one back)`)
  }
  repo.store.transaction(() => {
    writeRemote(repo, next)
    // Another place may hold other packs: what we knew about the old one no longer applies.
    repo.store.forgetRemote(name)
    repo.store.unsetConfig(`remote.${name}.repo-id`)
    // `remote.<name>.policy` stays: a governed remote that moved is still governed (a new URL
    // without the policy is checked as if it had been deleted there, and an owner's push restores it).
  }, {durable: true})
  return viewOf(next)
}
