import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {bisectStatusLines} from '../../cli/bisect-command.js'
import {runUserCommand} from '../../cli/user-command.js'
import {BlError} from '../../core/errors.js'
import {bisectMark, bisectNext, type BisectMark, type BisectStatus} from '../../core/ops/bisect.js'

/** Git's contract for the script's exit status. */
const SKIP = 125

export default class BisectRun extends BlCommand {
  static override summary = 'Bisect automatically: run a command on each commit to test, and mark it by its exit status.'
  static override description = `Exit 0 marks the commit good, 125 skips it, 1-127 mark it bad; 128 or more (or a signal) stops the bisection where it is, as in Git. The command runs in the current directory with the commit checked out; a single argument runs through the shell (\`bl bisect run "make eval && ./check"\`). Needs a bad and a good commit first (\`bl bisect start <bad> <good>\`).`
  static override examples = ['<%= config.bin %> bisect run ./check-labels.sh', '<%= config.bin %> bisect run python eval.py --min-accuracy 0.9', '<%= config.bin %> bisect run "test $(wc -l < data/train.csv) -gt 1000"']
  static override strict = false
  static override args = {command: Args.string({description: 'The command, then its arguments.', required: true})}

  async run(): Promise<{status: BisectStatus; steps: Array<{commit: string; exit: number; mark: BisectMark}>}> {
    // Everything from the command on is the command's own (`bl bisect run sh -c '...'`): only what
    // comes before it is bl's to parse.
    let at = this.argv.findIndex((a) => a === '--' || !a.startsWith('-'))
    if (at < 0) at = this.argv.length
    const own = this.argv.slice(at + (this.argv[at] === '--' ? 1 : 0))
    const {flags} = await this.parse(BisectRun, [...this.argv.slice(0, at), ...(own.length ? ['x'] : [])])
    const [cmd, ...cmdArgs] = own
    const repo = this.repo()
    const quiet = this.isQuiet(flags)
    const say = (lines: string[]): void => {
      if (!quiet) for (const l of lines) this.out(l)
    }
    let status = await bisectNext(repo)
    if (status.state === 'waiting')
      throw new BlError('INVALID_ARGUMENT', `bisect run needs ${status.needs.map((n) => `a ${n}`).join(' and a ')} commit first`, {hint: 'Mark them: `bl bisect bad <rev>` and `bl bisect good <rev>` (or `bl bisect start <bad> <good>`).'})
    const steps: Array<{commit: string; exit: number; mark: BisectMark}> = []
    while (status.state === 'testing') {
      say([`running ${[cmd, ...cmdArgs].join(' ')}`])
      const r = runUserCommand(cmd!, cmdArgs, {json: this.jsonEnabled()})
      if (r.error || r.signal || r.status === null || r.status >= 128) {
        const why = r.error ? r.error.message : r.signal ? `was killed by ${r.signal}` : `exited with ${r.status}`
        throw new BlError('BISECT_RUN_FAILED', `bisect run stopped: the command ${why} at ${status.current.slice(0, 12)}`, {
          hint: 'Exit 0 = good, 1-127 = bad, 125 = skip; 128 or more aborts. Fix the command, then `bl bisect run` again (the marks so far are kept).',
          data: {commit: status.current, exit: r.status, signal: r.signal},
        })
      }
      const mark: BisectMark = r.status === 0 ? 'good' : r.status === SKIP ? 'skip' : 'bad'
      steps.push({commit: status.current, exit: r.status, mark})
      status = await bisectMark(repo, [{mark, rev: status.current}])
      say(bisectStatusLines(status))
    }
    if (steps.length === 0) say(bisectStatusLines(status))
    return {status, steps}
  }
}
