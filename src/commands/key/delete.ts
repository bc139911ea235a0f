import {Args, Flags} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {keyDelete, type KeyDeleteResult} from '../../core/ops/keys.js'

export default class KeyDelete extends BlCommand {
  static override summary = 'Delete a key from your keyring (--secret-only keeps the public key).'
  static override description = 'Deleting a secret key cannot be undone, so it needs --force; back it up first with `bl key export <id> --secret`.'
  static override examples = ['<%= config.bin %> key delete colleague@example.com', '<%= config.bin %> key delete 4E92308F --secret-only --force']
  static override args = {id: Args.string({description: 'Fingerprint, long key id, fingerprint prefix, or email.', required: true})}
  static override flags = {
    'secret-only': Flags.boolean({description: 'Delete only the secret key.'}),
    force: Flags.boolean({char: 'f', description: 'Allow deleting a secret key.'}),
  }

  async run(): Promise<KeyDeleteResult> {
    const {args, flags} = await this.parse(KeyDelete)
    const res = await keyDelete(this.context(), args.id, {secretOnly: flags['secret-only'], force: flags.force})
    const what = [res.deletedSecret && 'secret', res.deletedPublic && 'public'].filter(Boolean).join(' and ')
    if (!this.isQuiet(flags)) this.out(`Deleted ${what} key ${res.fingerprint.toUpperCase()} "${res.userIds[0] ?? ''}"`)
    return res
  }
}
