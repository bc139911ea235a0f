import {BlCommand} from '../../cli/base-command.js'
import {bisectStatusLines} from '../../cli/bisect-command.js'
import {bisectNext, type BisectStatus} from '../../core/ops/bisect.js'

export default class BisectNext extends BlCommand {
  static override summary = 'Check out the next commit to test (after a step whose checkout local changes refused).'
  static override examples = ['<%= config.bin %> bisect next']

  async run(): Promise<BisectStatus> {
    const {flags} = await this.parse(BisectNext)
    const status = await bisectNext(this.repo())
    if (!this.isQuiet(flags)) for (const l of bisectStatusLines(status)) this.out(l)
    return status
  }
}
