/**
 * The merge benchmark of issue 3: two branches of a 50,000-file tree (D2's files) that each changed
 * 100 files in different directories, merged with the real `bl merge`. Target: <= 2 s, memory
 * bounded (reported as peak RSS). The repository is built untimed; each run resets main to its
 * pre-merge tip with `bl reset --hard` and merges again.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {Runner} from './measure.js'
import {blCommand, summarize, type Summary} from './util.js'

export interface MergeBench {
  wall: Summary | null
  rss: Summary | null
  runs: number
  error?: string
}

function must(r: {rc: number; stderr: string; argv: string[]}): void {
  if (r.rc !== 0) throw new Error(`${r.argv.slice(-3).join(' ')} failed (${r.rc}): ${r.stderr.trim().split('\n')[0]}`)
}

type BlRun = (...args: string[]) => Promise<{stdout: string; wall: number; rss: number | null}>

/**
 * The scratch tree committed as `base` (`bl add <what>`), then `ours` edits committed on main and
 * `theirs` edits on branch `other`; back on main. Returns main's tip.
 */
async function twoBranches(bl: BlRun, what: string, ours: () => void, theirs: () => void): Promise<string> {
  await bl('init', '-q')
  await bl('add', what)
  await bl('commit', '-q', '-m', 'base')
  await bl('branch', '-q', 'other')
  ours()
  await bl('commit', '-q', '-a', '-m', 'ours')
  const tip = JSON.parse((await bl('log', '-n', '1', '--json')).stdout).result[0].id as string
  await bl('switch', '-q', 'other')
  theirs()
  await bl('commit', '-q', '-a', '-m', 'theirs')
  await bl('switch', '-q', 'main')
  return tip
}

/** `runs` timed `bl merge other` on main, each checked by `check`, main reset to `tip` after each. */
async function timeMerges(bl: BlRun, tip: string, runs: number, what: string, log: (m: string) => void, check: (result: {status: string; changed: number}) => void): Promise<MergeBench> {
  const walls: number[] = []
  const rsss: number[] = []
  for (let r = 0; r < runs; r++) {
    const m = await bl('merge', '--json', 'other')
    check(JSON.parse(m.stdout).result)
    walls.push(m.wall)
    if (m.rss !== null) rsss.push(m.rss)
    log(`${what}: run ${r + 1}/${runs}: ${m.wall.toFixed(2)} s`)
    await bl('reset', '-q', '--hard', tip)
  }
  return {wall: summarize(walls), rss: summarize(rsss), runs}
}

export async function benchMerge(runner: Runner, blBin: string, d2Dir: string, scratch: string, runs: number, env: NodeJS.ProcessEnv, log: (m: string) => void): Promise<MergeBench> {
  fs.rmSync(scratch, {recursive: true, force: true})
  fs.cpSync(d2Dir, scratch, {recursive: true})
  const bl = async (...args: string[]) => {
    const r = await runner.run([...blCommand(blBin), ...args], {cwd: scratch, env})
    must(r)
    return r
  }
  const dirs = fs
    .readdirSync(scratch)
    .filter((d) => fs.statSync(path.join(scratch, d)).isDirectory())
    .sort()
  const touch = (offset: number, tag: string): void => {
    for (let i = 0; i < 100; i++) {
      const dir = path.join(scratch, dirs[(i * 5 + offset) % dirs.length]!)
      const file = path.join(dir, fs.readdirSync(dir).sort()[0]!)
      fs.appendFileSync(file, `${tag} ${i}\n`)
    }
  }
  try {
    log('merge bench: building the 50,000-file repository (untimed)')
    const tip = await twoBranches(bl, '-A', () => touch(0, 'ours'), () => touch(1, 'theirs'))
    return await timeMerges(bl, tip, runs, 'merge bench', log, (res) => {
      if (res.status !== 'merged' || res.changed !== 100) throw new Error(`unexpected merge result ${JSON.stringify(res).slice(0, 200)}`)
    })
  } catch (err) {
    return {wall: null, rss: null, runs: 0, error: (err as Error).message}
  } finally {
    fs.rmSync(scratch, {recursive: true, force: true})
  }
}

/**
 * Merging content: D3's 512 MiB CSV edited on two branches (rows far apart, and two rows a few
 * lines apart in one chunk), merged with the real `bl merge`. Only the chunks both sides changed
 * are merged by lines; the rest streams through. Target: <= 5 s, memory bounded (a line merge of
 * the whole file, as `git merge-file` does it, took ~59 s and 4.9 GB here).
 */
export async function benchContentMerge(runner: Runner, blBin: string, d3Dir: string, scratch: string, runs: number, env: NodeJS.ProcessEnv, log: (m: string) => void): Promise<MergeBench> {
  fs.rmSync(scratch, {recursive: true, force: true})
  fs.mkdirSync(scratch, {recursive: true})
  const csv = path.join(scratch, 'data.csv')
  fs.copyFileSync(path.join(d3Dir, 'data.csv'), csv)
  const bl = async (...args: string[]) => {
    const r = await runner.run([...blCommand(blBin), ...args], {cwd: scratch, env})
    must(r)
    return r
  }
  const size = fs.statSync(csv).size
  // Overwrites a few bytes inside the `skip`-th line after `at` (never a newline): an in-place row edit.
  const edit = (at: number, skip: number, tag: string): void => {
    const fd = fs.openSync(csv, 'r+')
    try {
      const buf = Buffer.alloc(4096)
      fs.readSync(fd, buf, 0, buf.length, at)
      let nl = buf.indexOf(10)
      for (let k = 0; k < skip; k++) nl = buf.indexOf(10, nl + 1)
      const end = buf.indexOf(10, nl + 1)
      if (nl < 0 || end < 0 || end - nl <= tag.length + 2) throw new Error('content-merge bench: no row to edit')
      fs.writeSync(fd, Buffer.from(tag), 0, tag.length, at + nl + 2)
    } finally {
      fs.closeSync(fd)
    }
  }
  try {
    log('content merge bench: committing D3 on two branches (untimed)')
    const tip = await twoBranches(
      bl,
      'data.csv',
      () => {
        for (const [f, skip] of [[0.1, 0], [0.5, 0], [0.8, 0]] as const) edit(Math.floor(size * f), skip, 'OURS')
      },
      // The second row is three lines below one of ours: the same chunk, merged by lines.
      () => {
        for (const [f, skip] of [[0.3, 0], [0.5, 3], [0.95, 0]] as const) edit(Math.floor(size * f), skip, 'THEIRS')
      },
    )
    return await timeMerges(bl, tip, runs, 'content merge bench', log, (res) => {
      if (res.status !== 'merged') throw new Error(`unexpected merge result ${JSON.stringify(res).slice(0, 200)}`)
      const merged = fs.readFileSync(csv, 'latin1')
      const count = (tag: string): number => merged.split(tag).length - 1
      if (count('OURS') !== 3 || count('THEIRS') !== 3) throw new Error(`the merged CSV has ${count('OURS')} of ours' and ${count('THEIRS')} of theirs' 3 edits`)
    })
  } catch (err) {
    return {wall: null, rss: null, runs: 0, error: (err as Error).message}
  } finally {
    fs.rmSync(scratch, {recursive: true, force: true})
  }
}
