import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {remoteFlags, remoteOptionsFrom} from '../cli/remote-flags.js'
import {transferProgress} from '../cli/transfer-progress.js'
import {BlError} from '../core/errors.js'
import {cloneLocked, type LockedCloneResult} from '../core/ops/pin.js'
import {clone, type CloneResult} from '../core/ops/sync.js'

export default class Clone extends BlCommand {
  static override summary = 'Copy a remote repository into a new directory.'
  static override examples = ['<%= config.bin %> clone s3://my-bucket/datasets/images', '<%= config.bin %> clone s3://data/repo work --endpoint http://localhost:9000', '<%= config.bin %> clone /mnt/shared/bl/repo copy --branch dev', '<%= config.bin %> clone s3://data/images --no-checkout', '<%= config.bin %> clone s3://data/images --include \'cats/*.jpg\'', '<%= config.bin %> clone --locked', '<%= config.bin %> clone --locked /tmp/data --lock-file ci/bl.lock']
  static override description = `bl clone --locked [dir]: reads the nearest bl.lock (from here upwards) and clones its remote into dir (default: the lock's path next to it), checked out at exactly the pinned commit (verified; its signer checked when the lock names one). The local branch starts at that commit and tracks the remote branch.`
  static override args = {url: Args.string({description: 'Remote URL (with --locked: the target directory).'}), dir: Args.string({description: 'Target directory (default: the last part of the URL).'})}
  static override flags = {
    ...remoteFlags,
    branch: Flags.string({char: 'b', description: 'Branch to check out (default: the remote default branch).'}),
    'no-checkout': Flags.boolean({char: 'n', description: 'Fetch history only (commits, trees, file records) and leave the work tree empty; `bl checkout -- <path|glob>` brings files in.'}),
    filter: Flags.string({description: 'blob:none: fetch history only; the checkout fetches just the current files\' contents, the rest on demand.', options: ['blob:none']}),
    include: Flags.string({description: 'Check out only paths matching this pathspec or glob (repeatable); history only, like --no-checkout.', multiple: true, multipleNonGreedy: true}),
    locked: Flags.boolean({description: 'Clone the remote named in bl.lock and check out the pinned commit.', exclusive: ['branch', 'no-checkout', 'include', 'endpoint', 'region', 'path-style']}),
    'lock-file': Flags.string({description: 'The bl.lock to use (default: the nearest one from here upwards).', dependsOn: ['locked']}),
  }

  async run(): Promise<CloneResult | LockedCloneResult> {
    const {args, flags} = await this.parse(Clone)
    const quiet = this.isQuiet(flags)
    if (flags.locked) {
      if (args.dir) throw new BlError('INVALID_ARGUMENT', '--locked takes at most a target directory', {hint: 'The remote comes from bl.lock: bl clone --locked [dir].'})
      const res = await this.withProgress('clone', (p) => cloneLocked(this.context(), {dir: args.url, file: flags['lock-file'], filter: flags.filter as 'blob:none' | undefined, progress: transferProgress(p), onWarning: (m) => p.log(`warning: ${m}`)}))
      if (!quiet) this.out(`Cloned ${res.lock.remote} into ${res.dir} at ${res.lock.commit.slice(0, 12)}, pinned by ${res.file}`)
      return res
    }
    const url = args.url
    if (!url) throw new BlError('INVALID_ARGUMENT', 'missing the remote URL to clone', {hint: 'Usage: bl clone <url> [dir], or bl clone --locked [dir].'})
    const res = await this.withProgress('clone', (p) =>
      clone(this.context(), {url, dir: args.dir, branch: flags.branch, noCheckout: flags['no-checkout'], filter: flags.filter as 'blob:none' | undefined, include: flags.include, remoteOptions: remoteOptionsFrom(flags), progress: transferProgress(p), onWarning: (m) => p.log(`warning: ${m}`)}),
    )
    if (!quiet) this.out(`Cloned into ${res.dir} (${res.objects} objects, ${formatBytes(res.bytes)})${res.branch ? `, branch ${res.branch}` : ', empty repository'}`)
    return res
  }
}
