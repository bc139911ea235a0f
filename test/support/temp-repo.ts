/**
 * A fresh repository in a temporary directory for unit tests that drive core directly, closed and
 * removed when the test ends.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {Context} from '../../src/core/context.ts'
import {init} from '../../src/core/ops/init.ts'
import {openRepo, type Repo} from '../../src/core/repo.ts'

export interface TempRepoOptions {
  /** Start of the temporary directory's name. */
  prefix?: string
  /** The repository's clock (default: the real one). */
  now?: () => Date
  /** Environment seen by core (default: an author, nothing else). */
  env?: Record<string, string | undefined>
}

export function tempRepo(t: {after(fn: () => void): void}, opts: TempRepoOptions = {}): {dir: string; ctx: Context; repo: Repo} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), opts.prefix ?? 'bl-unit-'))
  const ctx: Context = {
    cwd: dir,
    env: opts.env ?? {BL_AUTHOR_NAME: 'Unit', BL_AUTHOR_EMAIL: 'unit@example.com'},
    userConfigDir: path.join(dir, '.cfg'),
    now: opts.now ?? (() => new Date()),
  }
  init(ctx, {})
  const repo = openRepo(ctx)
  t.after(() => {
    repo.close()
    fs.rmSync(dir, {recursive: true, force: true})
  })
  return {dir, ctx, repo}
}

/** A clock that moves one second per reading, from a fixed start: commit ids stay stable. */
export function steppingClock(start = 1_700_000_000_000): () => Date {
  let clock = start
  return () => new Date((clock += 1000))
}
