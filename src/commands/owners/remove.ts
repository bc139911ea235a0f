import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {changedLine, ownerKeyFlags} from '../../cli/policy-format.js'
import {passphrasePrompt} from '../../cli/prompt.js'
import {ownersRemove} from '../../core/ops/protect.js'

export default class OwnersRemove extends BlCommand {
  static override summary = 'Remove an owner of the protection policy (owners only; never the last one).'
  static override examples = ['<%= config.bin %> owners remove 4E92308F5B1C0A77']
  static override args = {key: Args.string({description: 'Fingerprint, key id or prefix (or email of a key in your keyring).', required: true})}
  static override flags = {...ownerKeyFlags}

  async run(): Promise<Awaited<ReturnType<typeof ownersRemove>>> {
    const {args, flags} = await this.parse(OwnersRemove)
    const res = await ownersRemove(this.repo(), args.key, {key: flags.key, prompt: passphrasePrompt()})
    if (!this.isQuiet(flags)) {
      this.out(`Owner ${res.removed.toUpperCase()} removed`)
      this.out(changedLine(res.policy))
    }
    return res
  }
}
