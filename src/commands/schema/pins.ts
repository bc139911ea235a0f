import {Flags} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {cellText, grid} from '../../cli/table-format.js'
import {schemaPins, type SchemaPinsResult} from '../../core/ops/schema-pins.js'

export default class SchemaPinsCmd extends BlCommand {
  static override summary = 'List the schema pins: patterns and their pinned columns.'
  static override description = 'Reads .blschema in the work tree (what `bl schema pin` edits), or with --rev the one a commit holds (what that commit was checked against).'
  static override examples = ['<%= config.bin %> schema pins', '<%= config.bin %> schema pins --rev HEAD --json']
  static override flags = {
    rev: Flags.string({description: 'Read the pins of this commit instead of the work-tree file.'}),
  }

  async run(): Promise<SchemaPinsResult> {
    const {flags} = await this.parse(SchemaPinsCmd)
    const res = await schemaPins(this.repo(), {rev: flags.rev})
    if (res.pins.length === 0) this.out(`No schema pins${res.rev ? ` in ${res.rev}` : ''}.`)
    for (const [i, p] of res.pins.entries()) {
      if (i > 0) this.out()
      this.out(`${cellText(p.pattern)}${p.strict ? ' (strict)' : ''}`)
      for (const line of grid(['column', 'type', 'nullable'], p.columns.map((c) => [cellText(c.name), c.type, c.nullable ? 'yes' : 'no']))) this.out(`  ${line}`)
    }
    return res
  }
}
