import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {tableFlags, tableOptionsFrom} from '../cli/table-flags.js'
import {cellText, count, counted, grid} from '../cli/table-format.js'
import {preview, type PreviewResult} from '../core/ops/tables.js'

export default class Preview extends BlCommand {
  static override summary = 'Show the first rows of a table (CSV, TSV, JSON, JSONL, Parquet).'
  static override description = 'SPEC is <rev>:<path> for a committed file, or a path in the work tree. Only the rows shown are read.'
  static override examples = [
    '<%= config.bin %> preview HEAD:data/train.csv',
    '<%= config.bin %> preview main~3:events.parquet -n 5 --columns id,ts',
    '<%= config.bin %> preview data/new.jsonl --json',
  ]
  static override args = {spec: Args.string({required: true, description: '<rev>:<path>, or a work-tree path.'})}
  static override flags = {
    rows: Flags.integer({char: 'n', description: 'Rows to show.', default: 20, min: 0}),
    columns: Flags.string({description: 'Only these columns, comma-separated, in this order.'}),
    ...tableFlags,
  }

  async run(): Promise<PreviewResult> {
    const {args, flags} = await this.parse(Preview)
    const columns = flags.columns?.split(',').map((c) => c.trim()).filter((c) => c !== '')
    const res = await preview(this.repo(), args.spec, {rows: flags.rows, columns, ...tableOptionsFrom(flags)})
    if (res.kind === 'document') {
      this.out(res.text)
      if (res.truncated) this.out('...')
      return res
    }
    const numeric = res.columns.map((c) => c.type === 'integer' || c.type === 'number')
    for (const line of grid(res.columns.map((c) => cellText(c.name)), res.rows.map((r) => r.map(cellText)), numeric)) this.out(line)
    const total = res.totalRows === null ? (res.truncated ? 'more rows follow' : counted(res.rows.length, 'row')) : `${count(res.rows.length)} of ${counted(res.totalRows, 'row')}`
    const delim = res.delimiter && res.format === 'csv' && res.delimiter !== ',' ? `, delimiter ${JSON.stringify(res.delimiter)}` : ''
    const header = res.header === false ? ', no header line' : ''
    this.out(`(${total}; ${res.format}${delim}${header})`)
    return res
  }
}
