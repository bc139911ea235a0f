import {Flags} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {passphrasePrompt} from '../../cli/prompt.js'
import {keyLines} from '../../cli/signature-format.js'
import {BlError} from '../../core/errors.js'
import {keyGenerate, type KeyView} from '../../core/ops/keys.js'

const UNIT: Record<string, number> = {d: 86_400, w: 7 * 86_400, m: 30 * 86_400, y: 365 * 86_400}

export default class KeyGenerate extends BlCommand {
  static override summary = 'Create an OpenPGP signing key (v4 Ed25519) in your keyring.'
  static override description = `The secret key is protected by a passphrase: asked in the terminal, or taken from BL_KEY_PASSPHRASE (CI). --no-passphrase stores it unprotected.
Keys live in the user config directory (<config>/keys/), never in a repository. GnuPG 2.2 reads the exported keys.`
  static override examples = [
    '<%= config.bin %> key generate --name "Ada Lovelace" --email ada@example.com',
    'BL_KEY_PASSPHRASE=... <%= config.bin %> key generate --name CI --email ci@example.com --expires 1y',
  ]
  static override flags = {
    name: Flags.string({description: 'Your name (the user id is "Name <email>").', required: true}),
    email: Flags.string({description: 'Your email address.', required: true}),
    expires: Flags.string({description: 'Lifetime: <n>d, <n>w, <n>m, <n>y, or never.', default: 'never'}),
    'no-passphrase': Flags.boolean({description: 'Store the secret key without a passphrase.'}),
  }

  async run(): Promise<KeyView> {
    const {flags} = await this.parse(KeyGenerate)
    const key = await keyGenerate(this.context(), {name: flags.name, email: flags.email, noPassphrase: flags['no-passphrase'], expiresIn: lifetime(flags.expires), prompt: passphrasePrompt()})
    if (!this.isQuiet(flags)) for (const l of keyLines(key, Date.now())) this.out(l)
    return key
  }
}

function lifetime(s: string): number {
  if (s === 'never' || s === '0') return 0
  const m = /^(\d+)([dwmy])$/.exec(s)
  if (!m || Number(m[1]) === 0) throw new BlError('INVALID_ARGUMENT', `invalid --expires "${s}"`, {hint: 'Use e.g. 30d, 12w, 6m, 2y or never.'})
  return Number(m[1]) * UNIT[m[2]!]!
}
