import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {BlError} from '../core/errors.js'
import {fsck, type FsckResult} from '../core/ops/maintenance.js'
import {fsckRemote, parsePercent, repairRemote, type RemoteFsckResult, type RemoteRepairResult} from '../core/ops/remote-maintenance.js'
import {transferProgress} from '../cli/transfer-progress.js'

export default class Fsck extends BlCommand {
  static override summary = 'Verify the repository: every object and chunk hash, reachability, SQLite integrity; with --remote, a remote.'
  static override description =
    'With --remote, checks the remote instead: every pack index decodes and names an existing pack of the stated size, and every ref\'s whole history is present (fetched and verified) with every chunk in some pack. --read-data[=N%] also downloads all (or a random N% of) the packs and re-hashes every object in them. --repair then uploads again, from this repository, everything the remote\'s refs need that is in no healthy pack, and deletes the damaged packs; it moves no ref.'
  static override examples = ['<%= config.bin %> fsck', '<%= config.bin %> fsck --json', '<%= config.bin %> fsck --remote', '<%= config.bin %> fsck --remote origin --read-data', '<%= config.bin %> fsck --remote --read-data=10%', '<%= config.bin %> fsck --remote origin --repair --read-data']
  static override args = {remote: Args.string({description: 'With --remote: the remote to check (default: the upstream of the current branch, else origin).'})}
  static override flags = {
    remote: Flags.boolean({description: 'Check a remote instead of the local store.'}),
    'read-data': Flags.string({description: 'With --remote: also download and re-hash the packs (all of them, or =N% chosen at random).', dependsOn: ['remote']}),
    repair: Flags.boolean({description: 'With --remote: upload again what the remote lost (from this repository) and delete its damaged packs.', dependsOn: ['remote']}),
  }

  async run(): Promise<FsckResult | RemoteFsckResult> {
    // `--read-data` alone means all of it (restic's spelling); oclif string flags need a value.
    this.argv = this.argv.map((a) => (a === '--read-data' ? '--read-data=100%' : a))
    const {args, flags} = await this.parse(Fsck)
    if (args.remote && !flags.remote) throw new BlError('INVALID_ARGUMENT', `unexpected argument ${args.remote}`, {hint: 'To check a remote: `bl fsck --remote <name>`.'})
    if (flags.remote && flags.repair) return this.repairRemote(args.remote, flags['read-data'])
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
        hint: `Run \`bl fsck --remote ${res.remote} --repair\` in a repository that has the data (add --read-data to find damaged bytes too).`,
        data: this.jsonEnabled() ? {...res} : {},
      })
    if (!quiet) {
      const data = res.packsRead ? `; read ${res.packsRead} packs (${formatBytes(res.bytesRead)}), every object re-hashed` : ''
      this.out(`ok: ${res.remote}: ${res.indexes} pack indexes, ${res.refs} refs, ${res.reachableCommits} reachable commits${data}${res.unindexedPacks ? `; ${res.unindexedPacks} unindexed packs (interrupted uploads; gc --remote removes them)` : ''}`)
    }
    return res
  }

  private async repairRemote(remote: string | undefined, readData: string | undefined): Promise<RemoteRepairResult> {
    const percent = readData === undefined ? 0 : parsePercent(readData)
    const res = await this.withProgress('repair', (p) => repairRemote(this.repo(), {remote, readDataPercent: percent, progress: transferProgress(p)}))
    const {repair} = res
    if (!this.jsonEnabled()) {
      for (const p of res.problems) process.stderr.write(`${p.kind}: ${p.message}\n`)
      for (const u of repair.unrecoverable.slice(0, 20)) process.stderr.write(`unrecoverable: ${u.kind} ${u.id}\n`)
      for (const p of res.remaining) process.stderr.write(`still: ${p.kind}: ${p.message}\n`)
    }
    if (repair.objects) this.out(`Uploaded ${repair.objects} objects again in ${repair.packs} pack${repair.packs === 1 ? '' : 's'} (${formatBytes(repair.bytes)})`)
    if (repair.removedPacks.length) this.out(`Deleted ${repair.removedPacks.length} damaged pack${repair.removedPacks.length === 1 ? '' : 's'}`)
    if (!res.ok) {
      const what = repair.unrecoverable.length ? `${repair.unrecoverable.length} object(s) it needs are not in this repository either` : `${res.remaining.length} problem(s) remain`
      throw new BlError('CORRUPT_REMOTE', `fsck --remote --repair could not repair ${res.remote}: ${what}`, {
        // Bytes that fail their hash name their pack only when the packs are read.
        hint: `Run the repair again in a clone that has the data (the one that pushed it)${res.remaining.some((p) => p.kind === 'data' && !p.pack) && !res.readDataPercent ? ', with --read-data' : ''}, or restore the remote from a backup.`,
        data: this.jsonEnabled() ? {...res} : {},
      })
    }
    this.out(res.problems.length ? `ok: ${res.remote} repaired (${res.problems.length} problem(s) found, none left)` : `ok: ${res.remote}: nothing to repair`)
    return res
  }
}
