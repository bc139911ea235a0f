import {BlCommand} from '../../cli/base-command.js'
import {transferProgress} from '../../cli/transfer-progress.js'
import {sparseAdd, type SparseChange} from '../../core/ops/sparse-checkout.js'
import {sparseChangeLine} from '../../cli/sparse-report.js'

export default class SparseCheckoutAdd extends BlCommand {
  static override summary = 'Add paths to a sparse work tree, writing (in a lazy clone: fetching) their files.'
  static override examples = ['<%= config.bin %> sparse-checkout add images/2025']
  static override strict = false

  async run(): Promise<SparseChange> {
    const {argv} = await this.parse(SparseCheckoutAdd)
    const res = await this.withProgress('sparse-checkout', (p) => sparseAdd(this.repo(), argv as string[], transferProgress(p, 'fetching')))
    this.out(sparseChangeLine(res))
    return res
  }
}
