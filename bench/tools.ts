/**
 * The contenders: bl and its peers (cp -r, git, restic), each as a small adapter that knows how to
 * init, "first commit", show status, commit again and restore into an empty work tree.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {CmdResult, Runner} from './measure.js'
import {commandVersion, onPath} from './measure.js'
import {blCommand, dirBytes, tail, topFiles} from './util.js'

export type ToolName = 'cp' | 'bl' | 'git' | 'restic'
export const ALL_TOOLS: readonly ToolName[] = ['cp', 'bl', 'git', 'restic']

export interface CmdRecord {
  argv: string[]
  rc: number
  wall: number
  cpu: number | null
  rss: number | null
  foreignCpu: number | null
}

export interface StepResult {
  ok: boolean
  /** seconds, sum over the step's commands */
  wall: number | null
  cpu: number | null
  /** bytes, max over the step's commands */
  rss: number | null
  /** CPU seconds used by other processes (and kernel threads) during the step: noise indicator */
  foreignCpu?: number | null
  cmds: CmdRecord[]
  error?: string
  /** the failing command's last lines of output */
  detail?: string
  /** store size (bytes) after the step */
  storeBytes?: number
  /** top-level files of the store dir after the step (e.g. bl.db / bl.db-wal) */
  storeFiles?: Record<string, number>
  /** store size after minus before the step (incremental commits) */
  growth?: number
  /** bytes the mutation changed (incremental commits) */
  changedBytes?: number
  /** status: whether the tool reported a clean work tree */
  clean?: boolean | null
  /** checkout: '' when the restored tree matches the committed one, else what differs */
  verify?: string
  note?: string
}

export interface ToolCtx {
  runner: Runner
  /** per-(dataset, tool, run) scratch directory; removed afterwards */
  scratch: string
  /** the work tree (bl, git, restic) */
  wt: string
  /** the dataset's source tree (cp reads it directly) */
  src: string
  /** state carried between steps of one run */
  state: {branch?: string}
}

export interface Tool {
  name: ToolName
  label: string
  /** metadata dir inside the work tree, kept when the work tree is emptied */
  vcsDir: string | null
  available: boolean
  version: string | null
  reason?: string
  needsWorkTree: boolean
  init?(c: ToolCtx): Promise<StepResult>
  firstCommit(c: ToolCtx): Promise<StepResult>
  status?(c: ToolCtx): Promise<StepResult>
  commit?(c: ToolCtx, msg: string): Promise<StepResult>
  /** checkout/restore of HEAD into an empty work tree (bl, git) or an empty target dir (restic) */
  checkout?(c: ToolCtx): Promise<{step: StepResult; restoredRoot: string}>
  storeDir(c: ToolCtx): string
}

/** Run commands in order, stopping at the first failure; the step's time is the sum. */
export async function runSeq(runner: Runner, cmds: string[][], cwd: string, env: NodeJS.ProcessEnv): Promise<StepResult & {outputs: CmdResult[]}> {
  const recs: CmdRecord[] = []
  const outputs: CmdResult[] = []
  let wall = 0
  let cpu: number | null = 0
  let rss: number | null = null
  let foreignCpu: number | null = 0
  for (const argv of cmds) {
    const r = await runner.run(argv, {cwd, env})
    outputs.push(r)
    recs.push({argv: r.argv, rc: r.rc, wall: r.wall, cpu: r.cpu, rss: r.rss, foreignCpu: r.foreignCpu})
    wall += r.wall
    foreignCpu = foreignCpu === null || r.foreignCpu === null ? null : foreignCpu + r.foreignCpu
    cpu = cpu === null || r.cpu === null ? null : cpu + r.cpu
    if (r.rss !== null) rss = Math.max(rss ?? 0, r.rss)
    if (r.rc !== 0) {
      const detail = tail(r.stderr || r.stdout, 12, 2000)
      const lines = detail.split('\n').map((l) => l.trim()).filter(Boolean)
      const headline = lines.find((l) => /error/i.test(l)) ?? lines[lines.length - 1] ?? '(no output)'
      return {ok: false, wall, cpu, rss, foreignCpu, cmds: recs, outputs, error: `\`${shortArgv(argv)}\` exited ${r.rc}: ${headline}`, detail}
    }
  }
  return {ok: true, wall, cpu, rss, foreignCpu, cmds: recs, outputs}
}

function shortArgv(argv: string[]): string {
  return argv.map((a) => (a.includes('/') && a.length > 40 ? path.basename(a) : a)).join(' ')
}

function strip<T extends {outputs?: unknown}>(r: T): Omit<T, 'outputs'> {
  const {outputs: _o, ...rest} = r
  return rest
}

// ------------------------------------------------------------------ cp -r

export function cpTool(): Tool {
  return {
    name: 'cp',
    label: 'cp -r',
    vcsDir: null,
    available: true,
    version: commandVersion('cp'),
    needsWorkTree: false,
    storeDir: (c) => path.join(c.scratch, 'copy'),
    async firstCommit(c) {
      return strip(await runSeq(c.runner, [['cp', '-r', c.src, path.join(c.scratch, 'copy')]], c.scratch, process.env))
    },
  }
}

// ------------------------------------------------------------------ bl

export function blTool(blBin: string): Tool {
  const node = process.execPath
  const bl = (...args: string[]): string[] => [...blCommand(blBin), ...args]
  const env = (c: ToolCtx): NodeJS.ProcessEnv => ({
    ...process.env,
    BL_AUTHOR_NAME: 'Bench Mark',
    BL_AUTHOR_EMAIL: 'bench@example.com',
    BL_CONFIG_DIR: path.join(c.scratch, 'bl-config'),
  })
  const built = fs.existsSync(path.join(path.dirname(blBin), '..', 'dist', 'commands'))
  const help = built ? commandVersion(node, [blBin, '--version']) : null
  return {
    name: 'bl',
    label: 'bl',
    vcsDir: '.bl',
    available: true, // always attempted: failures are reported as errors
    version: help,
    reason: built ? undefined : 'dist/commands missing (run `npm run build`)',
    needsWorkTree: true,
    storeDir: (c) => path.join(c.wt, '.bl'),
    async init(c) {
      return strip(await runSeq(c.runner, [bl('init')], c.wt, env(c)))
    },
    async firstCommit(c) {
      const r = await runSeq(c.runner, [bl('add', '-A'), bl('commit', '-m', 'first commit')], c.wt, env(c))
      const m = /^\[([^\s\]]+)/.exec(r.outputs[1]?.stdout ?? '')
      c.state.branch = m && m[1] !== 'detached' ? m[1] : 'main'
      return strip(r)
    },
    async status(c) {
      const r = await runSeq(c.runner, [bl('status')], c.wt, env(c))
      const out = r.outputs[0]?.stdout ?? ''
      return {...strip(r), clean: r.ok ? /working tree clean/.test(out) : null}
    },
    async commit(c, msg) {
      return strip(await runSeq(c.runner, [bl('add', '-A'), bl('commit', '-m', msg)], c.wt, env(c)))
    },
    async checkout(c) {
      const step = strip(await runSeq(c.runner, [bl('checkout', '-f', c.state.branch ?? 'main')], c.wt, env(c)))
      return {step, restoredRoot: c.wt}
    },
  }
}

// ------------------------------------------------------------------ git

export function gitTool(): Tool {
  const available = onPath('git')
  const env: NodeJS.ProcessEnv = {...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null'}
  // gc.auto=0: `git commit` would otherwise start `gc --auto` in the background (>6,700 loose
  // objects), which would land in the next step's timing and store size.
  const commit = (msg: string): string[] => ['git', '-c', 'user.name=b', '-c', 'user.email=b@b', '-c', 'gc.auto=0', '-c', 'maintenance.auto=false', 'commit', '-qm', msg]
  return {
    name: 'git',
    label: 'git',
    vcsDir: '.git',
    available,
    version: available ? commandVersion('git') : null,
    reason: available ? undefined : 'git not on PATH',
    needsWorkTree: true,
    storeDir: (c) => path.join(c.wt, '.git'),
    async init(c) {
      return strip(await runSeq(c.runner, [['git', 'init', '-q']], c.wt, env))
    },
    async firstCommit(c) {
      return strip(await runSeq(c.runner, [['git', 'add', '-A'], commit('x')], c.wt, env))
    },
    async status(c) {
      const r = await runSeq(c.runner, [['git', 'status']], c.wt, env)
      return {...strip(r), clean: r.ok ? /working tree clean/.test(r.outputs[0]?.stdout ?? '') : null}
    },
    async commit(c, msg) {
      return strip(await runSeq(c.runner, [['git', 'add', '-A'], commit(msg)], c.wt, env))
    },
    async checkout(c) {
      const step = strip(await runSeq(c.runner, [['git', 'checkout', '-f', '-q']], c.wt, env))
      return {step, restoredRoot: c.wt}
    },
  }
}

// ------------------------------------------------------------------ restic

export function resticTool(): Tool {
  const available = onPath('restic')
  const repo = (c: ToolCtx): string => path.join(c.scratch, 'restic-repo')
  const env = (c: ToolCtx): NodeJS.ProcessEnv => ({
    ...process.env,
    RESTIC_PASSWORD: 'bench',
    RESTIC_CACHE_DIR: path.join(c.scratch, 'restic-cache'),
  })
  return {
    name: 'restic',
    label: 'restic',
    vcsDir: null,
    available,
    version: available ? commandVersion('restic', ['version']) : null,
    reason: available ? undefined : 'restic not on PATH (not installed by the harness)',
    needsWorkTree: true,
    storeDir: repo,
    async init(c) {
      return strip(await runSeq(c.runner, [['restic', '-r', repo(c), 'init', '-q']], c.wt, env(c)))
    },
    async firstCommit(c) {
      return strip(await runSeq(c.runner, [['restic', '-r', repo(c), 'backup', '-q', '.']], c.wt, env(c)))
    },
    async commit(c) {
      return strip(await runSeq(c.runner, [['restic', '-r', repo(c), 'backup', '-q', '.']], c.wt, env(c)))
    },
    async checkout(c) {
      const target = path.join(c.scratch, 'restore')
      fs.mkdirSync(target, {recursive: true})
      const step = strip(await runSeq(c.runner, [['restic', '-r', repo(c), 'restore', 'latest', '-q', '--target', target]], c.scratch, env(c)))
      return {step, restoredRoot: findRestoredRoot(target, c.wt)}
    },
  }
}

/** restic restores under the backed-up absolute path; descend to the directory that mirrors wt. */
function findRestoredRoot(target: string, wt: string): string {
  const candidate = path.join(target, wt)
  if (fs.existsSync(candidate)) return candidate
  const base = path.join(target, path.basename(wt))
  return fs.existsSync(base) ? base : target
}

export function storeInfo(t: Tool, c: ToolCtx): {storeBytes: number; storeFiles: Record<string, number>} {
  const dir = t.storeDir(c)
  return {storeBytes: dirBytes(dir), storeFiles: t.name === 'bl' ? topFiles(dir) : {}}
}
