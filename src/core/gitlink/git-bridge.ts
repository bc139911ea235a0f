/**
 * The git bridge: the only file that imports isomorphic-git (no `git` binary needed). It reads the
 * Git repository that holds the user's code — its HEAD commit, branch, whether tracked files are
 * modified, the origin URL and the user identity — and never writes to it.
 */
import fs from 'node:fs'
import path from 'node:path'
type IsoGit = typeof import('isomorphic-git').default
import {BlError} from '../errors.js'

export interface CodeState {
  /** Full SHA-1 of HEAD, or null on a branch without commits. */
  commit: string | null
  branch: string | null
  /** A tracked file differs between HEAD, the index and the work tree (`git describe --dirty`). */
  dirty: boolean
  /** remote.origin.url as configured (the caller redacts it). */
  origin: string | null
}

let loaded: Promise<IsoGit> | undefined
/** isomorphic-git is loaded on first use: it costs ~0.1 s of start-up that most commands never need. */
function isoGit(): Promise<IsoGit> {
  loaded ??= import('#isomorphic-git').then((m) => m.default)
  return loaded
}

/**
 * The work tree root of the Git repository enclosing `start`, or null: the nearest directory with a
 * `.git` entry (a directory, or a file as in worktrees and submodules), as `git.findRoot` looks.
 */
export async function findGitRoot(start: string): Promise<string | null> {
  let dir = path.resolve(start)
  for (;;) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir
    const up = path.dirname(dir)
    if (up === dir) return null
    dir = up
  }
}

/** What isomorphic-git needs to read the repository whose work tree is `dir`. */
interface GitAccess {
  fs: typeof fs
  dir: string
  gitdir?: string
}

const accessCache = new Map<string, GitAccess>()

/**
 * Where `dir`'s Git data lives. Usually `dir/.git`. In a linked worktree or a submodule `.git` is
 * a file naming the real directory (`gitdir: ...`); a worktree's holds only its own HEAD, index
 * and logs, and names the shared repository in `commondir`, which isomorphic-git does not follow.
 * So reads under the worktree's directory fall back to the common one (refs, objects, config).
 */
function gitAccess(dir: string): GitAccess {
  const cached = accessCache.get(dir)
  if (cached) return cached
  let access: GitAccess = {fs, dir}
  const dotGit = path.join(dir, '.git')
  try {
    if (fs.statSync(dotGit).isFile()) {
      const m = /^gitdir:\s*(.+?)\s*$/m.exec(fs.readFileSync(dotGit, 'utf8'))
      if (m) {
        const gitdir = path.resolve(dir, m[1]!)
        let common: string | undefined
        try {
          common = path.resolve(gitdir, fs.readFileSync(path.join(gitdir, 'commondir'), 'utf8').trim())
        } catch {
          common = undefined // a submodule: its directory is a whole repository
        }
        access = {fs: common ? overlayFs(gitdir, common) : fs, dir, gitdir}
      }
    }
  } catch {
    // unreadable: isomorphic-git reports it on use
  }
  accessCache.set(dir, access)
  return access
}

/** A read-only view of `fs` where a missing path under `own` is read from `common` instead. */
function overlayFs(own: string, common: string): typeof fs {
  const prefix = own + path.sep
  const alt = (p: string): string | undefined => (typeof p === 'string' && p.startsWith(prefix) ? path.join(common, p.slice(prefix.length)) : undefined)
  const either =
    <A extends unknown[], R>(f: (p: string, ...rest: A) => Promise<R>) =>
    async (p: string, ...rest: A): Promise<R> => {
      try {
        return await f(p, ...rest)
      } catch (err) {
        const other = alt(p)
        if (other === undefined || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
        return f(other, ...rest)
      }
    }
  const fp = fs.promises
  return {
    promises: {
      ...fp,
      readFile: either(fp.readFile as (p: string, ...rest: unknown[]) => Promise<unknown>),
      stat: either(fp.stat as (p: string, ...rest: unknown[]) => Promise<unknown>),
      lstat: either(fp.lstat as (p: string, ...rest: unknown[]) => Promise<unknown>),
      readdir: either(fp.readdir as (p: string, ...rest: unknown[]) => Promise<unknown>),
      readlink: either(fp.readlink as (p: string, ...rest: unknown[]) => Promise<unknown>),
    },
  } as unknown as typeof fs
}

export async function readCodeState(dir: string): Promise<CodeState> {
  const git = await isoGit()
  const g = gitAccess(dir)
  let commit: string | null = null
  try {
    commit = await git.resolveRef({...g, ref: 'HEAD'})
  } catch {
    // unborn branch: no commit yet
  }
  const branch = (await git.currentBranch({...g, fullname: false}).catch(() => undefined)) ?? null
  const origin = ((await git.getConfig({...g, path: 'remote.origin.url'}).catch(() => undefined)) as string | undefined) ?? null
  return {commit, branch, dirty: await isDirty(dir), origin}
}

/** Thrown to stop the walk at the first change (an Error: isomorphic-git annotates what it catches). */
class Dirty extends Error {}

/**
 * Walks HEAD, the work tree and the index together, pruning untracked paths at once (a data
 * directory inside the code repository costs nothing) and stopping at the first modified file.
 * `refresh: false` keeps the walk read-only: bl never rewrites Git's index.
 */
async function isDirty(dir: string): Promise<boolean> {
  const git = await isoGit()
  try {
    await git.walk({
      ...gitAccess(dir),
      trees: [git.TREE({ref: 'HEAD'}), git.WORKDIR({refresh: false}), git.STAGE()],
      map: async (filepath, [head, work, stage]) => {
        if (filepath === '.') return true
        if (!head && !stage) return null
        const [ht, wt, st] = await Promise.all([head?.type(), work?.type(), stage?.type()])
        if (ht === 'commit' || st === 'commit') return null // submodules are their own repositories
        if (ht === 'tree' || st === 'tree' || wt === 'tree') {
          // A directory everywhere it is tracked: its files decide. A file/directory switch is a change.
          if ((ht ?? 'tree') === 'tree' && (st ?? 'tree') === 'tree') return true
          throw new Dirty()
        }
        if (ht !== st || wt !== 'blob') throw new Dirty()
        const [ho, so, wo] = await Promise.all([head!.oid(), stage!.oid(), work!.oid()])
        if (ho !== so || wo !== so) throw new Dirty()
        if ((await work!.mode()) !== (await stage!.mode())) throw new Dirty()
        return true
      },
    })
    return false
  } catch (err) {
    if (err instanceof Dirty) return true
    // No HEAD yet: anything staged makes the tree dirty.
    if ((err as {code?: string}).code === 'NotFoundError') return (await git.listFiles({...gitAccess(dir)}).catch(() => [])).length > 0
    throw new BlError('IO_ERROR', `cannot read the Git repository at ${dir}: ${(err as Error).message}`, {hint: 'Check the repository with `git status`, or turn the link off with `bl config git.link false`.'})
  }
}

/**
 * user.name / user.email as Git would use them: GIT_AUTHOR_* from the environment, then the
 * repository's config, then the global files (~/.gitconfig, $XDG_CONFIG_HOME/git/config), which
 * isomorphic-git does not read itself.
 */
export async function readGitIdentity(dir: string | null, env: Readonly<Record<string, string | undefined>>): Promise<{name?: string; email?: string}> {
  const out: {name?: string; email?: string} = {name: env.GIT_AUTHOR_NAME || undefined, email: env.GIT_AUTHOR_EMAIL || undefined}
  if (dir && !(out.name && out.email)) {
    const git = await isoGit()
    out.name ??= ((await git.getConfig({...gitAccess(dir), path: 'user.name'}).catch(() => undefined)) as string | undefined) || undefined
    out.email ??= ((await git.getConfig({...gitAccess(dir), path: 'user.email'}).catch(() => undefined)) as string | undefined) || undefined
  }
  const home = env.HOME
  const xdg = env.XDG_CONFIG_HOME ?? (home ? path.join(home, '.config') : undefined)
  for (const file of [home && path.join(home, '.gitconfig'), xdg && path.join(xdg, 'git', 'config')]) {
    if (!file || (out.name && out.email)) continue
    const user = readUserSection(file)
    out.name ??= user.name
    out.email ??= user.email
  }
  return out
}

/** The [user] section of a Git config file; later values win, as in Git. */
function readUserSection(file: string): {name?: string; email?: string} {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return {}
  }
  const out: {name?: string; email?: string} = {}
  let inUser = false
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    const section = /^\[\s*([A-Za-z0-9.-]+)(\s+"[^"]*")?\s*\]/.exec(line)
    if (section) {
      inUser = section[1]!.toLowerCase() === 'user' && !section[2]
      continue
    }
    const kv = inUser ? /^(name|email)\s*=\s*(.*)$/i.exec(line) : null
    if (!kv) continue
    let value = kv[2]!.replace(/\s+[#;].*$/, '').trim()
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(["\\])/g, '$1')
    if (value) out[kv[1]!.toLowerCase() as 'name' | 'email'] = value
  }
  return out
}

/** A code revision (full or short SHA-1, branch, tag) as a full commit SHA-1. */
export async function resolveCodeRevision(dir: string, rev: string): Promise<string> {
  const git = await isoGit()
  let oid: string | undefined
  try {
    oid = await git.resolveRef({...gitAccess(dir), ref: rev})
  } catch {
    if (/^[0-9a-f]{4,40}$/i.test(rev)) oid = await git.expandOid({...gitAccess(dir), oid: rev.toLowerCase()}).catch(() => undefined)
  }
  if (!oid) throw new BlError('UNKNOWN_REVISION', `unknown Git revision "${rev}" in ${dir}`, {hint: 'Give a commit SHA-1 (or a unique prefix), a branch or a tag of the code repository.'})
  // Annotated tags point at a tag object: peel to the commit.
  for (let i = 0; i < 8; i++) {
    const read: {type: string; object: unknown} = await git.readObject({...gitAccess(dir), oid, format: 'parsed'}).catch(() => ({type: 'commit', object: null}))
    if (read.type !== 'tag') break
    oid = (read.object as {object: string}).object
  }
  return oid
}
