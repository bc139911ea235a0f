import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {BlError} from '../core/errors.js'
import {createRef, deleteRef, listTags, type RefInfo} from '../core/ops/branch.js'

export default class Tag extends BlCommand {
  static override summary = 'List, create or delete tags (lightweight, like `git tag <name>`).'
  static override examples = ['<%= config.bin %> tag', '<%= config.bin %> tag v1', '<%= config.bin %> tag v0.9 HEAD~3', '<%= config.bin %> tag -d v1']
  static override args = {name: Args.string({description: 'Tag to create or delete.'}), commit: Args.string({description: 'Commit to tag (default HEAD).'})}
  static override flags = {
    delete: Flags.boolean({char: 'd', description: 'Delete the tag.'}),
    force: Flags.boolean({char: 'f', description: 'Replace an existing tag.'}),
  }

  async run(): Promise<RefInfo[] | {name: string; commit: string}> {
    const {args, flags} = await this.parse(Tag)
    const repo = this.repo()
    if (flags.delete) {
      if (!args.name) throw new BlError('INVALID_ARGUMENT', 'tag name required', {hint: 'Usage: bl tag -d <name>'})
      const res = deleteRef(repo, 'tag', args.name)
      if (!this.isQuiet(flags)) this.out(`Deleted tag '${res.name}' (was ${res.commit.slice(0, 12)})`)
      return res
    }
    if (args.name !== undefined) {
      const res = createRef(repo, 'tag', args.name, args.commit ?? 'HEAD', flags.force)
      if (!this.isQuiet(flags)) this.out(`Created tag ${res.name} at ${res.commit.slice(0, 12)}`)
      return res
    }
    const list = listTags(repo)
    for (const t of list) this.out(t.name)
    return list
  }
}
