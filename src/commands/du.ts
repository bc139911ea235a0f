import {Args, Flags} from '#oclif'
import {splitDashDash} from '../cli/args.js'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {count, grid} from '../cli/table-format.js'
import {BlError} from '../core/errors.js'
import {du, type DuResult} from '../core/ops/du.js'
import {quotePath} from '../core/worktree/paths.js'

export default class Du extends BlCommand {
  static override summary = 'Sizes of a version per directory: as files, and as stored chunks (for a..b: what b stores on top of a).'
  static override description = `Like du for a commit: each directory (down to --max-depth below each path, default 1) with its files, their total size (what a checkout writes) and the bytes of its distinct chunks (what the store and a remote hold for it; duplicated files and unchanged chunks count once).
A range a..b shows b's sizes, but "stored" counts only chunks a does not have: what b costs on top of a (e.g. before pushing a new version). The total row counts every file and chunk once. Only blob records are read, never file contents; in a lazy clone, a directory whose records are not here shows "?" (null in --json).`
  static override examples = [
    '<%= config.bin %> du',
    '<%= config.bin %> du v1 -d 2 -- images/',
    '<%= config.bin %> du v1..v2',
    '<%= config.bin %> du main --json',
  ]
  static override strict = false
  static override args = {rev: Args.string({description: 'A revision (default HEAD) or a range a..b; then -- and paths.'})}
  static override flags = {
    'max-depth': Flags.integer({char: 'd', description: 'Path components below each path that a row keeps (default 1; 0: one row per path).', min: 0}),
  }

  async run(): Promise<DuResult> {
    const {flags} = await this.parse(Du)
    const {before, after} = splitDashDash(this.argv, ['-d', '--max-depth'])
    if (before.length > 1) throw new BlError('INVALID_ARGUMENT', `du takes one revision or range, got ${before.length}`, {hint: 'Put paths after --: bl du v2 -- images/'})
    const res = du(this.repo(), {rev: before[0], paths: after, depth: flags['max-depth']})
    if (this.jsonEnabled()) return res
    const stored = (n: number | null): string => (n === null ? '?' : formatBytes(n))
    const rows = [...res.rows, {...res.total, path: res.since ? `total (stored: new since ${res.since.slice(0, 12)})` : 'total'}]
    for (const line of grid(['files', 'size', 'stored', 'path'], rows.map((r) => [count(r.files), formatBytes(r.bytes), stored(r.stored), r === rows.at(-1) ? r.path : quotePath(r.path)]), [true, true, true, false])) this.out(line)
    return res
  }
}
