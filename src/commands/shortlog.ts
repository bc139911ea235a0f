import {Args, Flags} from '#oclif'
import {splitDashDash} from '../cli/args.js'
import {BlCommand} from '../cli/base-command.js'
import {parseDateSpec} from '../core/date-spec.js'
import {shortlog, type ShortlogGroup} from '../core/ops/shortlog.js'

export default class Shortlog extends BlCommand {
  static override summary = 'Summarise a history by author: who made how many commits, with their subjects.'
  static override description = 'Groups the commits of the revisions (default HEAD; ranges as in `bl log`) by author name, names in byte order, each one\'s subjects oldest first, as Git\'s shortlog (without .mailmap).'
  static override examples = ['<%= config.bin %> shortlog', '<%= config.bin %> shortlog -sn', '<%= config.bin %> shortlog -se v1..main', '<%= config.bin %> shortlog -s -- labels/']
  static override strict = false
  static override args = {revs: Args.string({description: 'Revisions (default HEAD), ^rev, a..b or a...b; then -- and paths.'})}
  static override flags = {
    summary: Flags.boolean({char: 's', description: 'Only the number of commits per person.'}),
    numbered: Flags.boolean({char: 'n', description: 'Most commits first (instead of by name).'}),
    email: Flags.boolean({char: 'e', description: 'Show (and group by) the email address too.'}),
    committer: Flags.boolean({char: 'c', description: 'Group by committer instead of author.'}),
    all: Flags.boolean({description: 'Every branch, remote-tracking branch, tag and the stash, besides the revisions given.'}),
    'first-parent': Flags.boolean({description: 'Follow only the first parent of merges.'}),
    since: Flags.string({description: 'Only commits made at or after this date (as in `bl log`).', aliases: ['after']}),
    until: Flags.string({description: 'Only commits made at or before this date.', aliases: ['before']}),
  }

  async run(): Promise<ShortlogGroup[]> {
    const {flags} = await this.parse(Shortlog)
    const {before, after} = splitDashDash(this.argv, ['--since', '--after', '--until', '--before'])
    const repo = this.repo()
    const date = (v: string | undefined): number | undefined => (v === undefined ? undefined : parseDateSpec(v, repo.now()))
    const groups = shortlog(repo, {revs: before, paths: after, all: flags.all, firstParent: flags['first-parent'], since: date(flags.since), until: date(flags.until), committer: flags.committer, email: flags.email, numbered: flags.numbered})
    for (const g of groups) {
      if (flags.summary) {
        this.out(`${String(g.count).padStart(6)}\t${g.who}`)
        continue
      }
      // Git's layout: a blank line after every group, the last one too.
      this.out(`${g.who} (${g.count}):`)
      for (const s of g.subjects) this.out(`      ${s}`)
      this.out('')
    }
    return groups
  }
}
