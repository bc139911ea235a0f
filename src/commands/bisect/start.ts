import {Args, Flags} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {bisectStatusLines} from '../../cli/bisect-command.js'
import {bisectStart, type BisectStatus} from '../../core/ops/bisect.js'

export default class BisectStart extends BlCommand {
  static override summary = 'Start a binary search for the commit that introduced a change.'
  static override description = `Optionally with the first marks: a bad (new) commit, then good (old) ones. Once both are known, bl checks out (detached) the commit that best halves the commits left; mark it with \`bl bisect good\` or \`bl bisect bad\` (or let \`bl bisect run <script>\` do it) until one is left: the first bad commit. \`bl bisect reset\` goes back to where you started.`
  static override examples = [
    '<%= config.bin %> bisect start',
    '<%= config.bin %> bisect start HEAD v1.0',
    '<%= config.bin %> bisect start --first-parent main v1.0',
    '<%= config.bin %> bisect start main v1.0 && <%= config.bin %> bisect run ./check-labels.sh',
  ]
  static override strict = false
  static override flags = {'first-parent': Flags.boolean({description: 'Follow only the first parent of merges: the answer is a commit of the main line (a merge, for a change made on a side branch), as git bisect --first-parent.'})}
  static override args = {bad: Args.string({description: 'A bad (new) commit.'}), good: Args.string({description: 'Good (old) commits.'})}

  async run(): Promise<BisectStatus> {
    const {argv, flags} = await this.parse(BisectStart)
    const [bad, ...good] = argv as string[]
    const status = await bisectStart(this.repo(), {bad, good, firstParent: flags['first-parent']})
    if (!this.isQuiet(flags)) for (const l of bisectStatusLines(status)) this.out(l)
    return status
  }
}
