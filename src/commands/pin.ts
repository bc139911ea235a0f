import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {BlError} from '../core/errors.js'
import {pin, pinCheck, type PinCheckResult, type PinResult} from '../core/ops/pin.js'

export default class Pin extends BlCommand {
  static override summary = 'Pin a data version for the code: write (or check) bl.lock.'
  static override description = `Writes bl.lock at the root of the enclosing Git repository (else the data root): the remote, branch and commit id of [rev] (default HEAD), and the signer when the commit is signed. Commit it with your code; \`bl clone --locked\`, \`bl pull --locked\` and \`bl checkout --locked\` reproduce exactly that data. The commit must already be on the remote (\`bl push\` first).
--check exits 1 (PIN_MISMATCH) when the data work tree is not at the pinned commit or has changes; with --upstream also when the remote branch has moved past the pin (the data changed without a new pin).`
  static override examples = [
    '<%= config.bin %> push && <%= config.bin %> pin',
    '<%= config.bin %> pin v3 --branch main',
    '<%= config.bin %> pin --check',
    '<%= config.bin %> pin --check --upstream --json',
  ]
  static override args = {rev: Args.string({description: 'Commit to pin (default HEAD).'})}
  static override flags = {
    check: Flags.boolean({description: 'Check the work tree against bl.lock instead of writing it.'}),
    remote: Flags.string({description: 'Remote the pin names (default: the branch upstream, else origin).'}),
    branch: Flags.string({description: 'Branch the pin follows (default: <rev> when it names a branch, else the current branch).'}),
    upstream: Flags.boolean({description: 'With --check: also fail when the remote branch has moved past the pinned commit.', dependsOn: ['check']}),
    'lock-file': Flags.string({description: 'Path of bl.lock (default: the Git repository root; with --check, the nearest one upwards).'}),
  }

  async run(): Promise<PinResult | PinCheckResult> {
    const {args, flags} = await this.parse(Pin)
    const repo = this.repo()
    if (flags.check) {
      if (args.rev || flags.remote || flags.branch) throw new BlError('INVALID_ARGUMENT', '--check takes no revision, --remote or --branch', {hint: 'It compares HEAD with bl.lock: bl pin --check [--remote].'})
      const res = await pinCheck(repo, {file: flags['lock-file'], remote: flags.upstream})
      if (!this.isQuiet(flags)) this.out(`${res.file}: the data matches ${res.lock.commit.slice(0, 12)} (${res.lock.branch} on ${res.lock.remote})`)
      return res
    }
    const res = await pin(repo, {rev: args.rev, remote: flags.remote, branch: flags.branch, file: flags['lock-file']})
    if (!this.isQuiet(flags)) this.out(`${res.changed ? 'Pinned' : 'Already pinned'} ${res.lock.commit.slice(0, 12)} (${res.lock.branch} on ${res.lock.remote}) in ${res.file}`)
    return res
  }
}
