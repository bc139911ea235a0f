import {BlCommand} from '../../cli/base-command.js'
import {policyLine} from '../../cli/policy-format.js'
import {ownersList} from '../../core/ops/protect.js'

export default class OwnersList extends BlCommand {
  static override summary = 'List the owners of the protection policy.'
  static override examples = ['<%= config.bin %> owners list', '<%= config.bin %> owners list --json']

  async run(): Promise<Awaited<ReturnType<typeof ownersList>>> {
    const {flags} = await this.parse(OwnersList)
    const res = await ownersList(this.repo())
    if (!this.isQuiet(flags)) {
      this.out(policyLine(res.policy))
      if (res.policy && res.policy.pinned !== res.policy.id) this.out(`Pinned: ${res.policy.pinned.slice(0, 12)} (the first policy this repository accepted)`)
      for (const o of res.owners) this.out(`  ${o.fingerprint.toUpperCase()} "${o.userId ?? ''}"`)
    }
    return res
  }
}
