import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {ingestProgress} from '../cli/progress.js'
import {add, type AddResult} from '../core/ops/add.js'
import {quotePath} from '../core/worktree/paths.js'

export default class Add extends BlCommand {
  static override summary = 'Add file contents to the index.'
  static override description = 'Stores the named files (directories recursively) in the object store and stages them for the next commit. A directory or -A also stages deletions of tracked files that are gone.'
  static override examples = ['<%= config.bin %> add images/', '<%= config.bin %> add -v data.csv', '<%= config.bin %> add -A', '<%= config.bin %> add -u', '<%= config.bin %> add -f ignored.csv']
  static override strict = false
  static override args = {paths: Args.string({description: 'Files or directories to add.'})}
  static override flags = {
    all: Flags.boolean({char: 'A', description: 'Add, modify and remove index entries to match the whole work tree.'}),
    update: Flags.boolean({char: 'u', description: 'Stage changes and deletions of tracked files only (the whole tree without paths); new files stay untracked.'}),
    force: Flags.boolean({char: 'f', description: 'Allow adding files that .blignore ignores.'}),
    'dry-run': Flags.boolean({char: 'n', description: 'Show what would be added without storing anything (implies --verbose).'}),
    verbose: Flags.boolean({char: 'v', description: 'Name each file added, updated or removed (like git add -v).'}),
  }

  async run(): Promise<AddResult> {
    const {argv, flags} = await this.parse(Add)
    const res = await this.withProgress('add', (p) => add(this.repo(), {paths: argv as string[], all: flags.all, update: flags.update, force: flags.force, dryRun: flags['dry-run'], progress: ingestProgress(p)}))
    // Silent by default, as git add is: a 50,000-file add should not print 50,000 lines.
    if ((flags.verbose || flags['dry-run']) && !this.isQuiet(flags)) {
      for (const p of res.added) this.out(`add ${quotePath(p)}`)
      for (const p of res.updated) this.out(`update ${quotePath(p)}`)
      for (const p of res.removed) this.out(`remove ${quotePath(p)}`)
    }
    return res
  }
}
