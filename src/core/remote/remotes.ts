/**
 * Named remotes: their configuration (repo config `remote.<name>.*`), URL parsing, and opening a
 * transport. URLs: `s3://bucket/prefix` (with --endpoint/--region/--profile/--path-style for
 * MinIO, Ceph, R2, ...), `file:///path`, or a plain path. Credentials never live here: S3 uses the
 * SDK's default chain, and any `user:password@` in a URL is refused.
 */
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {BlError, printable} from '../errors.js'
import type {Repo} from '../repo.js'
import {DirTransport} from './dir-transport.js'
import {redactUrl, type Transport} from './transport.js'

export interface RemoteSettings {
  name: string
  url: string
  endpoint?: string
  region?: string
  profile?: string
  pathStyle?: boolean
  concurrency?: number
  /** Result of the conditional-write probe: true, false (unprotected), undefined (not probed). */
  conditional?: boolean
  /** `remote.<name>.timeout`: ms of silence after which an S3 request fails and is retried. */
  timeoutMs?: number
}

export type ParsedUrl = {kind: 's3'; bucket: string; prefix: string} | {kind: 'dir'; path: string}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export function checkRemoteName(name: string): string {
  if (!NAME_RE.test(name) || name.endsWith('.lock') || name.includes('..'))
    throw new BlError('BAD_REF_NAME', `'${name}' is not a valid remote name`, {hint: 'Use letters, digits, ".", "_" and "-" (e.g. origin, upstream).', data: {name}})
  return name
}

/** Parses a remote URL; `cwd` resolves relative directory paths. */
export function parseRemoteUrl(url: string, cwd: string): ParsedUrl {
  if (/^s3:\/\//i.test(url)) {
    const m = /^s3:\/\/([^/?#]+)\/?([^?#]*)$/i.exec(url)
    if (!m || m[1]!.includes('@')) {
      throw new BlError('BAD_REMOTE_URL', `bad S3 URL ${printable(redactUrl(url))}`, {hint: 'Use s3://bucket or s3://bucket/prefix; credentials come from the AWS environment or profiles, never the URL.', data: {url: redactUrl(url)}})
    }
    return {kind: 's3', bucket: m[1]!, prefix: m[2]!.replace(/^\/+|\/+$/g, '')}
  }
  if (/^file:\/\//i.test(url)) {
    try {
      return {kind: 'dir', path: fileURLToPath(url)}
    } catch (err) {
      throw new BlError('BAD_REMOTE_URL', `bad file URL ${printable(redactUrl(url))}`, {hint: 'Use file:///absolute/path or a plain path.', cause: err})
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url))
    throw new BlError('BAD_REMOTE_URL', `unsupported remote URL ${printable(redactUrl(url))}`, {hint: 'bl remotes are s3://bucket/prefix, file:///path or a directory path.', data: {url: redactUrl(url)}})
  return {kind: 'dir', path: path.resolve(cwd, url)}
}

/**
 * `url` with a plain directory path made absolute against `cwd` (how a remote's URL is stored and
 * recorded, so it means the same from any directory); other URLs unchanged.
 */
export function absoluteUrl(url: string, cwd: string): string {
  const u = parseRemoteUrl(url, cwd)
  return u.kind === 'dir' && !/^file:/i.test(url) ? u.path : url
}

const KEYS = ['url', 'endpoint', 'region', 'profile', 'path-style', 'concurrency', 'conditional'] as const

export function readRemote(repo: Repo, name: string): RemoteSettings {
  const url = repo.store.getConfig(`remote.${name}.url`)
  if (url === undefined) {
    const known = listRemotes(repo).map((r) => r.name)
    throw new BlError('REMOTE_NOT_FOUND', `no remote named '${name}'`, {hint: known.length ? `Remotes: ${known.join(', ')}.` : 'Add one with `bl remote add origin s3://bucket/prefix`.', data: {name}})
  }
  const get = (k: string): string | undefined => repo.store.getConfig(`remote.${name}.${k}`)
  const conc = get('concurrency')
  const cond = get('conditional')
  return {
    name,
    url,
    endpoint: get('endpoint'),
    region: get('region'),
    profile: get('profile'),
    pathStyle: get('path-style') === undefined ? undefined : get('path-style') === 'true',
    concurrency: conc === undefined ? undefined : Math.max(1, Math.min(64, Number(conc) || 8)),
    conditional: cond === undefined ? undefined : cond === 'true',
    timeoutMs: parseTimeout(name, repo.config(`remote.${name}.timeout`)),
  }
}

/** A timeout in ms (environment, repository or user config: a slow store is often a user's setting). */
function parseTimeout(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  const ms = Number(v)
  if (!Number.isInteger(ms) || ms < 100)
    throw new BlError('BAD_CONFIG', `remote.${name}.timeout is "${v}"; expected milliseconds (at least 100)`, {hint: `e.g. \`bl config remote.${name}.timeout 120000\` for a slow store.`})
  return ms
}

export function listRemotes(repo: Repo): RemoteSettings[] {
  const names = new Set<string>()
  for (const {key} of repo.store.listConfig()) {
    const m = /^remote\.(.+)\.url$/.exec(key)
    if (m) names.add(m[1]!)
  }
  return [...names].sort().map((n) => readRemote(repo, n))
}

/** Writes a remote's settings (call inside a transaction); undefined values are removed. */
export function writeRemote(repo: Repo, r: RemoteSettings): void {
  const values: Record<(typeof KEYS)[number], string | undefined> = {
    url: r.url,
    endpoint: r.endpoint,
    region: r.region,
    profile: r.profile,
    'path-style': r.pathStyle === undefined ? undefined : String(r.pathStyle),
    concurrency: r.concurrency === undefined ? undefined : String(r.concurrency),
    conditional: r.conditional === undefined ? undefined : String(r.conditional),
  }
  for (const k of KEYS) {
    const v = values[k]
    if (v === undefined) repo.store.unsetConfig(`remote.${r.name}.${k}`)
    else repo.store.setConfig(`remote.${r.name}.${k}`, v)
  }
}

export function deleteRemoteConfig(repo: Repo, name: string): void {
  // Exactly this remote's keys: names may contain dots, so a prefix would also hit remote `a.b`.
  // `policy` (it carries the protection policy, protect/store.ts) belongs to the repository that was there.
  for (const k of [...KEYS, 'repo-id', 'timeout', 'policy']) repo.store.unsetConfig(`remote.${name}.${k}`)
}

/** Opens a remote; the AWS SDK is loaded only for S3 remotes (it costs ~150 ms to load). */
export async function openTransport(r: Pick<RemoteSettings, 'url' | 'endpoint' | 'region' | 'profile' | 'pathStyle' | 'concurrency' | 'timeoutMs'>, cwd: string): Promise<Transport> {
  const u = parseRemoteUrl(r.url, cwd)
  if (u.kind === 'dir') return new DirTransport(u.path)
  const {S3Transport} = await import('./s3-transport.js')
  return new S3Transport({bucket: u.bucket, prefix: u.prefix, endpoint: r.endpoint, region: r.region, profile: r.profile, pathStyle: r.pathStyle, concurrency: r.concurrency, timeoutMs: r.timeoutMs})
}
