import os from 'node:os'
import {Args} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {BlError} from '../core/errors.js'
import {browseSource} from '../core/ops/browse.js'

export default class Browse extends BlCommand {
  static override summary = 'Browse refs, history, trees, previews and diffs in a full-screen terminal view.'
  static override description = 'Keys: arrows or hjkl move, Tab switches pane, Enter opens, d shows a commit\'s changes, / filters, ? lists every key, q quits. Needs a terminal; scripts use `bl log`, `bl ls-tree` and `bl show` (all with --json).'
  static override examples = ['<%= config.bin %> browse', '<%= config.bin %> browse v1.0', '<%= config.bin %> browse origin/main']
  static override args = {rev: Args.string({description: 'Revision to open at (default HEAD).'})}

  async run(): Promise<void> {
    const {args} = await this.parse(Browse)
    if (this.jsonEnabled()) throw notInteractive('bl browse is interactive and has no --json output')
    if (!process.stdin.isTTY || !process.stdout.isTTY) throw notInteractive('bl browse needs a terminal (stdin and stdout are not both a TTY)')
    if (process.env.TERM === 'dumb') throw notInteractive('bl browse cannot draw on TERM=dumb')
    // Resolving the revision first makes a bad one fail here, before the screen is taken.
    const source = browseSource(this.repo(), args.rev)
    const {renderBrowse} = await import('../ui/browse/render-browse.js')
    const {signal} = await renderBrowse(source, {label: args.rev ?? 'HEAD'})
    if (signal) this.exit(128 + (os.constants.signals[signal] ?? 15))
  }
}

function notInteractive(message: string): BlError {
  return new BlError('NOT_A_TERMINAL', message, {hint: 'For scripts use `bl log`, `bl ls-tree -r <rev>` or `bl show <rev>:<path>` (each has --json).'})
}
