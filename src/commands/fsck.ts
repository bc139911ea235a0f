import {BlCommand} from '../cli/base-command.js'
import {BlError} from '../core/errors.js'
import {fsck, type FsckResult} from '../core/ops/maintenance.js'

export default class Fsck extends BlCommand {
  static override summary = 'Verify the repository: every object and chunk hash, reachability, SQLite integrity.'
  static override examples = ['<%= config.bin %> fsck', '<%= config.bin %> fsck --json']

  async run(): Promise<FsckResult> {
    const {flags} = await this.parse(Fsck)
    const res = fsck(this.repo())
    if (!this.jsonEnabled()) for (const p of res.problems) process.stderr.write(`${p.kind}: ${p.message}\n`)
    if (!res.ok) {
      if (this.jsonEnabled()) throw new BlError('CORRUPT_OBJECT', `fsck found ${res.problems.length} problem(s)`, {hint: 'Restore the damaged objects from a remote or backup.', data: {...res}})
      throw new BlError('CORRUPT_OBJECT', `fsck found ${res.problems.length} problem(s)`, {hint: 'Restore the damaged objects from a remote or backup.'})
    }
    if (!this.isQuiet(flags)) this.out(`ok: ${res.objects} objects, ${res.chunks} chunks, ${res.reachableCommits} reachable commits${res.promised ? `; ${res.promised} chunks kept on a remote` : ""}`)
    return res
  }
}
