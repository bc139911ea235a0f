import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {BlError} from '../core/errors.js'
import {createRef, currentBranch, deleteRef, listBranches, renameBranch, setBranchUpstream, unsetBranchUpstream, type RefInfo} from '../core/ops/branch.js'

export default class Branch extends BlCommand {
  static override summary = 'List, create, rename or delete branches.'
  static override examples = ['<%= config.bin %> branch', '<%= config.bin %> branch cleanup', '<%= config.bin %> branch cleanup v1', '<%= config.bin %> branch -m old new', '<%= config.bin %> branch -d cleanup', '<%= config.bin %> branch -a', '<%= config.bin %> branch -u origin/main', '<%= config.bin %> branch --unset-upstream topic', '<%= config.bin %> branch --show-current']
  static override args = {name: Args.string({description: 'Branch to create (or, with -m, the old name).'}), start: Args.string({description: 'Start point (or, with -m, the new name).'})}
  static override flags = {
    delete: Flags.boolean({char: 'd', description: 'Delete a branch (must be merged into HEAD).'}),
    'force-delete': Flags.boolean({char: 'D', description: 'Delete a branch even if unmerged.'}),
    move: Flags.boolean({char: 'm', description: 'Rename a branch.'}),
    'force-move': Flags.boolean({char: 'M', description: 'Rename, overwriting an existing branch.'}),
    force: Flags.boolean({char: 'f', description: 'Move an existing branch to the start point.'}),
    verbose: Flags.boolean({char: 'v', description: 'Show the commit, upstream (ahead/behind) and subject of each branch.'}),
    remotes: Flags.boolean({char: 'r', description: 'List the remote-tracking branches (origin/main, ...).'}),
    all: Flags.boolean({char: 'a', description: 'List local and remote-tracking branches.'}),
    'set-upstream-to': Flags.string({char: 'u', description: 'Make <remote>/<branch> the upstream of the named (default: current) branch.'}),
    'unset-upstream': Flags.boolean({description: 'Forget the upstream of the named (default: current) branch.'}),
    'show-current': Flags.boolean({description: 'Print the current branch\'s name (nothing when HEAD is detached).'}),
  }

  async run(): Promise<RefInfo[] | {name: string; commit: string} | {from: string; to: string} | {branch: string; upstream: string | null} | {branch: string | null}> {
    const {args, flags} = await this.parse(Branch)
    const repo = this.repo()
    if (flags['show-current']) {
      const res = currentBranch(repo)
      if (res.branch) this.out(res.branch)
      return res
    }
    if (flags['set-upstream-to'] !== undefined) {
      const res = setBranchUpstream(repo, flags['set-upstream-to'], args.name)
      if (!this.isQuiet(flags)) this.out(`branch '${res.branch}' set up to track '${res.upstream}'.`)
      return res
    }
    if (flags['unset-upstream']) return unsetBranchUpstream(repo, args.name)
    if (flags.delete || flags['force-delete']) {
      const res = deleteRef(repo, 'branch', required(args.name), flags['force-delete'])
      if (!this.isQuiet(flags)) this.out(`Deleted branch ${res.name} (was ${res.commit.slice(0, 12)}).`)
      return res
    }
    if (flags.move || flags['force-move']) {
      const [oldName, newName] = args.start ? [args.name, args.start] : [undefined, required(args.name)]
      const res = renameBranch(repo, oldName, newName, flags['force-move'])
      if (!this.isQuiet(flags)) this.out(`Renamed branch ${res.from} to ${res.to}`)
      return res
    }
    if (args.name !== undefined) {
      const res = createRef(repo, 'branch', args.name, args.start ?? 'HEAD', flags.force)
      if (!this.isQuiet(flags)) this.out(`Created branch ${res.name} at ${res.commit.slice(0, 12)}`)
      return res
    }
    const list = listBranches(repo, {remotes: flags.remotes, all: flags.all})
    // -v shows the upstream and how far the branch is from it, as Git's -vv.
    const track = (u: NonNullable<(typeof list)[number]['upstream']>): string => {
      const parts = u.gone ? ['gone'] : [u.ahead ? `ahead ${u.ahead}` : '', u.behind ? `behind ${u.behind}` : ''].filter(Boolean)
      return `[${u.ref}${parts.length ? `: ${parts.join(', ')}` : ''}] `
    }
    for (const b of list) this.out(`${b.current ? '*' : ' '} ${b.remote && flags.all ? 'remotes/' : ''}${b.name}${flags.verbose ? ` ${b.commit.slice(0, 12)} ${b.upstream ? track(b.upstream) : ''}${b.subject}` : ''}`)
    return list
  }
}

function required(name: string | undefined): string {
  if (!name) throw new BlError('INVALID_ARGUMENT', 'branch name required', {hint: 'Usage: bl branch -d <name> | bl branch -m [<old>] <new>'})
  return name
}
