import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {describe, type Description} from '../core/ops/describe.js'

export default class Describe extends BlCommand {
  static override summary = 'Name a commit after the nearest tag it descends from (<tag>-<n>-g<id>).'
  static override description = `As git describe --tags: the tag on the commit, or the nearest earlier tag (the fewest commits between them; on a tie the more recent) followed by -<n>-g<id>, n commits after it and the commit's 12-digit id. Every tag counts (bl's tags are lightweight), so --tags changes nothing. No tag reachable: exit 4 (NO_TAG) unless --always.`
  static override examples = [
    '<%= config.bin %> describe',
    '<%= config.bin %> describe --dirty --always',
    '<%= config.bin %> describe --abbrev=0 main~3',
    '<%= config.bin %> describe --match "v*" --exclude "*-rc*"',
    '<%= config.bin %> describe --all --json',
  ]
  static override strict = false
  static override args = {revs: Args.string({description: 'Commits to describe (default HEAD).'})}
  static override flags = {
    tags: Flags.boolean({description: 'Accepted for Git\'s scripts: every bl tag counts already.'}),
    all: Flags.boolean({description: 'Any ref, not only tags (heads/main, tags/v1, remotes/origin/main).'}),
    always: Flags.boolean({description: 'The abbreviated id when no tag describes the commit.'}),
    long: Flags.boolean({description: 'Always <tag>-<n>-g<id>, also on the tag itself.'}),
    abbrev: Flags.integer({description: 'Digits of the id (default 12; 0: the tag alone).', min: 0}),
    'exact-match': Flags.boolean({description: 'Only a tag on the commit itself.'}),
    dirty: Flags.string({description: 'Add -dirty (or =<mark>) when tracked files differ from HEAD (only without revisions).'}),
    match: Flags.string({description: 'Only tags matching this glob (repeatable).', multiple: true, multipleNonGreedy: true}),
    exclude: Flags.string({description: 'No tags matching this glob (repeatable).', multiple: true, multipleNonGreedy: true}),
    'first-parent': Flags.boolean({description: 'Follow only first parents (not the commits merged in).'}),
  }

  async run(): Promise<Description[]> {
    // `--dirty` alone means Git's mark; oclif string flags need a value.
    const end = this.argv.indexOf('--')
    this.argv = this.argv.map((a, i) => (a === '--dirty' && (end < 0 || i < end) ? '--dirty=-dirty' : a))
    const {argv, flags} = await this.parse(Describe)
    const res = describe(this.repo(), {
      revs: argv as string[],
      all: flags.all,
      always: flags.always,
      long: flags.long,
      abbrev: flags.abbrev,
      exactMatch: flags['exact-match'],
      dirty: flags.dirty,
      match: flags.match,
      exclude: flags.exclude,
      firstParent: flags['first-parent'],
    })
    for (const d of res) this.out(d.name)
    return res
  }
}
