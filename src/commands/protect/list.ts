import {BlCommand} from '../../cli/base-command.js'
import {policyLine, ruleLine} from '../../cli/policy-format.js'
import {protectList, type ProtectListResult} from '../../core/ops/protect.js'

export default class ProtectList extends BlCommand {
  static override summary = 'List the branch protection rules in force here.'
  static override examples = ['<%= config.bin %> protect list', '<%= config.bin %> protect list --json']

  async run(): Promise<ProtectListResult> {
    const {flags} = await this.parse(ProtectList)
    const res = protectList(this.repo())
    if (!this.isQuiet(flags)) {
      this.out(policyLine(res.policy))
      for (const r of res.rules) this.out(`  ${ruleLine(r)}`)
    }
    return res
  }
}
