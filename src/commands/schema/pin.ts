import {Args, Flags} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {schemaPin, type SchemaPinResult} from '../../core/ops/schema-pins.js'

export default class SchemaPinCmd extends BlCommand {
  static override summary = 'Pin the expected schema of the tables matching a path pattern (in .blschema).'
  static override description = `Records the columns (names, types, nullability) of a table as the schema every table matching <pattern> must keep, in .blschema at the repository root, and stages that file: commit it like any change. From then on a commit whose matching tables miss a pinned column, have a column the pin does not list, or hold a type the pinned one cannot (an integer column fits a number pin, a date a timestamp pin, anything a string pin) is refused with SCHEMA_VIOLATION (exit 13) and a line per column. With --strict, nulls in a column pinned non-null are refused too.
The schema comes from --from (<rev>:<path>, or a work-tree file), else from the one work-tree file the pattern matches. Pinning a pattern again replaces its pin. Patterns match as pathspecs do: \`*\` also crosses directories, a directory matches everything below it.`
  static override examples = [
    '<%= config.bin %> schema pin "data/*.csv"',
    '<%= config.bin %> schema pin "data/*.csv" --from HEAD:data/sales.csv --strict',
    '<%= config.bin %> schema pin events/ --from events/2024-01.jsonl --json',
  ]
  static override args = {pattern: Args.string({required: true, description: 'Path pattern of the tables (quote wildcards for the shell).'})}
  static override flags = {
    from: Flags.string({description: 'Table the schema is read from: <rev>:<path> or a work-tree path (default: the one work-tree file the pattern matches).'}),
    strict: Flags.boolean({description: 'Also refuse nulls in the columns pinned non-null.'}),
  }

  async run(): Promise<SchemaPinResult> {
    const {args, flags} = await this.parse(SchemaPinCmd)
    const res = await schemaPin(this.repo(), {pattern: args.pattern, from: flags.from, strict: flags.strict})
    const from = `${res.from.rev ? `${res.from.rev}:` : ''}${res.from.path}`
    const n = res.pin.columns.length
    this.out(`${res.replaced ? 'Re-pinned' : 'Pinned'} ${res.pin.pattern}: ${n} column${n === 1 ? '' : 's'} from ${from}${res.pin.strict ? ' (strict)' : ''}; ${res.file} staged, commit it to enforce the pin`)
    return res
  }
}
