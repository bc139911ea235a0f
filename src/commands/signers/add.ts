import {Args, Flags} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {changedLine, ownerKeyFlags, validity} from '../../cli/policy-format.js'
import {passphrasePrompt} from '../../cli/prompt.js'
import {signersAdd} from '../../core/ops/protect.js'

export default class SignersAdd extends BlCommand {
  static override summary = 'Trust a key from your keyring to sign commits on protected branches (owners only).'
  static override description = 'The public key is copied into the signed protection policy, so every clone can check the signatures without importing it. Adding a signer again replaces its entry (and refreshes the key, e.g. after a revocation was imported).'
  static override examples = ['<%= config.bin %> signers add ada@example.com --branches main --branches \'release/*\'', '<%= config.bin %> signers add 4E92308F5B1C0A77 --valid-until 2026-01-01']
  static override args = {key: Args.string({description: 'Fingerprint, key id, prefix or email of a key in your keyring.', required: true})}
  static override flags = {
    ...ownerKeyFlags,
    name: Flags.string({description: 'A name to show (default: the key\'s user id).'}),
    branches: Flags.string({description: 'Branch glob the key may sign for (repeatable; default ** = every branch).', multiple: true, multipleNonGreedy: true}),
    'valid-from': Flags.string({description: 'Signatures made before this time do not count (ISO 8601 or Unix seconds).'}),
    'valid-until': Flags.string({description: 'Signatures made after this time do not count (ISO 8601 or Unix seconds).'}),
  }

  async run(): Promise<Awaited<ReturnType<typeof signersAdd>>> {
    const {args, flags} = await this.parse(SignersAdd)
    const res = await signersAdd(this.repo(), args.key, {name: flags.name, branches: flags.branches, validFrom: flags['valid-from'], validUntil: flags['valid-until']}, {key: flags.key, prompt: passphrasePrompt()})
    if (!this.isQuiet(flags)) {
      const s = res.signer
      this.out(`Trusted signer ${s.fingerprint.toUpperCase()} "${s.name ?? ''}" for ${s.branches.join(', ')} (valid ${validity(s.validFrom, s.validUntil)})`)
      this.out(changedLine(res.policy))
    }
    return res
  }
}
