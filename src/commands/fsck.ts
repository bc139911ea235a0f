import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {BlError} from '../core/errors.js'
import {fsck, type FsckResult} from '../core/ops/maintenance.js'
import {fsckRemote, parsePercent, type RemoteFsckResult} from '../core/ops/remote-maintenance.js'

export default class Fsck extends BlCommand {
  static override summary = 'Verify the repository: every object and chunk hash, reachability, SQLite integrity; with --remote, a remote.'
  static override description =
    'With --remote, checks the remote instead: every pack index decodes and names an existing pack of the stated size, and every ref\'s whole history is present (fetched and verified) with every chunk in some pack. --read-data[=N%] also downloads all (or a random N% of) the packs and re-hashes every object in them.'
  static override examples = ['<%= config.bin %> fsck', '<%= config.bin %> fsck --json', '<%= config.bin %> fsck --remote', '<%= config.bin %> fsck --remote origin --read-data', '<%= config.bin %> fsck --remote --read-data=10%']
  static override args = {remote: Args.string({description: 'With --remote: the remote to check (default: the upstream of the current branch, else origin).'})}
  static override flags = {
    remote: Flags.boolean({description: 'Check a remote instead of the local store.'}),
    'read-data': Flags.string({description: 'With --remote: also download and re-hash the packs (all of them, or =N% chosen at random).', dependsOn: ['remote']}),
  }

  async run(): Promise<FsckResult | RemoteFsckResult> {
    // `--read-data` alone means all of it (restic's spelling); oclif string flags need a value.
    this.argv = this.argv.map((a) => (a === '--read-data' ? '--read-data=100%' : a))
    const {args, flags} = await this.parse(Fsck)
    if (args.remote && !flags.remote) throw new BlError('INVALID_ARGUMENT', `unexpected argument ${args.remote}`, {hint: 'To check a remote: `bl fsck --remote <name>`.'})
    if (flags.remote) return this.checkRemote(args.remote, flags['read-data'], this.isQuiet(flags))
    const res = fsck(this.repo())
    if (!this.jsonEnabled()) for (const p of res.problems) process.stderr.write(`${p.kind}: ${p.message}\n`)
    if (!res.ok) {
      if (this.jsonEnabled()) throw new BlError('CORRUPT_OBJECT', `fsck found ${res.problems.length} problem(s)`, {hint: 'Restore the damaged objects from a remote or backup.', data: {...res}})
      throw new BlError('CORRUPT_OBJECT', `fsck found ${res.problems.length} problem(s)`, {hint: 'Restore the damaged objects from a remote or backup.'})
    }
    if (!this.isQuiet(flags)) this.out(`ok: ${res.objects} objects, ${res.chunks} chunks, ${res.reachableCommits} reachable commits${res.promised ? `; ${res.promised} chunks kept on a remote` : ""}`)
    return res
  }

  private async checkRemote(remote: string | undefined, readData: string | undefined, quiet: boolean): Promise<RemoteFsckResult> {
    const res = await fsckRemote(this.repo(), {remote, readDataPercent: readData === undefined ? 0 : parsePercent(readData)})
    if (!this.jsonEnabled()) for (const p of res.problems) process.stderr.write(`${p.kind}: ${p.message}\n`)
    if (!res.ok)
      throw new BlError('CORRUPT_REMOTE', `fsck --remote found ${res.problems.length} problem(s) on ${res.remote}`, {
        hint: 'bl push does not re-send what the remote lists as present: restore the remote from a backup, or publish a clone that has the data to a new location (`bl remote set-url <name> <new-url>`, then `bl push`).',
        data: this.jsonEnabled() ? {...res} : {},
      })
    if (!quiet) {
      const data = res.packsRead ? `; read ${res.packsRead} packs (${formatBytes(res.bytesRead)}), every object re-hashed` : ''
      this.out(`ok: ${res.remote}: ${res.indexes} pack indexes, ${res.refs} refs, ${res.reachableCommits} reachable commits${data}${res.unindexedPacks ? `; ${res.unindexedPacks} unindexed packs (interrupted uploads; gc --remote removes them)` : ''}`)
    }
    return res
  }
}
