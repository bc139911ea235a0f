import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {bisectStatusLines} from '../../cli/bisect-command.js'
import {readFileOrStdin} from '../../cli/stdin.js'
import {bisectReplay, type BisectStatus} from '../../core/ops/bisect.js'

export default class BisectReplay extends BlCommand {
  static override summary = 'Redo a bisection from the log `bl bisect log` printed (ends one in progress first).'
  static override description = 'Git\'s bisect replay: save `bl bisect log` to a file, edit out a wrong mark, and replay it. Lines are `bl bisect start [--first-parent]` and `bl bisect good|bad|skip <commit>`; comments (#) and blank lines are skipped. The log is checked and its commits resolved before anything changes.'
  static override examples = ['<%= config.bin %> bisect log > bisect.log && <%= config.bin %> bisect replay bisect.log', '<%= config.bin %> bisect log | grep -v 3f2a9c1 | <%= config.bin %> bisect replay -']
  static override args = {file: Args.string({description: 'The log file (- reads stdin).', required: true})}

  async run(): Promise<BisectStatus> {
    const {args, flags} = await this.parse(BisectReplay)
    const status = await bisectReplay(this.repo(), (await readFileOrStdin(args.file, 'bisect log', 'Save one with `bl bisect log > bisect.log` (- reads stdin).')).toString('utf8'))
    if (!this.isQuiet(flags)) for (const l of bisectStatusLines(status)) this.out(l)
    return status
  }
}
