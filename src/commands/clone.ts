import {Args, Flags} from '@oclif/core'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {remoteFlags, remoteOptionsFrom} from '../cli/remote-flags.js'
import {transferProgress} from '../cli/transfer-progress.js'
import {clone, type CloneResult} from '../core/ops/sync.js'

export default class Clone extends BlCommand {
  static override summary = 'Copy a remote repository into a new directory.'
  static override examples = ['<%= config.bin %> clone s3://my-bucket/datasets/images', '<%= config.bin %> clone s3://data/repo work --endpoint http://localhost:9000', '<%= config.bin %> clone /mnt/shared/bl/repo copy --branch dev', '<%= config.bin %> clone s3://data/images --no-checkout', '<%= config.bin %> clone s3://data/images --include \'cats/*.jpg\'']
  static override args = {url: Args.string({required: true, description: 'Remote URL.'}), dir: Args.string({description: 'Target directory (default: the last part of the URL).'})}
  static override flags = {
    ...remoteFlags,
    branch: Flags.string({char: 'b', description: 'Branch to check out (default: the remote default branch).'}),
    'no-checkout': Flags.boolean({char: 'n', description: 'Fetch history only (commits, trees, file records) and leave the work tree empty; `bl checkout -- <path|glob>` brings files in.'}),
    filter: Flags.string({description: 'blob:none: fetch history only; the checkout fetches just the current files\' contents, the rest on demand.', options: ['blob:none']}),
    include: Flags.string({description: 'Check out only paths matching this pathspec or glob (repeatable); history only, like --no-checkout.', multiple: true}),
  }

  async run(): Promise<CloneResult> {
    const {args, flags} = await this.parse(Clone)
    const quiet = this.isQuiet(flags)
    const progress = transferProgress('clone', !quiet)
    const res = await clone(this.context(), {url: args.url, dir: args.dir, branch: flags.branch, noCheckout: flags['no-checkout'], filter: flags.filter as 'blob:none' | undefined, include: flags.include, remoteOptions: remoteOptionsFrom(flags), progress, onWarning: (m) => this.warnLine(m)})
    progress.done()
    if (!quiet) this.out(`Cloned into ${res.dir} (${res.objects} objects, ${formatBytes(res.bytes)})${res.branch ? `, branch ${res.branch}` : ', empty repository'}`)
    return res
  }
}
