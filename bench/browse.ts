/**
 * BROWSE: how fast `bl browse` shows its first screen, measured in a real terminal (tmux), end to
 * end: the binary starts, draws, the test presses keys, and the clock stops when `tmux
 * capture-pane` shows the expected text (polled every ~5 ms, so figures carry ~5-10 ms of slack).
 *
 * - start-up: launch -> the commit list and the tree are on screen;
 * - preview of a 1 GiB file (issue 6: "the first screen appears in well under a second"): Enter on
 *   the file -> its preview header and first lines are on screen. A 1 GiB CSV (a table view) and a
 *   1 GiB binary file (type + hex dump), both unique content, committed untimed.
 */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {sfc32} from './gen.js'
import {GiB, blCommand, fmtSeconds, rmrf, summarize, type Summary, type Target} from './util.js'

export const PREVIEW_LIMIT = 0.5
export const STARTUP_LIMIT = 2
const GEN_VERSION = 1

export interface BrowseBench {
  startup: Summary | null
  previews: Record<string, Summary | null>
  error?: string
  skipped?: string
}

function sh(cmd: string, args: string[], opts: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): string {
  const r = spawnSync(cmd, args, {encoding: 'utf8', maxBuffer: 64 << 20, ...opts})
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${(r.stderr || r.stdout).slice(0, 500)}`)
  return r.stdout
}

/** 1 GiB of CSV rows (each unique) and 1 GiB of pseudo-random bytes, generated once and reused. */
function ensureData(dir: string, log: (m: string) => void): {csv: string; bin: string} {
  const csv = path.join(dir, 'big.csv')
  const bin = path.join(dir, 'big.bin')
  const marker = path.join(dir, `.v${GEN_VERSION}`)
  if (fs.existsSync(marker)) return {csv, bin}
  rmrf(dir)
  fs.mkdirSync(dir, {recursive: true})
  log('  generating 1 GiB CSV and 1 GiB binary (once)')
  const rand = sfc32(0xb10e5e, 0x5eed, 0xb1, 6)
  let fd = fs.openSync(csv, 'w')
  let written = 0
  let row = 0
  fs.writeSync(fd, 'id,label,width,height,score,source\n')
  const labels = ['cat', 'dog', 'bird', 'fish', 'horse', 'otter']
  while (written < GiB) {
    const lines: string[] = []
    for (let i = 0; i < 20_000; i++, row++) lines.push(`${row},${labels[rand() % labels.length]},${640 + (rand() % 1000)},${480 + (rand() % 800)},${(rand() % 100_000) / 1000},camera-${rand() % 97}`)
    written += fs.writeSync(fd, lines.join('\n') + '\n')
  }
  fs.closeSync(fd)
  fd = fs.openSync(bin, 'w')
  const block = Buffer.allocUnsafe(8 << 20)
  for (let done = 0; done < GiB; done += block.length) {
    for (let i = 0; i < block.length; i += 4) block.writeUInt32LE(rand() >>> 0, i)
    fs.writeSync(fd, block)
  }
  fs.closeSync(fd)
  fs.writeFileSync(marker, '')
  return {csv, bin}
}

export async function benchBrowse(blBin: string, dataRoot: string, workRoot: string, runs: number, env: NodeJS.ProcessEnv, log: (m: string) => void): Promise<BrowseBench> {
  if (spawnSync('tmux', ['-V']).status !== 0) return {startup: null, previews: {}, skipped: 'tmux is not installed'}
  const socket = `bl-bench-browse-${process.pid}`
  const tmux = (...args: string[]): string => sh('tmux', ['-L', socket, '-f', '/dev/null', ...args])
  const repo = path.join(workRoot, 'browse-repo')
  try {
    const data = ensureData(path.join(dataRoot, 'BROWSE'), log)
    rmrf(repo)
    fs.mkdirSync(repo, {recursive: true})
    const [blExe, ...blPre] = blCommand(blBin)
    const bl = (...args: string[]): string => sh(blExe!, [...blPre, ...args], {cwd: repo, env})
    bl('init', '-q')
    fs.linkSync(data.csv, path.join(repo, 'big.csv'))
    fs.linkSync(data.bin, path.join(repo, 'big.bin'))
    bl('add', '-A', '-q')
    bl('commit', '-q', '-m', 'two big files')
    const cmd = ['env', '-u', 'CI', 'TERM=xterm-256color', ...['BL_CONFIG_DIR', 'BL_AUTHOR_NAME', 'BL_AUTHOR_EMAIL', 'HOME', 'PATH'].map((k) => `${k}=${env[k] ?? ''}`), ...blCommand(blBin), 'browse']
    const screen = (): string => tmux('capture-pane', '-p', '-t', 'b')
    const until = async (check: (s: string) => boolean, what: string): Promise<number> => {
      const t0 = performance.now()
      for (;;) {
        if (check(screen())) return (performance.now() - t0) / 1000
        if (performance.now() - t0 > 30_000) throw new Error(`timed out waiting for ${what}:\n${screen()}`)
        await new Promise((r) => setTimeout(r, 5))
      }
    }
    const startup: number[] = []
    const previews: Record<string, number[]> = {'big.csv': [], 'big.bin': []}
    for (let run = 0; run < runs; run++) {
      for (const file of Object.keys(previews)) {
        const t0 = performance.now()
        tmux('new-session', '-d', '-s', 'b', '-x', '120', '-y', '40', '-c', repo, ...cmd)
        tmux('set-option', '-g', 'escape-time', '0')
        await until((s) => s.includes('Commits HEAD (1)') && s.includes('big.csv'), 'the first frame')
        startup.push((performance.now() - t0) / 1000)
        // To the tree, filter it down to the file, then time Enter -> the preview's first screen.
        for (const k of ['Tab', '/']) tmux('send-keys', '-t', 'b', k)
        tmux('send-keys', '-t', 'b', '-l', file)
        tmux('send-keys', '-t', 'b', 'Enter')
        await until((s) => s.includes('/big.') && !s.includes(file === 'big.csv' ? 'big.bin' : 'big.csv'), 'the filtered tree')
        tmux('send-keys', '-t', 'b', 'Enter')
        const t = await until((s) => s.includes('1.0 GiB') && s.includes('first part') && (file !== 'big.csv' || /\n│\s+1 \| /.test(s)) && s.includes(file === 'big.csv' ? 'CSV table' : '00000000  '), `the preview of ${file}`)
        previews[file]!.push(t)
        tmux('send-keys', '-t', 'b', 'q')
        // q ends bl and with it the session; kill it if it lingers.
        const gone = (): boolean => spawnSync('tmux', ['-L', socket, 'has-session', '-t', 'b']).status !== 0
        for (let i = 0; i < 200 && !gone(); i++) await new Promise((r) => setTimeout(r, 10))
        if (!gone()) tmux('kill-session', '-t', 'b')
      }
    }
    const out: BrowseBench = {startup: summarize(startup), previews: Object.fromEntries(Object.entries(previews).map(([k, v]) => [k, summarize(v)]))}
    log(`  start-up to first frame: ${fmtSeconds(out.startup!.median)} [${fmtSeconds(out.startup!.min)}..${fmtSeconds(out.startup!.max)}]`)
    for (const [k, s] of Object.entries(out.previews)) log(`  Enter -> first screen of ${k} (1 GiB): ${s ? `${(s.median * 1000).toFixed(0)} ms [${(s.min * 1000).toFixed(0)}..${(s.max * 1000).toFixed(0)}]` : 'n/a'}`)
    return out
  } catch (e) {
    return {startup: null, previews: {}, error: e instanceof Error ? e.message : String(e)}
  } finally {
    spawnSync('tmux', ['-L', socket, 'kill-server'])
    rmrf(repo)
  }
}

export function browseTargets(b: BrowseBench): Target[] {
  if (b.skipped) return [{id: 'BROWSE.preview', text: 'bl browse: first screen of a 1 GiB file', verdict: 'SKIP', measured: b.skipped, threshold: `<= ${PREVIEW_LIMIT} s`, value: null, limit: PREVIEW_LIMIT}]
  const out: Target[] = []
  for (const file of ['big.csv', 'big.bin']) {
    const s = b.previews[file]
    const text = `bl browse: Enter -> first screen of a 1 GiB ${file === 'big.csv' ? 'CSV (table view)' : 'binary file (hex view)'}, in tmux`
    out.push(s ? {id: `BROWSE.preview.${file}`, text, verdict: s.median <= PREVIEW_LIMIT ? 'PASS' : 'FAIL', measured: `${fmtSeconds(s.median)} [${fmtSeconds(s.min)}..${fmtSeconds(s.max)}]`, threshold: `<= ${PREVIEW_LIMIT} s`, value: s.median, limit: PREVIEW_LIMIT} : {id: `BROWSE.preview.${file}`, text, verdict: 'FAIL', measured: `error: ${b.error ?? 'no data'}`, threshold: `<= ${PREVIEW_LIMIT} s`, value: null, limit: PREVIEW_LIMIT})
  }
  const st = b.startup
  out.push(st ? {id: 'BROWSE.startup', text: 'bl browse: launch -> first frame (commits and tree shown)', verdict: st.median <= STARTUP_LIMIT ? 'PASS' : 'FAIL', measured: `${fmtSeconds(st.median)} [${fmtSeconds(st.min)}..${fmtSeconds(st.max)}]`, threshold: `<= ${STARTUP_LIMIT} s`, value: st.median, limit: STARTUP_LIMIT} : {id: 'BROWSE.startup', text: 'bl browse start-up', verdict: 'FAIL', measured: `error: ${b.error ?? 'no data'}`, threshold: `<= ${STARTUP_LIMIT} s`, value: null, limit: STARTUP_LIMIT})
  return out
}
