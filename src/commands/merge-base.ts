import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {BlError} from '../core/errors.js'
import {forkPoint, isAncestor, mergeBase, type MergeBaseResult} from '../core/ops/merge-base.js'

export default class MergeBase extends BlCommand {
  static override summary = 'Find the best common ancestor of two commits.'
  static override description = `Prints the commit a three-way merge of <a> and <b> would use as its base; with --all, every best common ancestor (a criss-cross history has several), one per line. Exit 5 (NO_MERGE_BASE) when the histories share no commit.
--is-ancestor <a> <b> prints nothing and exits 0 when <a> is an ancestor of <b> (or the same commit), 1 otherwise; with --json it always exits 0 and reports {ancestor}.
--fork-point <ref> [<commit>] prints where <commit> (default HEAD) forked from <ref>, judged by every value <ref>'s reflog remembers (so commits a force-push removed upstream count as upstream's); exit 1 and no output when there is none ({forkPoint: null} with --json, exit 0). \`bl rebase\` and \`bl pull --rebase\` use it.`
  static override examples = [
    '<%= config.bin %> merge-base main feature',
    '<%= config.bin %> merge-base --all main feature',
    '<%= config.bin %> merge-base --is-ancestor v1 main && echo "main contains v1"',
    '<%= config.bin %> log --oneline $(<%= config.bin %> merge-base main feature)..feature',
    '<%= config.bin %> merge-base --fork-point origin/main',
  ]
  static override args = {
    a: Args.string({description: 'First commit.', required: true}),
    b: Args.string({description: 'Second commit (with --fork-point: the commit, default HEAD).'}),
  }

  static override flags = {
    all: Flags.boolean({description: 'Print every best common ancestor, not just one.', exclusive: ['is-ancestor', 'fork-point']}),
    'is-ancestor': Flags.boolean({description: 'Exit 0 if <a> is an ancestor of <b>, else 1.', exclusive: ['all', 'fork-point']}),
    'fork-point': Flags.boolean({description: 'Where <b> (default HEAD) forked from the ref <a>, by its reflog.', exclusive: ['all', 'is-ancestor']}),
  }

  async run(): Promise<MergeBaseResult | {ancestor: boolean} | {forkPoint: string | null; ref: string}> {
    const {args, flags} = await this.parse(MergeBase)
    const repo = this.repo()
    if (flags['fork-point']) {
      const res = forkPoint(repo, {ref: args.a, commit: args.b})
      if (res.forkPoint) this.out(res.forkPoint)
      else if (!this.jsonEnabled()) process.exitCode = 1
      return res
    }
    if (args.b === undefined) throw new BlError('INVALID_ARGUMENT', 'missing the second commit', {hint: 'Usage: bl merge-base <a> <b> (or --fork-point <ref> [<commit>]).'})
    if (flags['is-ancestor']) {
      const res = isAncestor(repo, {ancestor: args.a, descendant: args.b})
      // Git's contract: a silent exit status. Under --json the answer is in the result instead.
      if (!res.ancestor && !this.jsonEnabled()) process.exitCode = 1
      return res
    }
    const res = mergeBase(repo, {a: args.a, b: args.b, all: flags.all})
    for (const id of res.bases) this.out(id)
    return res
  }
}
