import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {changedLine, ownerKeyFlags} from '../../cli/policy-format.js'
import {passphrasePrompt} from '../../cli/prompt.js'
import {ownersAdd} from '../../core/ops/protect.js'

export default class OwnersAdd extends BlCommand {
  static override summary = 'Make a key from your keyring an owner of the protection policy (owners only).'
  static override description = 'Owners sign every change to rules, signers and owners. With no policy yet, your signing key becomes the first owner as well.'
  static override examples = ['<%= config.bin %> owners add grace@example.com']
  static override args = {key: Args.string({description: 'Fingerprint, key id, prefix or email of a key in your keyring.', required: true})}
  static override flags = {...ownerKeyFlags}

  async run(): Promise<Awaited<ReturnType<typeof ownersAdd>>> {
    const {args, flags} = await this.parse(OwnersAdd)
    const res = await ownersAdd(this.repo(), args.key, {key: flags.key, prompt: passphrasePrompt()})
    if (!this.isQuiet(flags)) {
      this.out(`Owner ${res.owner.fingerprint.toUpperCase()} "${res.owner.userId ?? ''}" added`)
      this.out(changedLine(res.policy))
    }
    return res
  }
}
