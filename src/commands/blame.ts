import {Args, Flags} from '#oclif'
import {hoistOptions, splitDashDash} from '../cli/args.js'
import {BlCommand} from '../cli/base-command.js'
import {cellPairs} from '../cli/row-diff-format.js'
import {tableFlags, tableOptionsFrom, TRAILING_TABLE_OPTIONS} from '../cli/table-flags.js'
import {BlError} from '../core/errors.js'
import {blame, type BlameResult} from '../core/ops/blame.js'

export default class Blame extends BlCommand {
  static override summary = 'Show, for each row of a table, the commit that last added or changed it.'
  static override description = `Git's blame for tables (CSV, TSV, JSON, JSONL, Parquet): rows are matched across versions by --key columns (a changed cell blames the commit that changed it) or, without a key, by content. -L limits the rows asked about, and so how far back the history is read.`
  static override examples = [
    '<%= config.bin %> blame data/labels.csv --key id',
    '<%= config.bin %> blame v2 -- data/labels.csv --key id -L 100,120',
    '<%= config.bin %> blame data/events.jsonl --json',
  ]
  static override strict = false
  static override args = {rev: Args.string({description: '[<rev>] <table>: the version (default HEAD), then the table (or after --).'})}
  static override flags = {
    key: Flags.string({description: 'Key columns (comma-separated) that identify a row across versions; without it rows match by content.'}),
    lines: Flags.string({char: 'L', description: 'Only rows starting on lines <start>,<end> (the row number for JSON and Parquet).'}),
    ...tableFlags,
  }

  async run(): Promise<BlameResult> {
    // `bl blame v2 -- t.csv --key id`: options after the table path count as options.
    this.argv = hoistOptions(this.argv, OPTIONS)
    const {flags} = await this.parse(Blame)
    const {before, after} = splitDashDash(this.argv, ['--key', '-L', '--lines', '--format', '--delimiter'])
    const args = [...before, ...after]
    if (args.length === 0 || args.length > 2) throw new BlError('INVALID_ARGUMENT', args.length ? `blame takes a revision and one table, got ${args.length} arguments` : 'blame needs the table to blame', {hint: 'bl blame [<rev>] [--] <table> [--key <columns>]'})
    const [rev, path] = args.length === 2 ? [args[0], args[1]!] : [undefined, args[0]!]
    const range = flags.lines === undefined ? undefined : /^(\d+),(\d+)$/.exec(flags.lines)
    if (range === null || (range && Number(range[1]) > Number(range[2]))) throw new BlError('INVALID_ARGUMENT', `-L wants <start>,<end>, got ${JSON.stringify(flags.lines)}`, {hint: 'e.g. -L 10,20 (lines where rows start, inclusive).'})
    const key = flags.key === undefined ? null : flags.key.split(',').map((k) => k.trim()).filter((k) => k !== '')
    const res = await blame(this.repo(), {rev, path, key, lines: range ? {start: Number(range[1]), end: Number(range[2])} : undefined, open: tableOptionsFrom(flags)})
    if (this.jsonEnabled()) return res
    const byId = new Map(res.commits.map((c) => [c.id, c]))
    const nameWidth = Math.min(20, Math.max(0, ...res.commits.map((c) => c.author.name.length)))
    const lineWidth = String(Math.max(0, ...res.rows.map((r) => r.line))).length
    // As git blame: once rows come from before a rename, each line names the table's name there.
    const pathWidth = res.commits.some((c) => c.path !== res.path) ? Math.max(...res.commits.map((c) => c.path.length)) : 0
    for (const r of res.rows) {
      const c = byId.get(r.commit)!
      const day = new Date((c.author.time + c.author.tz * 60) * 1000).toISOString().slice(0, 10)
      const where = pathWidth ? ` ${c.path.padEnd(pathWidth)}` : ''
      this.out(`${r.commit.slice(0, 12)}${where} (${c.author.name.slice(0, 20).padEnd(nameWidth)} ${day} ${String(r.line).padStart(lineWidth)}) ${cellPairs(r.key ? {...r.key, ...r.cells} : r.cells)}`)
    }
    return res
  }
}

/** bl's options that may follow the table path, and whether each takes a value. */
const OPTIONS = new Map<string, boolean>([
  ['--key', true],
  ['-L', true],
  ['--lines', true],
  ...TRAILING_TABLE_OPTIONS,
])
