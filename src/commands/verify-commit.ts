import {Args} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {signatureLines} from '../cli/signature-format.js'
import {verifyCommit, type VerifyCommitResult} from '../core/ops/verify.js'

export default class VerifyCommit extends BlCommand {
  static override summary = "Check a commit's OpenPGP signature against your keyring."
  static override description = 'Exits 0 for a good signature. Anything else exits 10 with a typed error: UNSIGNED_COMMIT, BAD_SIGNATURE, UNKNOWN_SIGNING_KEY, EXPIRED_SIGNING_KEY or REVOKED_SIGNING_KEY (docs/signing.md).'
  static override examples = ['<%= config.bin %> verify-commit HEAD', '<%= config.bin %> verify-commit v1.0 --json']
  static override args = {rev: Args.string({description: 'The commit to check.', default: 'HEAD'})}

  async run(): Promise<VerifyCommitResult> {
    const {args, flags} = await this.parse(VerifyCommit)
    const res = await verifyCommit(this.repo(), args.rev)
    if (!this.isQuiet(flags)) for (const l of signatureLines(res)) this.out(l)
    return res
  }
}
