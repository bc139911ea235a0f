/**
 * File contents on demand. A lazy clone (`clone --no-checkout`, `--filter=blob:none`) and
 * `gc --evict` leave every commit, tree and file record local but keep chunks only on a remote (a
 * "promisor", as Git calls it). Before a command writes or prints a file's bytes it calls
 * ensureContent, which fetches the missing chunks, verified, from the remotes whose indexes list
 * them, in one batch. It also records when each file's content was last used, the order
 * `gc --evict` drops content in.
 */
import {BlError} from '../errors.js'
import {EMPTY_OID, type Oid} from '../hash.js'
import {loadBlob} from '../odb.js'
import {syncRemoteIndex} from '../remote/remote-repo.js'
import {listRemotes, openTransport, readRemote} from '../remote/remotes.js'
import {fetchChunks, type TransferProgress} from '../remote/transfer.js'
import type {Repo} from '../repo.js'

export interface ContentFetch {
  /** Chunks fetched from remotes. */
  chunks: number
  bytes: number
  /** With `allowMissing`: the chunks no remote holds (nothing else reports them). */
  missing?: Oid[]
}

/** Does this repository keep content on a remote (lazy clone or evicted)? */
export function isThin(repo: Repo): boolean {
  return listRemotes(repo).some((r) => repo.store.getConfig(`remote.${r.name}.promisor`) === 'true')
}

/** Marks `remote` as holding content this repository does not keep locally. Call inside a transaction. */
export function markPromisor(repo: Repo, remote: string): void {
  repo.store.setConfig(`remote.${remote}.promisor`, 'true')
}

/**
 * Makes sure the contents of the files `blobs` are in the local store, fetching what is missing,
 * and records their use. A repository that never dropped content pays one pass over nothing.
 */
export async function ensureContent(repo: Repo, blobs: Iterable<Oid>, opts: {progress?: TransferProgress} = {}): Promise<ContentFetch> {
  const ids = new Set<Oid>()
  for (const b of blobs) if (b !== EMPTY_OID) ids.add(b)
  let got: ContentFetch = {chunks: 0, bytes: 0}
  if (ids.size === 0) return got
  if (isThin(repo)) {
    const missing = new Set<Oid>()
    repo.store.snapshot(() => {
      for (const b of ids) for (const c of loadBlob(repo.store, b).chunks) if (!repo.store.hasChunk(c.id as Oid)) missing.add(c.id as Oid)
    })
    got = await ensureChunks(repo, [...missing], opts)
  }
  touch(repo, ids)
  return got
}

/**
 * Fetches the chunks in `ids` the local store lacks from whichever remotes hold them. A chunk no
 * remote holds fails the call before anything is fetched, unless `allowMissing` (a repair takes
 * what it can get): then the rest is fetched and the missing ones are returned.
 */
export async function ensureChunks(repo: Repo, ids: Oid[], opts: {progress?: TransferProgress; exclude?: string; allowMissing?: boolean} = {}): Promise<ContentFetch> {
  const wanted = ids.filter((c) => !repo.store.hasChunk(c))
  if (wanted.length === 0) return {chunks: 0, bytes: 0}
  // Promisor remotes first: they are where this repository's content is meant to be.
  const remotes = listRemotes(repo)
    .map((r) => r.name)
    .filter((n) => n !== opts.exclude)
    .sort((a, b) => Number(repo.store.getConfig(`remote.${b}.promisor`) === 'true') - Number(repo.store.getConfig(`remote.${a}.promisor`) === 'true'))
  const assign = (pending: Oid[], plan: Map<string, Oid[]>): Oid[] => {
    const left: Oid[] = []
    for (const c of pending) {
      const r = repo.store.remotesWithChunk(remotes, c)[0]
      if (r) (plan.get(r) ?? plan.set(r, []).get(r)!).push(c)
      else left.push(c)
    }
    return left
  }
  const plan = new Map<string, Oid[]>()
  let unknown = assign(wanted, plan)
  // The cached indexes may be behind the remotes: refresh them and look again.
  for (const name of remotes) {
    if (unknown.length === 0) break
    const t = await openTransport(readRemote(repo, name), repo.ctx.cwd)
    try {
      await syncRemoteIndex(repo.store, name, t)
    } finally {
      t.close()
    }
    unknown = assign(unknown, plan)
  }
  if (unknown.length > 0 && !opts.allowMissing) {
    throw new BlError('MISSING_OBJECT', `${unknown.length} chunk(s) of file content are neither in the local store nor on any remote (first: ${unknown[0]})`, {
      hint: remotes.length
        ? `No remote (${remotes.join(', ')}) holds it: if a remote's URL was changed (\`bl remote set-url\`), point it back at the repository that has the content; otherwise it was never pushed from the machine that made it.`
        : 'Add the remote this repository was cloned from (`bl remote add`), then retry.',
      data: {chunks: unknown.slice(0, 20)},
    })
  }
  let bytes = 0
  for (const [name, list] of plan) {
    const settings = readRemote(repo, name)
    const t = await openTransport(settings, repo.ctx.cwd)
    try {
      bytes += await fetchChunks(repo.store, name, t, list, settings.concurrency ?? 8, opts.progress)
    } catch (err) {
      throw unreachable(err, name, list.length)
    } finally {
      t.close()
    }
  }
  return {chunks: wanted.length - unknown.length, bytes, ...(opts.allowMissing ? {missing: unknown} : {})}
}

/** A remote failure while fetching content says what was being fetched and why it is not local. */
function unreachable(err: unknown, remote: string, chunks: number): unknown {
  if (!(err instanceof BlError) || err.code !== 'REMOTE_ERROR') return err
  return new BlError('REMOTE_ERROR', `file contents this command needs are kept on ${remote} only (lazy clone or gc --evict), and fetching them failed: ${err.message}`, {
    hint: `Reconnect to ${remote} and run the command again; nothing was changed. Content you need offline: check it out while connected (it then stays local until the next \`bl gc --evict\`).`,
    data: {remote, chunks},
    cause: err,
  })
}

/**
 * Best effort and never waiting: when another bl holds the write lock (or the repository is
 * read-only) only use times are lost, which merely order eviction.
 */
function touch(repo: Repo, ids: Set<Oid>): void {
  try {
    repo.store.tryTransaction(() => repo.store.touchContent(ids, repo.nowMs()))
  } catch {
    // read-only file system or database
  }
}
