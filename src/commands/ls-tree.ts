import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {lsTree, type LsTreeEntry} from '../core/ops/inspect.js'
import {quotePath} from '../core/worktree/paths.js'

export default class LsTree extends BlCommand {
  static override summary = 'List the contents of a tree.'
  static override examples = ['<%= config.bin %> ls-tree HEAD', '<%= config.bin %> ls-tree main:images', '<%= config.bin %> ls-tree -r -l main images/', '<%= config.bin %> ls-tree -r HEAD --json']
  static override strict = false
  static override args = {rev: Args.string({description: 'Revision, or <rev>:<dir> for one directory of it (Git\'s tree-ish).', required: true}), paths: Args.string({description: 'Paths inside the tree.'})}
  static override flags = {
    recursive: Flags.boolean({char: 'r', description: 'Recurse into subdirectories.'}),
    long: Flags.boolean({char: 'l', description: 'Show sizes.'}),
    trees: Flags.boolean({char: 't', description: 'With -r, show directories too.'}),
  }

  async run(): Promise<LsTreeEntry[]> {
    const {args, argv, flags} = await this.parse(LsTree)
    const paths = (argv as string[]).slice(1)
    const rows = lsTree(this.repo(), {rev: args.rev, paths, recursive: flags.recursive, showTrees: flags.trees})
    for (const r of rows) {
      const size = flags.long ? ` ${(r.kind === 'dir' ? '-' : String(r.size)).padStart(10)}` : ''
      this.out(`${r.mode} ${r.type} ${r.id}${size}\t${quotePath(r.path)}`)
    }
    return rows
  }
}
