/**
 * Merge and bisect set-up in the test process (see inproc.ts, inproc-history.ts): the core calls of
 * `bl merge`, `bl bisect start` and `bl bisect reset` with the flags set-up uses, on the sandbox's
 * repository opened as its `bl` would open it
 * (withRepo: same environment, cwd and user config dir) and closed again before it returns. The
 * options are those src/commands/merge.ts and bisect/*.ts pass, a flag not given being undefined as
 * oclif leaves it. For building the state a test then examines with the real binary; a command a
 * test is about (its output, exit code or effect asserted, or named in its title) still runs
 * through `bl`.
 */
import {bisectReset, bisectStart, type BisectStatus} from '../../src/core/ops/bisect.ts'
import {merge, type MergeResult} from '../../src/core/ops/merge.ts'
import fs from 'node:fs'
import path from 'node:path'
import type {RunOptions, Sandbox} from './helpers.ts'
import {repoWithIP, setup, withRepo} from './inproc.ts'

export function mergeOps(s: Sandbox, opts: RunOptions = {}) {
  return {
    /** `bl merge -q [--no-ff] [-m <message>] <rev>` */
    merge: (rev: string, o: {noFf?: boolean; message?: string} = {}): Promise<MergeResult> =>
      withRepo(
        s,
        (r) =>
          merge(r, {rev, ffOnly: undefined, noFf: o.noFf || undefined, message: o.message, favor: undefined, allowUnrelated: undefined, squash: undefined, noCommit: undefined}),
        opts,
      ),
    /** `bl bisect start -q [<bad> [<good>...]]` (without --first-parent) */
    bisectStart: (bad?: string, ...good: string[]): Promise<BisectStatus> =>
      withRepo(s, (r) => bisectStart(r, {bad, good, firstParent: undefined}), opts),
    /** `bl bisect reset -q` (back to where the bisection started) */
    bisectReset: (): Promise<{returnedTo: string | null}> => withRepo(s, (r) => bisectReset(r, undefined), opts),
  }
}

export type Edits = Record<string, string | Buffer | null | {from: string}>

/** Applies edits: content writes, deletions (null) and moves ({from}). */
export function apply(s: Sandbox, edits: Edits): void {
  for (const [p, v] of Object.entries(edits)) {
    if (v === null) fs.rmSync(s.p(p), {recursive: true, force: true})
    else if (typeof v === 'object' && !Buffer.isBuffer(v)) {
      fs.mkdirSync(path.dirname(s.p(p)), {recursive: true})
      fs.renameSync(s.p(v.from), s.p(p))
    } else s.write(p, v)
  }
}

/**
 * base committed on main; `theirs` branch with its edits; main with ours; HEAD on main. Built in
 * this process (inproc.ts: the core operations `bl add -A`, `commit`, `branch`, `switch` call),
 * not by ~8 `bl` processes: what the tests examine is the merge that follows.
 */
export async function scenario(base: Record<string, string | Buffer>, ours: Edits, theirs: Edits): Promise<Sandbox> {
  const s = await repoWithIP(base, 'base')
  const b = setup(s)
  await b.branch('theirs')
  apply(s, ours)
  await b.commitAll('ours')
  await b.switch('theirs')
  apply(s, theirs)
  await b.commitAll('theirs')
  await b.switch('main')
  return s
}
