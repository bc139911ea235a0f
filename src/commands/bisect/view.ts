import {BlCommand} from '../../cli/base-command.js'
import {bisectCandidates} from '../../core/ops/bisect.js'
import type {LogEntry} from '../../core/ops/log.js'

export default class BisectView extends BlCommand {
  static override summary = 'List the commits still in question (Git\'s bisect visualize), newest first.'
  static override aliases = ['bisect visualize']
  static override examples = ['<%= config.bin %> bisect view', '<%= config.bin %> bisect view --json']

  async run(): Promise<LogEntry[]> {
    await this.parse(BisectView)
    const entries = bisectCandidates(this.repo())
    for (const e of entries) this.out(`${e.id.slice(0, 12)}${e.refs.length ? ` (${e.refs.join(', ')})` : ''} ${e.message.split('\n')[0]}`)
    return entries
  }
}
