import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {BlError} from '../core/errors.js'
import type {ReflogRow} from '../core/ops/reflog.js'
import {reflogWithRemotes} from '../core/ops/sync.js'

export default class Reflog extends BlCommand {
  static override summary = 'Show where HEAD or a branch has been, newest first.'
  static override description = `Each line is one move of the ref: the commit it moved to, its <ref>@{N} name and what moved it. Use the name or the id to get back a commit after \`bl reset --hard\`, a rebase or a deleted branch (until \`bl gc\` drops it): e.g. \`bl reset --hard HEAD@{1}\`.
\`bl reflog show <ref>\` is the same as \`bl reflog <ref>\`. \`bl reflog origin/main\` shows the remote's own history of that branch (every push, force-pushes included, by whom), read from its audit log (a tag's: \`bl reflog origin/tags/v1\`); its entries are numbered \`origin/main #N\` (use their ids: \`origin/main@{N}\` names the local reflog of the remote-tracking branch).`
  static override examples = ['<%= config.bin %> reflog', '<%= config.bin %> reflog main -n 5', '<%= config.bin %> reflog show HEAD', '<%= config.bin %> reset --hard HEAD@{1}', '<%= config.bin %> reflog --json', '<%= config.bin %> reflog origin/main']
  static override strict = false
  static override args = {ref: Args.string({description: 'HEAD (default), a branch or a tag; may follow `show`.'})}
  static override flags = {
    'max-count': Flags.integer({char: 'n', description: 'Show at most N entries.', min: 0}),
  }

  async run(): Promise<ReflogRow[]> {
    const {argv, flags} = await this.parse(Reflog)
    const args = (argv as string[])[0] === 'show' ? (argv as string[]).slice(1) : (argv as string[])
    if (args.length > 1) throw new BlError('INVALID_ARGUMENT', `too many arguments: ${args.join(' ')}`, {hint: 'Usage: bl reflog [show] [<ref>]'})
    const name = args[0] ?? 'HEAD'
    const rows = await reflogWithRemotes(this.repo(), {ref: name, maxCount: flags['max-count']})
    // A remote's audit entries are numbered without the @{N} syntax, which names local reflog entries.
    for (const r of rows) this.out(`${(r.new ?? '0'.repeat(64)).slice(0, 12)} ${r.remote ? `${name} #${r.index}` : `${name}@{${r.index}}`}: ${r.message}`)
    return rows
  }
}
