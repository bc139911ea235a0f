import {Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {policyLine} from '../cli/policy-format.js'
import {verifyBranches, type VerifyBranchesResult} from '../core/ops/protect.js'

export default class Verify extends BlCommand {
  static override summary = 'Audit branch histories against the protection rules and schema pins (a CI gate).'
  static override description = `Checks every commit a protected branch gained since its rule was defined (those not reachable from the branch tips recorded with the rule), or with --all every commit reachable from it: signatures by trusted signers, linear/merge-only, sizes, message pattern.
Every commit reachable from the audited branches (default: every local branch) that holds a .blschema is also checked against its own schema pins, as \`bl commit\` checks them: the tables it adds or changes (violations with check "schema").
Exit 0 when clean; 11 (POLICY_VIOLATION) with every offending commit and rule (in error.data.violations under --json).`
  static override examples = ['<%= config.bin %> verify', '<%= config.bin %> verify --branch main --json', '<%= config.bin %> verify --branch origin/main --all']
  static override flags = {
    branch: Flags.string({char: 'b', description: 'Branch to audit: local (main) or remote-tracking (origin/main); repeatable. Default: every local branch a rule protects (for schema pins: every local branch).', multiple: true, multipleNonGreedy: true}),
    all: Flags.boolean({description: 'Audit every reachable commit, also those from before the rule.'}),
  }

  async run(): Promise<VerifyBranchesResult> {
    const {flags} = await this.parse(Verify)
    const res = await verifyBranches(this.repo(), {names: flags.branch, all: flags.all})
    if (!this.isQuiet(flags)) {
      this.out(policyLine(res.policy))
      for (const b of res.branches) this.out(`${b.branch}: ${b.checked} commit${b.checked === 1 ? '' : 's'} checked against ${b.rules.map((r) => `"${r}"`).join(', ') || 'no rule'}: ok`)
      for (const b of res.schema) if (b.checked) this.out(`${b.branch}: ${b.checked} commit${b.checked === 1 ? '' : 's'} checked against their schema pins: ok`)
    }
    return res
  }
}
