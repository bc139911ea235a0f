import {Args, Flags} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {changedLine, ownerKeyFlags, ruleLine} from '../../cli/policy-format.js'
import {passphrasePrompt} from '../../cli/prompt.js'
import {protectSet, type ProtectSetResult} from '../../core/ops/protect.js'

export default class ProtectSet extends BlCommand {
  static override summary = 'Protect the branches matching a pattern (defines the whole rule for that pattern).'
  static override description = `The rule replaces any rule for the same pattern. It becomes part of the signed protection policy: with no policy yet, your key becomes its first owner; after that only an owner can change it. \`bl push\` publishes it, and every bl that fetches enforces it.
Patterns: a branch name or glob (\`*\` and \`?\` stay within one path component, \`**\` does not). Sizes in bytes or with K/M/G/T (powers of 1024).`
  static override examples = ['<%= config.bin %> protect set main --require-signed --no-force-push --no-delete', '<%= config.bin %> protect set \'release/*\' --linear --max-file-size 2G', '<%= config.bin %> protect set main --message-pattern \'^(data|fix): \'']
  static override args = {pattern: Args.string({description: 'Branch name or glob.', required: true})}
  static override flags = {
    ...ownerKeyFlags,
    'require-signed': Flags.boolean({description: 'Every commit must carry a good signature by a trusted signer for the branch (`bl signers`).'}),
    'no-force-push': Flags.boolean({description: 'Refuse pushes that drop commits from the branch.'}),
    'no-delete': Flags.boolean({description: 'Refuse deleting the branch.'}),
    linear: Flags.boolean({description: 'No merge commits.', exclusive: ['merge-only']}),
    'merge-only': Flags.boolean({description: 'Only merge commits on the branch\'s first-parent line.', exclusive: ['linear']}),
    'max-file-size': Flags.string({description: 'Largest file a commit may add or change (e.g. 500M).'}),
    'max-commit-size': Flags.string({description: 'Most bytes of files a commit may add or change (e.g. 10G).'}),
    'message-pattern': Flags.string({description: 'Regular expression (JavaScript) every commit message must match.'}),
  }

  async run(): Promise<ProtectSetResult> {
    const {args, flags} = await this.parse(ProtectSet)
    const res = await protectSet(
      this.repo(),
      args.pattern,
      {requireSigned: flags['require-signed'], noForcePush: flags['no-force-push'], noDelete: flags['no-delete'], linear: flags.linear, mergeOnly: flags['merge-only'], maxFileSize: flags['max-file-size'], maxCommitSize: flags['max-commit-size'], messagePattern: flags['message-pattern']},
      {key: flags.key, prompt: passphrasePrompt()},
    )
    if (!this.isQuiet(flags)) {
      this.out(`${res.created ? 'Protected' : 'Updated rule'} ${ruleLine(res.rule)}`)
      this.out(changedLine(res.policy))
    }
    return res
  }
}
