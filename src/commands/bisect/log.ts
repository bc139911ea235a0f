import {BlCommand} from '../../cli/base-command.js'
import {bisectInfo, type BisectInfo} from '../../core/ops/bisect.js'
import {BlError} from '../../core/errors.js'

export default class BisectLog extends BlCommand {
  static override summary = 'Show the marks made so far (as commands that redo them).'
  static override examples = ['<%= config.bin %> bisect log', '<%= config.bin %> bisect log --json']

  async run(): Promise<BisectInfo> {
    await this.parse(BisectLog)
    const info = bisectInfo(this.repo())
    if (!info.active) throw new BlError('NO_OPERATION', 'you are not bisecting', {hint: 'Start with `bl bisect start [<bad> [<good>...]]`.'})
    for (const l of info.log) this.out(l)
    return info
  }
}
