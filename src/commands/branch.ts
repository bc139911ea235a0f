import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {BlError} from '../core/errors.js'
import {refFilterArgv, refFilterFlags, refFilterFrom} from '../cli/ref-filter-flags.js'
import {filtersRefs} from '../core/refs/ref-filter.js'
import {createRef, currentBranch, deleteRef, listBranches, renameBranch, setBranchUpstream, unsetBranchUpstream, type RefInfo} from '../core/ops/branch.js'

export default class Branch extends BlCommand {
  static override summary = 'List, create, rename or delete branches.'
  static override examples = ['<%= config.bin %> branch', '<%= config.bin %> branch cleanup', '<%= config.bin %> branch cleanup v1', '<%= config.bin %> branch -m old new', '<%= config.bin %> branch -d cleanup', '<%= config.bin %> branch -a', '<%= config.bin %> branch -u origin/main', '<%= config.bin %> branch --unset-upstream topic', '<%= config.bin %> branch --show-current', "<%= config.bin %> branch --list 'feat/*'", '<%= config.bin %> branch --merged', '<%= config.bin %> branch -r --no-merged main', '<%= config.bin %> branch --contains v1 --sort=-committerdate', '<%= config.bin %> branch --points-at HEAD', '<%= config.bin %> branch -vv']
  static override args = {name: Args.string({description: 'Branch to create (or, with -m, the old name; when listing, a glob pattern).'}), start: Args.string({description: 'Start point (or, with -m, the new name; when listing, more patterns).'})}
  // Listing takes any number of patterns (`bl branch -l 'feat/*' 'fix/*'`).
  static override strict = false
  static override flags = {
    delete: Flags.boolean({char: 'd', description: 'Delete a branch (must be merged into HEAD).'}),
    'force-delete': Flags.boolean({char: 'D', description: 'Delete a branch even if unmerged.'}),
    move: Flags.boolean({char: 'm', description: 'Rename a branch.'}),
    'force-move': Flags.boolean({char: 'M', description: 'Rename, overwriting an existing branch.'}),
    force: Flags.boolean({char: 'f', description: 'Move an existing branch to the start point.'}),
    verbose: Flags.boolean({char: 'v', description: 'Show the commit, upstream (ahead/behind) and subject of each branch (Git\'s -vv; -vv is the same).'}),
    remotes: Flags.boolean({char: 'r', description: 'List the remote-tracking branches (origin/main, ...).'}),
    all: Flags.boolean({char: 'a', description: 'List local and remote-tracking branches.'}),
    'set-upstream-to': Flags.string({char: 'u', description: 'Make <remote>/<branch> the upstream of the named (default: current) branch.'}),
    'unset-upstream': Flags.boolean({description: 'Forget the upstream of the named (default: current) branch.'}),
    'show-current': Flags.boolean({description: 'Print the current branch\'s name (nothing when HEAD is detached).'}),
    ...refFilterFlags('branches'),
  }

  async run(): Promise<RefInfo[] | {name: string; commit: string} | {from: string; to: string} | {branch: string; upstream: string | null} | {branch: string | null}> {
    const prepared = refFilterArgv(this.argv, false)
    this.argv = prepared.argv
    const {args, argv, flags} = await this.parse(Branch)
    const positional = argv as string[]
    const filter = refFilterFrom(flags, positional, prepared.sort)
    // As in Git, a filter means listing, and listing does not mix with another mode.
    const list = flags.list || filtersRefs(filter)
    const modes = [list, flags['show-current'], flags['set-upstream-to'] !== undefined, flags['unset-upstream'], flags.delete || flags['force-delete'], flags.move || flags['force-move']].filter(Boolean).length
    if (modes > 1) throw new BlError('INVALID_ARGUMENT', 'these options cannot be combined', {hint: 'List (-l, --contains, --merged, ...), create, delete (-d), rename (-m), set or unset the upstream, or --show-current: one at a time.'})
    if (!list && positional.length > 2) throw new BlError('INVALID_ARGUMENT', `unexpected argument ${positional[2]}`, {hint: 'To list branches matching patterns, use `bl branch --list <pattern>...`.'})
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
    if (args.name !== undefined && !list) {
      const res = createRef(repo, 'branch', args.name, args.start ?? 'HEAD', flags.force)
      if (!this.isQuiet(flags)) this.out(`Created branch ${res.name} at ${res.commit.slice(0, 12)}`)
      return res
    }
    const branches = listBranches(repo, {remotes: flags.remotes, all: flags.all, ...filter})
    // -v shows the upstream and how far the branch is from it, as Git's -vv.
    const track = (u: NonNullable<(typeof branches)[number]['upstream']>): string => {
      const parts = u.gone ? ['gone'] : [u.ahead ? `ahead ${u.ahead}` : '', u.behind ? `behind ${u.behind}` : ''].filter(Boolean)
      return `[${u.ref}${parts.length ? `: ${parts.join(', ')}` : ''}] `
    }
    for (const b of branches) this.out(`${b.current ? '*' : ' '} ${b.remote && flags.all ? 'remotes/' : ''}${b.name}${flags.verbose ? ` ${b.commit.slice(0, 12)} ${b.upstream ? track(b.upstream) : ''}${b.subject}` : ''}`)
    return branches
  }
}

function required(name: string | undefined): string {
  if (!name) throw new BlError('INVALID_ARGUMENT', 'branch name required', {hint: 'Usage: bl branch -d <name> | bl branch -m [<old>] <new>'})
  return name
}
