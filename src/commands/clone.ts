import {Args, Flags} from '@oclif/core'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {remoteFlags, remoteOptionsFrom} from '../cli/remote-flags.js'
import {transferProgress} from '../cli/transfer-progress.js'
import {clone, type CloneResult} from '../core/ops/sync.js'

export default class Clone extends BlCommand {
  static override summary = 'Copy a remote repository into a new directory.'
  static override examples = ['<%= config.bin %> clone s3://my-bucket/datasets/images', '<%= config.bin %> clone s3://data/repo work --endpoint http://localhost:9000', '<%= config.bin %> clone /mnt/shared/bl/repo copy --branch dev']
  static override args = {url: Args.string({required: true, description: 'Remote URL.'}), dir: Args.string({description: 'Target directory (default: the last part of the URL).'})}
  static override flags = {
    ...remoteFlags,
    branch: Flags.string({char: 'b', description: 'Branch to check out (default: the remote default branch).'}),
    'no-checkout': Flags.boolean({char: 'n', description: 'Fetch everything but leave the work tree empty.'}),
  }

  async run(): Promise<CloneResult> {
    const {args, flags} = await this.parse(Clone)
    const quiet = this.isQuiet(flags)
    const progress = transferProgress('clone', !quiet)
    const res = await clone(this.context(), {url: args.url, dir: args.dir, branch: flags.branch, noCheckout: flags['no-checkout'], remoteOptions: remoteOptionsFrom(flags), progress})
    progress.done()
    if (!quiet) this.out(`Cloned into ${res.dir} (${res.objects} objects, ${formatBytes(res.bytes)})${res.branch ? `, branch ${res.branch}` : ', empty repository'}`)
    return res
  }
}
