import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {bisectReset} from '../../core/ops/bisect.js'

export default class BisectReset extends BlCommand {
  static override summary = 'End the bisection and go back to where it started (or to <commit>).'
  static override examples = ['<%= config.bin %> bisect reset', '<%= config.bin %> bisect reset HEAD']
  static override args = {commit: Args.string({description: 'Check out this commit instead (detached).'})}

  async run(): Promise<{returnedTo: string | null}> {
    const {args, flags} = await this.parse(BisectReset)
    const res = await bisectReset(this.repo(), args.commit)
    if (!this.isQuiet(flags)) this.out(res.returnedTo === null ? 'We are not bisecting.' : `Back at ${res.returnedTo}`)
    return res
  }
}
