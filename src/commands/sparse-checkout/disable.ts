import {BlCommand} from '../../cli/base-command.js'
import {transferProgress} from '../../cli/transfer-progress.js'
import {sparseDisable, type SparseChange} from '../../core/ops/sparse-checkout.js'
import {sparseChangeLine} from '../../cli/sparse-report.js'

export default class SparseCheckoutDisable extends BlCommand {
  static override summary = 'Check out the whole tree again (fetching what a lazy clone lacks).'
  static override examples = ['<%= config.bin %> sparse-checkout disable']

  async run(): Promise<SparseChange> {
    await this.parse(SparseCheckoutDisable)
    const res = await this.withProgress('sparse-checkout', (p) => sparseDisable(this.repo(), transferProgress(p, 'fetching')))
    this.out(sparseChangeLine(res))
    return res
  }
}
