import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {keyImport, type KeyImportResult} from '../../core/ops/keys.js'
import {readStdin} from '../../cli/stdin.js'

export default class KeyImport extends BlCommand {
  static override summary = 'Import OpenPGP keys (public or secret, armored or binary) into your keyring.'
  static override description = 'Reads one or more keys, e.g. the output of `gpg --export --armor` or `gpg --export-secret-keys --armor`. Keys already held are merged (new user ids, self-signatures, revocations). A bare revocation certificate revokes the key it belongs to.'
  static override examples = ['gpg --export-secret-keys --armor you@example.com | <%= config.bin %> key import -', '<%= config.bin %> key import colleague.asc']
  static override args = {file: Args.string({description: 'File with the keys, or - for stdin.', required: true})}

  async run(): Promise<KeyImportResult> {
    const {args, flags} = await this.parse(KeyImport)
    const source = args.file === '-' ? {data: await readStdin()} : {file: args.file}
    const res = await keyImport(this.context(), source)
    if (!this.isQuiet(flags)) {
      for (const k of res.imported) {
        const parts = [`public ${k.public}`, ...(k.secret ? [`secret ${k.secret}`] : [])]
        this.out(`key ${k.fingerprint.toUpperCase()}: "${k.userIds[0] ?? ''}" (${parts.join(', ')})`)
      }
      for (const f of res.revoked) this.out(`key ${f.toUpperCase()}: revocation certificate imported`)
    }
    return res
  }
}
