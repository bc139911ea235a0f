/**
 * Set-up in the test process: the core operations the `bl` commands call (add, commit, branch,
 * switch), run on a sandbox's repository without starting a `bl` process each (~0.25 s of CPU
 * per start). For building the state a test then examines with the real binary; what a test is
 * about still runs through `bl`. Kept out of helpers.ts so only the files using it load core.
 */
import {add} from '../../src/core/ops/add.ts'
import {createRef} from '../../src/core/ops/branch.ts'
import {switchTo} from '../../src/core/ops/checkout.ts'
import {commit} from '../../src/core/ops/commit.ts'
import type {Context} from '../../src/core/context.ts'
import {openRepo, type Repo} from '../../src/core/repo.ts'
import {initRepo, Sandbox, type RunOptions} from './helpers.ts'

/** The Context a `bl` started in the sandbox (or opts.cwd) builds: BlCommand.context() with the sandbox's environment. */
export function contextOf(s: Sandbox, opts: RunOptions = {}): Context {
  const env = s.env(opts)
  return {cwd: opts.cwd ?? s.dir, env: {...env}, userConfigDir: env.BL_CONFIG_DIR ?? s.configDir, now: () => new Date()}
}

/**
 * Runs `fn` on the sandbox's repository opened as a `bl` started there would open it (same
 * environment, cwd and user config dir); closed again before it returns, so before any `bl` runs.
 */
export async function withRepo<T>(s: Sandbox, fn: (repo: Repo) => Promise<T> | T, opts: RunOptions = {}): Promise<T> {
  const repo = openRepo(contextOf(s, opts))
  try {
    return await fn(repo)
  } finally {
    repo.close()
  }
}

/**
 * The in-process counterparts of the set-up commands on a sandbox, each opening the repository
 * afresh as its `bl` would: `const b = setup(s); await b.addAll(); const id = await b.commit('m')`.
 */
export function setup(s: Sandbox, opts: RunOptions = {}) {
  return {
    /** `bl add -A -q` */
    addAll: () => withRepo(s, (r) => add(r, {all: true, paths: []}), opts),
    /** `bl add -q <paths>` */
    add: (...paths: string[]) => withRepo(s, (r) => add(r, {all: false, paths}), opts),
    /** `bl commit -q [-a] -m <message>`; returns the commit's id. */
    commit: async (message: string, o: {all?: boolean} = {}): Promise<string> => (await withRepo(s, (r) => commit(r, {message, all: o.all ?? false, paths: []}), opts)).id,
    /** `bl add -A -q` then `bl commit -q -m <message>`; returns the commit's id. */
    commitAll: async (message: string): Promise<string> => {
      await withRepo(s, (r) => add(r, {all: true, paths: []}), opts)
      return (await withRepo(s, (r) => commit(r, {message, paths: []}), opts)).id
    },
    /** `bl branch -q <name> [<start>]` */
    branch: (name: string, start = 'HEAD') => withRepo(s, (r) => createRef(r, 'branch', name, start, false), opts),
    /** `bl switch -q <branch>` */
    switch: (branch: string) => withRepo(s, (r) => switchTo(r, {target: branch, branchOnly: true}), opts),
    /** `bl switch -q -c <name> [<start>]` */
    switchNew: (name: string, start?: string) => withRepo(s, (r) => switchTo(r, {target: start, create: name, branchOnly: true}), opts),
  }
}

/** `repoWith` built in-process: a sandbox with the template `.bl` and, if files are given, one commit of them. */
export async function repoWithIP(files: Record<string, string | Buffer> = {}, message = 'initial'): Promise<Sandbox> {
  const s = new Sandbox()
  try {
    initRepo(s)
    const names = Object.keys(files)
    for (const n of names) s.write(n, files[n]!)
    if (names.length) await setup(s).commitAll(message)
    return s
  } catch (e) {
    s.cleanup()
    throw e
  }
}

/**
 * helpers.ts's `commitFiles` built in-process: writes `files`, stages everything (`bl add -A`) and
 * commits; returns the commit's id. For set-up only (a test about add or commit runs them as `bl`).
 */
export async function commitFiles(s: Sandbox, files: Record<string, string | Buffer>, msg: string, opts: RunOptions = {}): Promise<string> {
  for (const [p, v] of Object.entries(files)) s.write(p, v)
  return setup(s, opts).commitAll(msg)
}
