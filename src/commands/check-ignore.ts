import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {BlError} from '../core/errors.js'
import {checkIgnore, type CheckIgnoreRow} from '../core/ops/check-ignore.js'

export default class CheckIgnore extends BlCommand {
  static override summary = 'Tell which paths .blignore ignores, and by which rule.'
  static override description = `Prints each given path that is ignored; exit 0 when at least one is (with -v: when a rule matches one, a !pattern too), 1 otherwise (as Git's check-ignore). A tracked path is not ignored (rules only keep untracked files out) unless --no-index.
-v prints <file>:<line>:<pattern><TAB><path> for each path a rule matches: the rule that ignores it (or the outermost ignored directory above it), or the !pattern that keeps it; bl's built-in rules (.bl, .git, a root bl.lock) have an empty file and line 0. -n (with -v) also lists paths no rule matches, as ::<TAB><path>.`
  static override examples = ['<%= config.bin %> check-ignore -v scratch/tmp.csv', '<%= config.bin %> check-ignore --no-index data/cache.parquet', '<%= config.bin %> check-ignore --json out/']
  static override strict = false
  static override args = {path: Args.string({description: 'Paths to check (relative to the current directory).'})}
  static override flags = {
    verbose: Flags.boolean({char: 'v', description: 'Show the .blignore, line and pattern that decide.'}),
    'non-matching': Flags.boolean({char: 'n', description: 'Also list paths that are not ignored.'}),
    'no-index': Flags.boolean({description: 'Judge tracked paths by the rules too.'}),
  }

  async run(): Promise<CheckIgnoreRow[]> {
    const {argv, flags} = await this.parse(CheckIgnore)
    const paths = argv as string[]
    if (paths.length === 0) throw new BlError('INVALID_ARGUMENT', 'no path specified', {hint: 'Usage: bl check-ignore [-v] [-n] [--no-index] <path>...'})
    if (flags['non-matching'] && !flags.verbose) throw new BlError('INVALID_ARGUMENT', '--non-matching is only valid with --verbose', {hint: 'Add -v (Git has the same rule).'})
    const rows = checkIgnore(this.repo(), {paths, noIndex: flags['no-index']})
    for (const r of rows) {
      if (!flags.verbose) {
        if (r.ignored) this.out(r.path)
      } else if (r.source) this.out(`${r.source.file}:${r.source.line}:${r.source.pattern}\t${r.path}`)
      else if (flags['non-matching']) this.out(`::\t${r.path}`)
    }
    // Git's contract: the exit status tells (with -v: whether any rule matched, a negation too).
    // Under --json the answer is in the rows instead.
    const found = flags.verbose ? rows.some((r) => r.source) : rows.some((r) => r.ignored)
    if (!found && !this.jsonEnabled()) process.exitCode = 1
    return rows
  }
}
