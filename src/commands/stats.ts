import {Args} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {tableFlags, tableOptionsFrom} from '../cli/table-flags.js'
import {cellText, count, counted, grid} from '../cli/table-format.js'
import {stats, type StatsResult} from '../core/ops/tables.js'

export default class Stats extends BlCommand {
  static override summary = 'Statistics of a table, or files and bytes by format of a commit or directory.'
  static override description = `For a table: rows, columns, inferred types, nulls, min/max/mean of numbers, distinct-count estimates and the top values of low-cardinality columns. A committed file's statistics are computed once and cached by its id.
For a commit or directory (<rev> or <rev>:<dir>): files and bytes by format.`
  static override examples = ['<%= config.bin %> stats HEAD:data/sales.csv', '<%= config.bin %> stats main', '<%= config.bin %> stats HEAD:images --json']
  static override args = {spec: Args.string({description: '<rev>, <rev>:<path>, or a work-tree file.', default: 'HEAD'})}
  static override flags = {...tableFlags}

  async run(): Promise<StatsResult> {
    const {args, flags} = await this.parse(Stats)
    const res = await stats(this.repo(), args.spec, tableOptionsFrom(flags))
    if (res.kind === 'tree') {
      this.out(`${res.rev}${res.path ? `:${res.path}` : ''} (${res.commit.slice(0, 12)}): ${counted(res.files, 'file')}, ${formatBytes(res.bytes)}`)
      for (const line of grid(['format', 'files', 'bytes', 'kind'], res.formats.map((f) => [f.format, count(f.files), formatBytes(f.bytes), f.table ? 'table' : '']), [false, true, true, false])) this.out(line)
      return res
    }
    this.out(`${res.rev ? `${res.rev}:` : ''}${res.path} (${res.format}): ${counted(res.rows, 'row')}, ${counted(res.columns.length, 'column')}`)
    const rows = res.columns.map((c) => [
      cellText(c.name),
      c.type,
      count(c.nulls),
      count(c.distinct),
      cellText(c.min),
      cellText(c.max),
      c.mean === null ? '' : cellText(Number(c.mean.toPrecision(6))),
      c.top ? c.top.slice(0, 3).map((t) => `${cellText(t.value)} (${count(t.count)})`).join(', ') : '',
    ])
    for (const line of grid(['column', 'type', 'nulls', 'distinct', 'min', 'max', 'mean', 'top values'], rows, [false, false, true, true, false, false, true, false])) this.out(line)
    return res
  }
}
