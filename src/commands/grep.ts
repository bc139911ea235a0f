import path from 'node:path'
import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {splitDashDash} from '../cli/args.js'
import {grep, type GrepFile} from '../core/ops/grep.js'
import {pathFrom, quotePath} from '../core/worktree/paths.js'

export default class Grep extends BlCommand {
  static override summary = 'Print lines matching a pattern in the tracked files, the index or committed versions.'
  static override description = `Git's grep for datasets: the tracked files of the work tree (default), the index (--cached), or the files of each revision given. Patterns are regular expressions (JavaScript syntax; -F plain strings); several -e patterns match any. Files are read line by line, so big CSVs are searched in bounded memory. A binary file (a NUL byte in its first 8,000 bytes) that matches is reported as "Binary file <path> matches" (-I skips binary files).
Exit status as Git's: 0 when a line matched, 1 when none did (with no message); under --json always 0 with the matches in the result.`
  static override examples = [
    '<%= config.bin %> grep -n "cat,"',
    '<%= config.bin %> grep -i -e lion -e tiger v2 -- labels/',
    '<%= config.bin %> grep -c ",NaN," main -- data/',
    '<%= config.bin %> grep -l -F "N/A" v1 v2',
    '<%= config.bin %> grep -q sensitive && echo "found"',
  ]
  static override strict = false
  static override args = {pattern: Args.string({description: 'The pattern (unless given with -e); then revisions; then -- and paths.'})}
  static override flags = {
    regexp: Flags.string({char: 'e', description: 'A pattern (repeatable: a line matching any is printed).', multiple: true, multipleNonGreedy: true}),
    'ignore-case': Flags.boolean({char: 'i', description: 'Match regardless of case.'}),
    'line-number': Flags.boolean({char: 'n', description: 'Prefix each line with its number.'}),
    'files-with-matches': Flags.boolean({char: 'l', description: 'Print only the names of files with a match.', exclusive: ['count']}),
    count: Flags.boolean({char: 'c', description: 'Print each file with the number of lines that match.', exclusive: ['files-with-matches']}),
    'invert-match': Flags.boolean({char: 'v', description: 'Select the lines that do not match.'}),
    'word-regexp': Flags.boolean({char: 'w', description: 'Match whole words only.'}),
    'fixed-strings': Flags.boolean({char: 'F', description: 'Patterns are plain strings, not regular expressions.'}),
    'extended-regexp': Flags.boolean({char: 'E', description: 'Accepted for Git users: patterns are always extended (JavaScript) regular expressions.'}),
    cached: Flags.boolean({description: 'Search the staged versions (the index) instead of the work tree.'}),
    'skip-binary': Flags.boolean({char: 'I', description: 'Do not search binary files (Git\'s -I).'}),
  }

  async run(): Promise<GrepFile[]> {
    const {flags} = await this.parse(Grep)
    const {before, after} = splitDashDash(this.argv, ['-e', '--regexp'])
    const repo = this.repo()
    const patterns = flags.regexp ?? before.slice(0, 1)
    const rest = flags.regexp ? before : before.slice(1)
    const dashDash = this.argv.includes('--')
    const json = this.jsonEnabled()
    const quiet = this.isQuiet(flags)
    const here = path.relative(repo.root, repo.ctx.cwd).split(path.sep).join('/')
    const name = (f: {rev: string | null; path: string}): string => `${f.rev === null ? '' : `${f.rev}:`}${quotePath(here.startsWith('..') ? f.path : pathFrom(here, f.path))}`
    const files = await grep(repo, {
      patterns,
      revs: dashDash ? rest : [],
      revsOrPaths: dashDash ? [] : rest,
      paths: after,
      cached: flags.cached,
      ignoreCase: flags['ignore-case'],
      invert: flags['invert-match'],
      word: flags['word-regexp'],
      fixed: flags['fixed-strings'],
      skipBinary: flags['skip-binary'],
      collect: json,
      firstOnly: !json && (flags['files-with-matches'] || quiet),
      any: !json && quiet,
      // Printed as found: a big file's matches are never all held.
      onLine: (f, l) => {
        if (!json && !quiet && !flags['files-with-matches'] && !flags.count) this.out(`${name(f)}:${flags['line-number'] ? `${l.line}:` : ''}${l.text}`)
      },
      onFile: (f) => {
        if (json || quiet) return
        if (flags['files-with-matches']) this.out(name(f))
        else if (flags.count) this.out(`${name(f)}:${f.count}`)
        else if (f.binary) this.out(`Binary file ${name(f)} matches`)
      },
    })
    // Git's contract: no match is exit 1 without a message; --json reports the empty result instead.
    if (files.length === 0 && !json) process.exitCode = 1
    return files
  }
}
