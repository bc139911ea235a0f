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
import type {RunOptions, Sandbox} from './helpers.ts'
import {withRepo} from './inproc.ts'

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
