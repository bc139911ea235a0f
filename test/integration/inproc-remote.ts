/**
 * Remote set-up in the test process (see inproc.ts): the core operations `bl remote add`, `bl remote
 * set-url`, `bl push`, `bl clone`, `bl tag`, `bl reset --hard` and `bl gc --evict` call, with the
 * options those commands pass, on a sandbox's repository opened as `withRepo` opens it. For building
 * the state a test then examines with the real binary; what a test is about still runs through `bl`.
 *
 * The arguments are the command's own (`push('-u', 'origin', 'main')`, `remoteAdd('origin',
 * ...target.url('x'))`), parsed here for the few flags set-up uses; anything else is refused, so
 * a helper never silently does less than the command would.
 *
 * S3 remotes: the AWS SDK reads credentials and region from process.env, where a `bl` process has
 * its sandbox's environment. For the length of each in-process operation the test process's AWS_*
 * variables are made the sandbox's (and restored after); these operations run one at a time.
 */
import path from 'node:path'
import {createRef} from '../../src/core/ops/branch.ts'
import {evict} from '../../src/core/ops/evict.ts'
import {gc} from '../../src/core/ops/maintenance.ts'
import {remoteAdd, remoteSetUrl, type RemoteOptions} from '../../src/core/ops/remote.ts'
import {reset, resetArgs} from '../../src/core/ops/reset.ts'
import {clone, push, type CloneResult, type PushResult} from '../../src/core/ops/sync.ts'
import {Sandbox, type RunOptions} from './helpers.ts'
import {withRepo} from './inproc.ts'

/** Splits `[url, '--endpoint', e, '--path-style', ...]` (a Target's url()) into the URL and the options `remoteOptionsFrom` builds. */
function remoteArgs(args: string[]): {positional: string[]; options: RemoteOptions} {
  const positional: string[] = []
  const flags: {endpoint?: string; region?: string; profile?: string; 'path-style'?: boolean; concurrency?: number} = {}
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === '--endpoint' || a === '--region' || a === '--profile') flags[a.slice(2) as 'endpoint' | 'region' | 'profile'] = value(args, ++i, a)
    else if (a === '--path-style') flags['path-style'] = true
    else if (a === '--no-path-style') flags['path-style'] = false
    else if (a === '--concurrency') flags.concurrency = Number(value(args, ++i, a))
    else if (a.startsWith('-')) throw new Error(`inproc-remote: unsupported option ${a}`)
    else positional.push(a)
  }
  // src/cli/remote-flags.ts remoteOptionsFrom (not imported: it loads oclif).
  return {positional, options: {endpoint: flags.endpoint, region: flags.region, profile: flags.profile, pathStyle: flags['path-style'], concurrency: flags.concurrency}}
}

function value(args: string[], i: number, flag: string): string {
  const v = args[i]
  if (v === undefined) throw new Error(`inproc-remote: ${flag} needs a value`)
  return v
}

let queue: Promise<unknown> = Promise.resolve()

/**
 * Runs `fn` with process.env's AWS_* variables set as in the environment of a `bl` started with
 * `opts` (plus the one bl's base command sets), one such operation at a time.
 */
function withAwsEnv<T>(s: Sandbox, opts: RunOptions, fn: () => Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    const env = {...s.env(opts)}
    env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
    const keys = new Set([...Object.keys(process.env), ...Object.keys(env)].filter((k) => k.startsWith('AWS_')))
    const saved = new Map([...keys].map((k) => [k, process.env[k]]))
    const set = (k: string, v: string | undefined): void => {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
    for (const k of keys) set(k, env[k])
    try {
      return await fn()
    } finally {
      for (const [k, v] of saved) set(k, v)
    }
  }
  const p = queue.then(run, run)
  queue = p.catch(() => undefined)
  return p
}

/** `bl push` flags set-up uses: -u, -f, --tags, -d; -q is implied (nothing is printed here). */
function pushArgs(args: string[]): {remote?: string; refspecs: string[]; force?: boolean; tags?: boolean; delete?: boolean; setUpstream?: boolean} {
  const out: {remote?: string; refspecs: string[]; force?: boolean; tags?: boolean; delete?: boolean; setUpstream?: boolean} = {refspecs: []}
  const positional: string[] = []
  for (const a of args) {
    if (a === '-q' || a === '--quiet') continue
    else if (a === '-u' || a === '--set-upstream') out.setUpstream = true
    else if (a === '-f' || a === '--force') out.force = true
    else if (a === '--tags') out.tags = true
    else if (a === '-d' || a === '--delete') out.delete = true
    else if (a.startsWith('-')) throw new Error(`inproc-remote: unsupported push option ${a}`)
    else positional.push(a)
  }
  const [remote, ...refspecs] = positional
  out.remote = remote
  out.refspecs = refspecs
  return out
}

/**
 * The in-process counterparts of remote set-up commands on a sandbox, each opening the repository
 * afresh as its `bl` would: `const r = remoteSetup(a); await r.remoteAdd('origin', ...url); await r.push('-u')`.
 */
export function remoteSetup(s: Sandbox, opts: RunOptions = {}) {
  return {
    /** `bl remote add <name> <url> [--endpoint <e>] [--path-style] ...` */
    remoteAdd: (name: string, ...urlArgs: string[]) => {
      const {positional, options} = remoteArgs(urlArgs)
      if (positional.length !== 1) throw new Error(`inproc-remote: remote add takes one URL, got ${positional.join(' ')}`)
      return withRepo(s, (r) => remoteAdd(r, name, positional[0]!, options), opts)
    },
    /**
     * `bl remote set-url <name> <url> [--endpoint <e>] [--path-style] ...`; the warning the command
     * prints when the old URL alone held evicted content is not printed (set-up asserts nothing about it).
     */
    remoteSetUrl: (name: string, ...urlArgs: string[]) => {
      const {positional, options} = remoteArgs(urlArgs)
      if (positional.length !== 1) throw new Error(`inproc-remote: remote set-url takes one URL, got ${positional.join(' ')}`)
      return withRepo(s, (r) => remoteSetUrl(r, name, positional[0]!, {...options, onWarning: () => {}}), opts)
    },
    /** `bl push -q [-u] [-f] [--tags] [-d] [<remote> [<refspec>...]]`; returns push's result (what `--json` prints). */
    push: (...args: string[]): Promise<PushResult> => {
      const p = pushArgs(args)
      return withAwsEnv(s, opts, () =>
        withRepo(s, (r) => push(r, {remote: p.remote, refspecs: p.refspecs, force: p.force, forceWithLease: undefined, tags: p.tags, delete: p.delete, setUpstream: p.setUpstream, dryRun: undefined}), opts),
      )
    },
    /** `bl tag -q [-f] <name> [<commit>]` */
    tag: (name: string, commit = 'HEAD', o: {force?: boolean} = {}) => withRepo(s, (r) => createRef(r, 'tag', name, commit, o.force ?? false), opts),
    /** `bl reset -q --hard <rev>` */
    resetHard: (rev: string) => withRepo(s, (r) => reset(r, {mode: 'hard', ...resetArgs(r, [rev], undefined)}), opts),
    /** `bl gc -q --evict`: gc, then evict from every remote (no --max-size). */
    gcEvict: () =>
      withAwsEnv(s, opts, () =>
        withRepo(
          s,
          async (r) => {
            gc(r, {dryRun: undefined})
            return evict(r, {maxSize: undefined, remote: undefined, dryRun: undefined})
          },
          opts,
        ),
      ),
  }
}

/**
 * `bl clone -q <url> <dir> [--endpoint <e>] [--path-style] ...` run from `opts.cwd` (default: the
 * sandbox's base): the context a `bl` started there builds (BlCommand.context()).
 */
export function cloneInProcess(s: Sandbox, args: string[], opts: RunOptions = {}): Promise<CloneResult> {
  const {positional, options} = remoteArgs(args)
  if (positional.length !== 2) throw new Error(`inproc-remote: clone takes <url> <dir>, got ${positional.join(' ')}`)
  const [url, dir] = positional as [string, string]
  const env = s.env(opts)
  const cwd = opts.cwd ?? s.base
  return withAwsEnv(s, opts, () => clone({cwd: path.resolve(cwd), env: {...env}, userConfigDir: env.BL_CONFIG_DIR ?? s.configDir, now: () => new Date()}, {url, dir, remoteOptions: options}))
}
