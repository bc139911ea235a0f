/**
 * A small commit graph built twice, for comparing bl with git on the same history: in a bl
 * repository in-process (commits with chosen parents and committer times, no `bl` process per
 * commit), and with `git commit-tree` in a new Git repository. Commits are named; refs are full
 * names (`refs/heads/x`, `refs/tags/v1`, `refs/remotes/origin/x`) pointing at named commits.
 */
import {spawnSync} from 'node:child_process'
import type {Oid} from '../../src/core/hash.ts'
import {commitId, encodeCommit, type Commit} from '../../src/core/objects/commit.ts'
import {loadCommit} from '../../src/core/odb.ts'
import {updateRefs} from '../../src/core/refs/refs.ts'
import {openRepo} from '../../src/core/repo.ts'
import {lines, makeTmp, type Sandbox} from '../integration/helpers.ts'

export interface History {
  /** [name, parent names], in commit-time order: commit i is made at `t0 + 10 * i`. */
  graph: Array<[string, string[]]>
  /** Full ref name -> commit name. */
  refs: Record<string, string>
  t0: number
}

/** The history in the sandbox's store, each commit with the tree of `base` (the work tree stays clean); returns the ids by name. */
export function buildBlHistory(s: Sandbox, base: string, h: History): Record<string, Oid> {
  const repo = openRepo({cwd: s.dir, env: {}, userConfigDir: s.configDir, now: () => new Date()})
  try {
    return repo.store.transaction(() => {
      const ids: Record<string, Oid> = {}
      const tree = loadCommit(repo.store, base as Oid).tree
      h.graph.forEach(([name, parents], i) => {
        const who = {name: 'Test', email: 't@example.com', time: h.t0 + 10 * i, tz: 0}
        const c: Commit = {tree, parents: parents.map((p) => ids[p]!), author: who, committer: who, message: `${name}\n`, meta: {}}
        ids[name] = commitId(c)
        repo.store.putObject(ids[name]!, 'commit', encodeCommit(c))
      })
      updateRefs(repo, Object.entries(h.refs).map(([ref, c]) => ({ref, to: ids[c]!, message: 'test: build'})))
      return ids
    })
  } finally {
    repo.close()
  }
}

/**
 * The same history in a new Git repository under `tmps` (lightweight tags, HEAD on main, no user or
 * system config); returns a runner of git commands there (stdout lines), or null without git.
 */
export function buildGitHistory(h: History, tmps: string[]): ((args: string[]) => string[]) | null {
  if (spawnSync('git', ['--version']).status !== 0) return null
  const dir = makeTmp('bl-history-git-')
  tmps.push(dir)
  const git = (args: string[], env: Record<string, string> = {}): string => {
    const r = spawnSync('git', args, {cwd: dir, encoding: 'utf8', env: {...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_NOSYSTEM: '1', HOME: dir, ...env}})
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }
  git(['init', '-q'])
  const tree = git(['hash-object', '-t', 'tree', '-w', '--stdin']).trim()
  const ids: Record<string, string> = {}
  h.graph.forEach(([name, parents], i) => {
    const date = `@${h.t0 + 10 * i} +0000`
    ids[name] = git(['commit-tree', tree, '-m', name, ...parents.flatMap((p) => ['-p', ids[p]!])], {GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date}).trim()
  })
  for (const [ref, c] of Object.entries(h.refs)) git(['update-ref', ref, ids[c]!])
  git(['symbolic-ref', 'HEAD', 'refs/heads/main'])
  return (args) => lines(git(args))
}
