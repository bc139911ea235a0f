import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {refFilterArgv, refFilterFlags, refFilterFrom} from '../cli/ref-filter-flags.js'
import {BlError} from '../core/errors.js'
import {filtersRefs} from '../core/refs/ref-filter.js'
import {createRef, deleteRef, listTags, type RefInfo} from '../core/ops/branch.js'

export default class Tag extends BlCommand {
  static override summary = 'List, create or delete tags (lightweight, like `git tag <name>`).'
  static override examples = [
    '<%= config.bin %> tag',
    '<%= config.bin %> tag v1',
    '<%= config.bin %> tag v0.9 HEAD~3',
    '<%= config.bin %> tag -d v1',
    "<%= config.bin %> tag -l 'v1.*'",
    '<%= config.bin %> tag --sort=-v:refname',
    '<%= config.bin %> tag --contains HEAD~2',
    '<%= config.bin %> tag --merged main --no-merged v2',
    '<%= config.bin %> tag --points-at HEAD',
  ]
  static override args = {name: Args.string({description: 'Tag to create or delete (with -l, a glob pattern).'}), commit: Args.string({description: 'Commit to tag (default HEAD; with -l, more patterns).'})}
  // -l takes any number of patterns (`bl tag -l 'v1.*' 'v2.*'`).
  static override strict = false
  static override flags = {
    delete: Flags.boolean({char: 'd', description: 'Delete the tag.'}),
    force: Flags.boolean({char: 'f', description: 'Replace an existing tag.'}),
    ...refFilterFlags('tags'),
  }

  async run(): Promise<RefInfo[] | {name: string; commit: string}> {
    const prepared = refFilterArgv(this.argv, true)
    this.argv = prepared.argv
    const {args, argv, flags} = await this.parse(Tag)
    const patterns = argv as string[]
    const filter = refFilterFrom(flags, patterns, prepared.sort)
    // Git's rules: -l, a filter, or no name at all lists; listing does not mix with -d.
    const list = flags.list || filtersRefs(filter) || (args.name === undefined && !flags.delete)
    if (list && flags.delete) throw new BlError('INVALID_ARGUMENT', '-d cannot be combined with listing (-l, --contains, --merged, --points-at, ...)', {hint: 'List tags (`bl tag -l <pattern>`) or delete one (`bl tag -d <name>`).'})
    if (flags.delete && !args.name) throw new BlError('INVALID_ARGUMENT', 'tag name required', {hint: 'Usage: bl tag -d <name>'})
    if (!list && patterns.length > 2) throw new BlError('INVALID_ARGUMENT', `unexpected argument ${patterns[2]}`, {hint: 'To list tags matching patterns, use `bl tag -l <pattern>...`.'})
    const repo = this.repo()
    if (list) {
      const tags = listTags(repo, filter)
      for (const t of tags) this.out(t.name)
      return tags
    }
    if (flags.delete) {
      const res = deleteRef(repo, 'tag', args.name!)
      if (!this.isQuiet(flags)) this.out(`Deleted tag '${res.name}' (was ${res.commit.slice(0, 12)})`)
      return res
    }
    const res = createRef(repo, 'tag', args.name!, args.commit ?? 'HEAD', flags.force)
    if (!this.isQuiet(flags)) this.out(`Created tag ${res.name} at ${res.commit.slice(0, 12)}`)
    return res
  }
}
