import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {tableFlags, tableOptionsFrom} from '../../cli/table-flags.js'
import {cellText, counted, grid} from '../../cli/table-format.js'
import {tableSchema, type SchemaResult} from '../../core/ops/tables.js'

export default class Schema extends BlCommand {
  static override summary = 'Show the columns of a table: names, inferred types, nullability.'
  static override description = 'Types are inferred from every row (Parquet: declared by the file), and cached by file id with the statistics.'
  static override examples = ['<%= config.bin %> schema HEAD:data/sales.csv', '<%= config.bin %> schema v1.0:events.parquet --json']
  static override args = {spec: Args.string({required: true, description: '<rev>:<path>, or a work-tree path.'})}
  static override flags = {...tableFlags}

  async run(): Promise<SchemaResult> {
    const {args, flags} = await this.parse(Schema)
    const res = await tableSchema(this.repo(), args.spec, tableOptionsFrom(flags))
    this.out(`${res.rev ? `${res.rev}:` : ''}${res.path} (${res.format}): ${counted(res.rows, 'row')}`)
    for (const line of grid(['column', 'type', 'nullable'], res.columns.map((c) => [cellText(c.name), c.type, c.nullable ? 'yes' : 'no']))) this.out(line)
    return res
  }
}
