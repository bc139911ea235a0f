import {Args, Flags} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {keyExport, type KeyExportResult} from '../../core/ops/keys.js'

export default class KeyExport extends BlCommand {
  static override summary = 'Print a key, ASCII-armored (the public key; --secret for the secret key).'
  static override description = 'The secret key is printed as stored (still protected by its passphrase). `gpg --import` reads both.'
  static override examples = ['<%= config.bin %> key export ada@example.com > ada.asc', '<%= config.bin %> key export 4E92308F --secret > backup.asc']
  static override args = {id: Args.string({description: 'Fingerprint, long key id, fingerprint prefix, or email.', required: true})}
  static override flags = {secret: Flags.boolean({description: 'Export the secret key.'})}

  async run(): Promise<KeyExportResult> {
    const {args, flags} = await this.parse(KeyExport)
    const res = await keyExport(this.context(), args.id, {secret: flags.secret})
    if (!this.jsonEnabled()) process.stdout.write(res.armored.endsWith('\n') ? res.armored : res.armored + '\n')
    return res
  }
}
