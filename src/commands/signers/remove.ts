import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {changedLine, ownerKeyFlags} from '../../cli/policy-format.js'
import {passphrasePrompt} from '../../cli/prompt.js'
import {signersRemove} from '../../core/ops/protect.js'

export default class SignersRemove extends BlCommand {
  static override summary = 'Stop trusting a signer (owners only).'
  static override examples = ['<%= config.bin %> signers remove 4E92308F5B1C0A77']
  static override args = {key: Args.string({description: 'Fingerprint, key id or prefix (or email of a key in your keyring).', required: true})}
  static override flags = {...ownerKeyFlags}

  async run(): Promise<Awaited<ReturnType<typeof signersRemove>>> {
    const {args, flags} = await this.parse(SignersRemove)
    const res = await signersRemove(this.repo(), args.key, {key: flags.key, prompt: passphrasePrompt()})
    if (!this.isQuiet(flags)) {
      this.out(`Removed trusted signer ${res.removed.fingerprint.toUpperCase()}`)
      this.out(changedLine(res.policy))
    }
    return res
  }
}
