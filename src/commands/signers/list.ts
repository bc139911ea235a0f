import {BlCommand} from '../../cli/base-command.js'
import {policyLine, validity} from '../../cli/policy-format.js'
import {signersList} from '../../core/ops/protect.js'

export default class SignersList extends BlCommand {
  static override summary = 'List the keys trusted to sign commits on protected branches.'
  static override examples = ['<%= config.bin %> signers list', '<%= config.bin %> signers list --json']

  async run(): Promise<Awaited<ReturnType<typeof signersList>>> {
    const {flags} = await this.parse(SignersList)
    const res = await signersList(this.repo())
    if (!this.isQuiet(flags)) {
      this.out(policyLine(res.policy))
      for (const s of res.signers) this.out(`  ${s.fingerprint.toUpperCase()} "${s.name ?? s.userId ?? ''}" branches ${s.branches.join(', ')}, valid ${validity(s.validFrom, s.validUntil)}`)
    }
    return res
  }
}
