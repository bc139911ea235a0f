import {Args, Flags} from '@oclif/core'
import {BlCommand} from '../cli/base-command.js'
import {splitDashDash} from '../cli/args.js'
import {formatDate, indent} from '../cli/format.js'
import {log, type LogEntry} from '../core/ops/log.js'

export default class Log extends BlCommand {
  static override summary = 'Show commit history.'
  static override examples = ['<%= config.bin %> log', '<%= config.bin %> log --oneline -n 5', '<%= config.bin %> log main -- data/train.csv', '<%= config.bin %> log --json']
  static override strict = false
  static override args = {revs: Args.string({description: 'Revisions to start from (default HEAD), then -- and paths.'})}
  static override flags = {
    oneline: Flags.boolean({description: 'One line per commit: short id and subject.'}),
    'max-count': Flags.integer({char: 'n', description: 'Show at most N commits.', min: 0}),
  }

  async run(): Promise<LogEntry[]> {
    const {flags} = await this.parse(Log)
    const {before, after} = splitDashDash(this.argv, ['-n', '--max-count'])
    const entries = log(this.repo(), {revs: before, maxCount: flags['max-count'], paths: after})
    if (this.jsonEnabled()) return entries
    for (const e of entries) {
      const deco = e.refs.length ? ` (${e.refs.join(', ')})` : ''
      if (flags.oneline) {
        this.out(`${e.id.slice(0, 12)}${deco} ${e.message.split('\n')[0]}`)
        continue
      }
      this.out(`commit ${e.id}${deco}`)
      if (e.parents.length > 1) this.out(`Merge: ${e.parents.map((p) => p.slice(0, 12)).join(' ')}`)
      this.out(`Author: ${e.author.name} <${e.author.email}>`)
      this.out(`Date:   ${formatDate(e.author)}`)
      this.out()
      this.out(indent(e.message))
      this.out()
    }
    return entries
  }
}
