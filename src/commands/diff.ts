import {Flags} from '#oclif'
import {hoistOptions, splitDashDash} from '../cli/args.js'
import {normalizeRenameArgs, renameFlags, renamesFrom} from '../cli/rename-flags.js'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {changeLines} from '../cli/change-format.js'
import {rowDiffLines, rowDiffSummary} from '../cli/row-diff-format.js'
import {tableFlags, tableOptionsFrom, TRAILING_TABLE_OPTIONS} from '../cli/table-flags.js'
import {BlError} from '../core/errors.js'
import {diff, type DiffResult} from '../core/ops/diff.js'
import {rowDiff, schemaChanges, type RowDiffReport} from '../core/ops/row-diff.js'
import type {ColumnChanges} from '../core/tables/row-diff.js'
import {quotePath} from '../core/worktree/paths.js'

export default class Diff extends BlCommand {
  static override summary = 'Show changes between commits, the index and the work tree.'
  static override description = `Without revisions: work tree vs index. --cached: HEAD (or <rev>) vs index. One revision: that commit vs the work tree. Two (or A..B): commit vs commit.
Output is one line per changed path with sizes; a moved file shows as a rename (R): by its unchanged id, or, when the move also changed it, by the content it kept (Git's 50% rule; for big files from the chunks they share, without reading them). --stat also notes the columns added, removed and retyped in modified tables.
--rows compares the rows of one table (CSV, TSV, JSON, JSONL, Parquet) between two commits, a commit and the work tree, or (no revision) HEAD and the work tree: added, removed and changed rows, matched by --key columns or, without a key, by content (docs/tables.md).`
  static override examples = [
    '<%= config.bin %> diff',
    '<%= config.bin %> diff --cached',
    '<%= config.bin %> diff HEAD~1 HEAD --stat',
    '<%= config.bin %> diff v1 v2 --name-status -- images/',
    '<%= config.bin %> diff --rows HEAD~1 HEAD -- data/sales.csv --key id',
    '<%= config.bin %> diff --rows v1 -- data/events.jsonl -v --limit 20',
  ]
  static override strict = false
  static override flags = {
    cached: Flags.boolean({description: 'Compare the index with HEAD (or the given revision).', aliases: ['staged']}),
    stat: Flags.boolean({description: 'Per-path size change and a summary line.'}),
    'name-status': Flags.boolean({description: 'Status letter and path only.'}),
    'name-only': Flags.boolean({description: 'Paths only.'}),
    rows: Flags.boolean({description: 'Row-level diff of one table: added, removed and changed rows.'}),
    key: Flags.string({description: 'With --rows: key columns (comma-separated) that match rows across versions; without it rows match by content.'}),
    verbose: Flags.boolean({char: 'v', description: 'With --rows: print the rows, not only the counts.'}),
    limit: Flags.integer({description: 'With --rows: at most this many rows of each kind (default 100 with -v; --json: all).', min: 0}),
    ...tableFlags,
    ...renameFlags,
  }

  async run(): Promise<DiffResult | RowDiffReport> {
    // `bl diff --rows A B -- t.csv --key id --json`: options after the table path count as options.
    if (this.argv.includes('--rows')) this.argv = hoistOptions(this.argv, ROW_OPTIONS)
    this.argv = normalizeRenameArgs(this.argv)
    const {flags} = await this.parse(Diff)
    const {before, after} = splitDashDash(this.argv, ['--key', '--limit', '--format', '--delimiter'])
    if (flags.rows) return this.rows(flags, before, after)
    const rowOnly = (['key', 'verbose', 'limit', 'format', 'delimiter', 'header'] as const).filter((f) => flags[f] !== undefined && flags[f] !== false)
    if (rowOnly.length) throw new BlError('INVALID_ARGUMENT', `--${rowOnly[0]} only applies to a row diff (--rows)`, {hint: 'e.g. bl diff --rows HEAD~1 HEAD -- data/table.csv --key id'})
    const plain = diff(this.repo(), {revs: before, cached: flags.cached, paths: after, renames: renamesFrom(flags)})
    // Modified tables get their schema changes (--stat and --json only: they read the tables).
    const schema = flags.stat || this.jsonEnabled() ? await schemaChanges(this.repo(), plain) : new Map<string, ColumnChanges>()
    const res: DiffResult = schema.size ? {...plain, changes: plain.changes.map((c) => (schema.has(c.path) ? {...c, schema: schema.get(c.path)!} : c))} : plain
    if (this.jsonEnabled()) return res
    for (const c of res.conflicts ?? []) {
      const v = (name: string, e: NonNullable<DiffResult['conflicts']>[number]['base']): string => `${name} ${e ? `${e.id.slice(0, 12)} (${formatBytes(e.size)})${e.path !== c.path ? ` at ${quotePath(e.path)}` : ''}` : '-'}`
      this.out(`U  ${quotePath(c.path)}  ${c.kind}  ${v('base', c.base)}  ${v('ours', c.ours)}  ${v('theirs', c.theirs)}`)
    }
    const style = flags['name-only'] ? 'name-only' : flags['name-status'] ? 'name-status' : flags.stat ? 'stat' : 'long'
    for (const line of changeLines(res.changes, style, schema)) this.out(line)
    return res
  }

  private async rows(flags: {cached?: boolean; stat?: boolean; 'name-only'?: boolean; 'name-status'?: boolean; key?: string; verbose?: boolean; limit?: number; format?: string; delimiter?: string; header?: boolean}, before: string[], after: string[]): Promise<RowDiffReport> {
    const clash = (['cached', 'stat', 'name-only', 'name-status'] as const).find((f) => flags[f])
    if (clash) throw new BlError('INVALID_ARGUMENT', `--rows cannot be combined with --${clash}`, {hint: '--rows compares commits and the work tree: bl diff --rows [<rev> [<rev>]] -- <table>'})
    const key = flags.key === undefined ? null : flags.key.split(',').map((k) => k.trim()).filter((k) => k !== '')
    if (key && key.length === 0) throw new BlError('INVALID_ARGUMENT', '--key names no column', {hint: 'e.g. --key id or --key id,date.'})
    const json = this.jsonEnabled()
    const limit = flags.limit ?? (json ? Infinity : flags.verbose ? 100 : 0)
    const res = await rowDiff(this.repo(), {revs: before, paths: after, key, limit: json || flags.verbose ? limit : 0, open: tableOptionsFrom(flags)})
    if (json) return res
    this.out(rowDiffSummary(res))
    if (flags.verbose) for (const line of rowDiffLines(res)) this.out(line)
    return res
  }
}

/** Options of a row diff (and their values) written after `--` and its path, moved before the `--`. */
const ROW_OPTIONS = new Map<string, boolean>([
  ['--rows', false],
  ['--key', true],
  ['--limit', true],
  ['-v', false],
  ['--verbose', false],
  ...TRAILING_TABLE_OPTIONS,
])
