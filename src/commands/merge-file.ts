import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {BlError} from '../core/errors.js'
import {mergeFile} from '../core/ops/merge-file.js'

export default class MergeFile extends BlCommand {
  static override summary = 'Three-way merge of three files, as git merge-file (tables by cells, columns and fields).'
  static override description = `Merges into <current> the changes from <base> to <other>, by lines as Git does, with markers where both changed the same lines; a CSV/TSV row both changed in different cells (or columns, by name) and a JSONL record both changed in different fields merge below the line, picked by the file's name (--path). No repository is needed.
Exit 0 when the merge is clean, 1 when conflicts are left (Git exits with their number; with --json bl exits 0 and reports {conflicts}).
As a Git merge driver for tables in a Git repository: git config merge.bl.driver "bl merge-file --path %P -L ours -L base -L theirs %A %O %B", and "*.csv merge=bl" in .gitattributes.`
  static override examples = [
    '<%= config.bin %> merge-file labels.csv labels.base.csv labels.theirs.csv',
    '<%= config.bin %> merge-file -p --diff3 -L mine -L base -L yours a.jsonl base.jsonl b.jsonl > merged.jsonl',
  ]
  static override args = {
    current: Args.string({description: 'Ours: the result is written over it (unless -p).', required: true}),
    base: Args.string({description: 'The common ancestor.', required: true}),
    other: Args.string({description: 'Theirs.', required: true}),
  }

  static override flags = {
    stdout: Flags.boolean({char: 'p', description: 'Write the result to stdout instead of over <current>.', exclusive: ['json']}),
    label: Flags.string({char: 'L', description: 'Marker label: given up to three times, for current, base and other (default: the file names).', multiple: true, multipleNonGreedy: true}),
    diff3: Flags.boolean({description: 'Show the base\'s lines in conflicts too.', exclusive: ['zdiff3']}),
    zdiff3: Flags.boolean({description: 'As --diff3, with lines both sides share moved out of conflicts.', exclusive: ['diff3']}),
    ours: Flags.boolean({description: 'Settle conflicts with our lines.', exclusive: ['theirs', 'union']}),
    theirs: Flags.boolean({description: 'Settle conflicts with their lines.', exclusive: ['ours', 'union']}),
    union: Flags.boolean({description: 'Settle conflicts with both sides\' lines, ours first.', exclusive: ['ours', 'theirs']}),
    path: Flags.string({description: 'Name whose extension picks the table merge (.csv, .tsv, .jsonl); default <current>.'}),
  }

  async run(): Promise<{conflicts: number; written: string | null}> {
    const {args, flags} = await this.parse(MergeFile)
    if ((flags.label?.length ?? 0) > 3) throw new BlError('INVALID_ARGUMENT', '-L given more than three times', {hint: 'One label each for current, base and other.'})
    const res = mergeFile({
      cwd: this.context().cwd,
      current: args.current,
      base: args.base,
      other: args.other,
      labels: flags.label,
      style: flags.diff3 ? 'diff3' : flags.zdiff3 ? 'zdiff3' : undefined,
      favor: flags.ours ? 'ours' : flags.theirs ? 'theirs' : flags.union ? 'union' : undefined,
      path: flags.path,
      stdout: flags.stdout,
    })
    if (flags.stdout) process.stdout.write(res.merged)
    // Git's contract: the exit status tells whether conflicts are left. Under --json the count is in the result.
    if (res.conflicts > 0 && !this.jsonEnabled()) process.exitCode = 1
    return {conflicts: res.conflicts, written: res.written}
  }
}
