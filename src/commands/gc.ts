import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {BlError} from '../core/errors.js'
import {evict, parseSize, type EvictResult} from '../core/ops/evict.js'
import {gc, type GcResult} from '../core/ops/maintenance.js'
import {gcRemote, remoteGrace, type RemoteGcResult} from '../core/ops/remote-maintenance.js'

export type GcCommandResult = GcResult & {evict?: EvictResult}

export default class Gc extends BlCommand {
  static override summary = 'Drop objects and chunks no ref, reflog entry or index entry can reach; with --evict, also content a remote holds; with --remote, collect on a remote.'
  static override description =
    'With --evict, file contents that a remote has (checked against its index right now) are dropped locally, least recently used first, until the store fits --max-size. History stays local; evicted contents are fetched again when a command needs them.\n\nWith --remote, packs on the remote that no remote ref reaches are deleted once they are older than the grace period (--grace, config gc.remoteGrace, default 24h): a push in flight uploads its packs before it moves its ref, so young unreferenced packs are kept.'
  static override examples = [
    '<%= config.bin %> gc',
    '<%= config.bin %> gc --dry-run --json',
    '<%= config.bin %> gc --evict',
    '<%= config.bin %> gc --evict --max-size 20G',
    '<%= config.bin %> gc --evict origin',
    '<%= config.bin %> gc --remote',
    '<%= config.bin %> gc --remote origin --grace 7d --dry-run',
  ]
  static override args = {remote: Args.string({description: 'The remote: with --evict, the only one trusted to hold the content; with --remote, the one to collect on (default: the upstream of the current branch, else origin).'})}
  static override flags = {
    'dry-run': Flags.boolean({char: 'n', description: 'Count what would be dropped.'}),
    evict: Flags.boolean({description: 'Also drop local content that is safely on a remote.', exclusive: ['remote']}),
    'max-size': Flags.string({description: 'With --evict: keep up to this much content locally (e.g. 500M, 20G), least recently used goes first.', dependsOn: ['evict']}),
    remote: Flags.boolean({description: 'Collect unreferenced packs on a remote instead of the local store.'}),
    grace: Flags.string({description: 'With --remote: keep unreferenced packs younger than this (e.g. 30m, 24h, 7d; default gc.remoteGrace or 24h).', dependsOn: ['remote']}),
  }

  async run(): Promise<GcCommandResult | RemoteGcResult> {
    const {args, flags} = await this.parse(Gc)
    const quiet = this.isQuiet(flags)
    const verb = flags['dry-run'] ? 'would remove' : 'removed'
    if (flags.remote) {
      const repo = this.repo()
      const res = await gcRemote(repo, {remote: args.remote, graceMs: remoteGrace(repo, flags.grace), dryRun: flags['dry-run']})
      if (!quiet) {
        this.out(`${res.remote}: ${verb} ${res.deleted.length} unreferenced packs (${formatBytes(res.bytesFreed)}); ${res.live} of ${res.packs} packs in use`)
        if (res.young.length) this.out(`kept ${res.young.length} unreferenced packs younger than the grace period (${res.graceSeconds} s): a push may be about to use them`)
      }
      return res
    }
    if (args.remote && !flags.evict) throw new BlError('INVALID_ARGUMENT', `unexpected argument ${args.remote}`, {hint: 'Name a remote with --evict or --remote: `bl gc --remote origin`.'})
    const maxSize = flags['max-size'] === undefined ? undefined : parseSize(flags['max-size'])
    const repo = this.repo()
    const res: GcCommandResult = gc(repo, {dryRun: flags['dry-run']})
    if (!quiet) this.out(`${verb} ${res.objectsRemoved} objects and ${res.chunksRemoved} chunks (${formatBytes(res.bytesFreed)}); store ${formatBytes(res.sizeBefore)} -> ${formatBytes(res.sizeAfter)}`)
    if (flags.evict) {
      const ev = await evict(repo, {maxSize, remote: args.remote, dryRun: flags['dry-run']})
      res.evict = ev
      if (!quiet) {
        this.out(`${flags['dry-run'] ? 'would evict' : 'evicted'} ${ev.evictedChunks} chunks (${formatBytes(ev.evictedBytes)}) held by ${ev.remotes.join(', ')}; ${formatBytes(ev.contentBytes)} of content kept locally; store ${formatBytes(ev.sizeBefore)} -> ${formatBytes(ev.sizeAfter)}`)
        if (ev.unpushedBytes > 0) this.out(`${formatBytes(ev.unpushedBytes)} of content is not reachable from ${ev.remotes.length === 1 ? `${ev.remotes[0]}'s` : 'these remotes\''} branches and tags, and stays; push it there to make it evictable`)
      }
    }
    return res
  }
}
