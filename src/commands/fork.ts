import {Args} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {remoteFlags, remoteOptionsFrom} from '../cli/remote-flags.js'
import {fork, type ForkResult} from '../core/ops/sync.js'

export default class Fork extends BlCommand {
  static override summary = 'Create a new remote repository that starts as a copy of another, sharing its data.'
  static override description = `The fork gets the source's branches and tags and records where it came from (BLREPO forkedFrom). Objects are copied server-side (S3 CopyObject within one service, hard links between directories): nothing is downloaded. Afterwards the two are independent: pushes to the fork never change the source. To keep in touch, add the source as a remote (\`bl remote add upstream <source-url>\`) and pull or push between them.`
  static override examples = [
    '<%= config.bin %> fork s3://team/datasets/images s3://me/forks/images',
    '<%= config.bin %> fork s3://data/repo s3://data/my-fork --endpoint http://localhost:9000 --path-style',
    '<%= config.bin %> fork /mnt/shared/repo /mnt/shared/my-fork',
  ]
  static override args = {source: Args.string({required: true, description: 'URL of the repository to fork.'}), dest: Args.string({required: true, description: 'URL of the new repository.'})}
  static override flags = remoteFlags

  async run(): Promise<ForkResult> {
    const {args, flags} = await this.parse(Fork)
    const ctx = this.context()
    const res = await fork(ctx, {source: args.source, dest: args.dest, remoteOptions: remoteOptionsFrom(flags)})
    if (!this.isQuiet(flags)) this.out(`Forked ${res.source} into ${res.dest}: ${res.refs.length} ref${res.refs.length === 1 ? '' : 's'}, ${res.packs} pack${res.packs === 1 ? '' : 's'} shared`)
    return res
  }
}
