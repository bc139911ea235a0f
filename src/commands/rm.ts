import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {rm} from '../core/ops/rm.js'
import {quotePath} from '../core/worktree/paths.js'

export default class Rm extends BlCommand {
  static override summary = 'Remove files from the work tree and the index.'
  static override examples = ['<%= config.bin %> rm old.csv', '<%= config.bin %> rm --cached -r raw/', '<%= config.bin %> rm -f scratch.bin']
  static override strict = false
  static override args = {paths: Args.string({description: 'Paths to remove.'})}
  static override flags = {
    cached: Flags.boolean({description: 'Only remove from the index; keep the files.'}),
    recursive: Flags.boolean({char: 'r', description: 'Allow removing directories.'}),
    force: Flags.boolean({char: 'f', description: 'Remove even with uncommitted changes.'}),
    'dry-run': Flags.boolean({char: 'n', description: 'Show what would be removed.'}),
  }

  async run(): Promise<{removed: string[]}> {
    const {argv, flags} = await this.parse(Rm)
    const res = rm(this.repo(), {paths: argv as string[], cached: flags.cached, recursive: flags.recursive, force: flags.force, dryRun: flags['dry-run']})
    if (!this.isQuiet(flags)) for (const p of res.removed) this.out(`rm '${quotePath(p)}'`)
    return res
  }
}
