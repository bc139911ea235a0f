/** Text for `bl bisect` steps, and the base of its mark commands (good, bad, skip and Git's new/old). */
import {Args} from '#oclif'
import {BlCommand} from './base-command.js'
import {bisectMark, type BisectMark, type BisectStatus} from '../core/ops/bisect.js'

/** What Git prints after a step: the next commit to test, or the answer. */
export function bisectStatusLines(s: BisectStatus): string[] {
  switch (s.state) {
    case 'waiting':
      return [`status: waiting for ${s.needs.length === 2 ? 'both good and bad commits' : `a ${s.needs[0]} commit`} (bl bisect ${s.needs[0]} [<rev>])`]
    case 'testing':
      return [`Bisecting: ${s.remaining} revision${s.remaining === 1 ? '' : 's'} left to test after this (roughly ${s.steps} step${s.steps === 1 ? '' : 's'})`, `[${s.current.slice(0, 12)}] ${s.subject}`]
    case 'done':
      return [`${s.firstBad} is the first bad commit`, `[${s.firstBad.slice(0, 12)}] ${s.subject}`, 'Run `bl bisect reset` to go back to where you started.']
    case 'only-skipped':
      return ['There are only skipped commits left to test.', 'The first bad commit could be any of:', ...s.candidates, 'We cannot bisect more!']
  }
}

export abstract class BisectMarkCommand extends BlCommand {
  static override strict = false
  static override args = {revs: Args.string({description: 'The commits to mark (default: HEAD, the one being tested).'})}
  /** The mark this command records. */
  static mark: BisectMark

  async run(): Promise<BisectStatus> {
    const {argv, flags} = await this.parse(BisectMarkCommand)
    const mark = (this.constructor as typeof BisectMarkCommand).mark
    const revs = (argv as string[]).length ? (argv as string[]) : ['HEAD']
    // Git's bad takes one revision (the newest bad); good and skip take several.
    const items = (mark === 'bad' ? revs.slice(-1) : revs).map((rev) => ({mark, rev}))
    const status = await bisectMark(this.repo(), items)
    if (!this.isQuiet(flags)) for (const l of bisectStatusLines(status)) this.out(l)
    return status
  }
}
