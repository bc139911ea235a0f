import {Args, Flags} from '@oclif/core'
import {BlCommand} from '../cli/base-command.js'
import {transferProgress} from '../cli/transfer-progress.js'
import {pull, type PullResult} from '../core/ops/sync.js'

export default class Pull extends BlCommand {
  static override summary = 'Fetch from a remote and merge its branch into the current one.'
  static override description = 'Merges the upstream of the current branch (or <remote> <branch>); conflicts stop with exit code 3 exactly as `bl merge` does.'
  static override examples = ['<%= config.bin %> pull', '<%= config.bin %> pull --ff-only', '<%= config.bin %> pull origin main', '<%= config.bin %> pull --include \'images/2024/*\'']
  static override args = {remote: Args.string({description: 'Remote name.'}), branch: Args.string({description: 'Remote branch to merge.'})}
  static override flags = {
    'ff-only': Flags.boolean({description: 'Refuse unless the merge is a fast-forward.'}),
    include: Flags.string({description: 'In a sparse work tree: also bring in paths matching this pathspec or glob (repeatable), fetching just their contents.', multiple: true}),
  }

  async run(): Promise<PullResult> {
    const {args, flags} = await this.parse(Pull)
    const quiet = this.isQuiet(flags)
    const progress = transferProgress('fetch', !quiet)
    const res = await pull(this.repo(), {remote: args.remote, branch: args.branch, ffOnly: flags['ff-only'], include: flags.include, progress, onWarning: (m) => this.warnLine(m)})
    progress.done()
    if (!quiet) {
      const m = res.merge
      this.out(m.status === 'up-to-date' ? 'Already up to date.' : m.status === 'fast-forward' ? `Fast-forward to ${m.commit.slice(0, 12)}` : `Merge made: ${m.commit.slice(0, 12)}`)
      if (res.materialized) this.out(`Checked out ${res.materialized} newly included file(s).`)
    }
    return res
  }
}
