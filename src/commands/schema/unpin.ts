import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {schemaUnpin, type SchemaUnpinResult} from '../../core/ops/schema-pins.js'

export default class SchemaUnpinCmd extends BlCommand {
  static override summary = 'Remove the schema pin of a path pattern (from .blschema).'
  static override description = 'Removes the pin whose pattern is exactly <pattern> and stages .blschema; the next commit no longer checks those tables against it.'
  static override examples = ['<%= config.bin %> schema unpin "data/*.csv"', '<%= config.bin %> schema unpin events --json']
  static override args = {pattern: Args.string({required: true, description: 'The pinned pattern, as `bl schema pins` lists it.'})}

  async run(): Promise<SchemaUnpinResult> {
    const {args} = await this.parse(SchemaUnpinCmd)
    const res = await schemaUnpin(this.repo(), args.pattern)
    this.out(`Unpinned ${res.removed.pattern}; ${res.pins} pin${res.pins === 1 ? '' : 's'} left; ${res.file} staged, commit it`)
    return res
  }
}
