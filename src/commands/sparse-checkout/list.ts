import {BlCommand} from '../../cli/base-command.js'
import {sparseList, type SparseList} from '../../core/ops/sparse-checkout.js'

export default class SparseCheckoutList extends BlCommand {
  static override summary = 'Print the paths a sparse work tree holds.'
  static override description = 'One pathspec per line; nothing when the work tree is not sparse (everything is checked out).'
  static override examples = ['<%= config.bin %> sparse-checkout list', '<%= config.bin %> sparse-checkout list --json']

  async run(): Promise<SparseList> {
    await this.parse(SparseCheckoutList)
    const res = sparseList(this.repo())
    for (const p of res.include) this.out(p)
    return res
  }
}
