import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {remoteFlags, remoteOptionsFrom} from '../cli/remote-flags.js'
import {transferProgress} from '../cli/transfer-progress.js'
import {get, type GetResult} from '../core/ops/get.js'

export default class Get extends BlCommand {
  static override summary = 'Download a file or directory of a remote repository, without making a repository here.'
  static override description = `DVC's get: one path at a branch, tag or commit (--rev; default the remote's default branch) is fetched, verified and written to the current directory (or -o), whole or not at all. Only that path's contents travel, plus the history's metadata.`
  static override examples = [
    '<%= config.bin %> get s3://data/images labels.csv',
    '<%= config.bin %> get s3://data/images train/ --rev v2 -o /data/train',
    '<%= config.bin %> get /mnt/shared/bl/repo data/eval.parquet --rev 3f2a9c1e4b7d',
  ]
  static override args = {
    url: Args.string({description: 'Remote URL (s3://bucket/prefix, file:///path or a plain path).', required: true}),
    path: Args.string({description: 'The file or directory, as the repository names it.', required: true}),
  }
  static override flags = {
    ...remoteFlags,
    rev: Flags.string({description: 'Branch, tag or commit to take it from (default: the remote default branch).'}),
    output: Flags.string({char: 'o', description: 'Where to write it (default: its name, in the current directory); must not exist.'}),
  }

  async run(): Promise<GetResult> {
    const {args, flags} = await this.parse(Get)
    const res = await this.withProgress('get', (p) =>
      get(this.context(), {url: args.url, path: args.path, rev: flags.rev, output: flags.output, remoteOptions: remoteOptionsFrom(flags), progress: transferProgress(p), onWarning: (m) => p.log(`warning: ${m}`)}),
    )
    if (!this.isQuiet(flags)) this.out(`Wrote ${res.output} (${res.kind === 'dir' ? `${res.files} file${res.files === 1 ? '' : 's'}` : res.kind}) from ${res.commit.slice(0, 12)}`)
    return res
  }
}
