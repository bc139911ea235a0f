import fs from 'node:fs'

/** Whether a process still runs on this machine (a pid recycled by another process also counts as alive). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The entries of `dir` that processes left behind: names matching `pattern` (its first group a
 * pid) of processes that no longer run, never this one's. None when `dir` cannot be read.
 */
export function leftBehind(dir: string, pattern: RegExp): string[] {
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return [] // not created yet, or not a directory: nothing left there
  }
  return names.filter((name) => {
    const pid = Number(pattern.exec(name)?.[1])
    return Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)
  })
}
