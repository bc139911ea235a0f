import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {changedLine, ownerKeyFlags} from '../../cli/policy-format.js'
import {passphrasePrompt} from '../../cli/prompt.js'
import {protectRemove} from '../../core/ops/protect.js'

export default class ProtectRemove extends BlCommand {
  static override summary = 'Remove the protection rule for a pattern (owners only).'
  static override examples = ['<%= config.bin %> protect remove \'release/*\'']
  static override args = {pattern: Args.string({description: 'The pattern, exactly as `bl protect list` shows it.', required: true})}
  static override flags = {...ownerKeyFlags}

  async run(): Promise<Awaited<ReturnType<typeof protectRemove>>> {
    const {args, flags} = await this.parse(ProtectRemove)
    const res = await protectRemove(this.repo(), args.pattern, {key: flags.key, prompt: passphrasePrompt()})
    if (!this.isQuiet(flags)) {
      this.out(`Removed the rule for ${res.removed.pattern}`)
      this.out(changedLine(res.policy))
    }
    return res
  }
}
