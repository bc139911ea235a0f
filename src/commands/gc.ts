import {Flags} from '@oclif/core'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {evict, parseSize, type EvictResult} from '../core/ops/evict.js'
import {gc, type GcResult} from '../core/ops/maintenance.js'

export type GcCommandResult = GcResult & {evict?: EvictResult}

export default class Gc extends BlCommand {
  static override summary = 'Drop objects and chunks no ref, reflog entry or index entry can reach; with --evict, also content a remote holds.'
  static override description = 'With --evict, file contents that a remote has (checked against its index right now) are dropped locally, least recently used first, until the store fits --max-size. History stays local; evicted contents are fetched again when a command needs them.'
  static override examples = ['<%= config.bin %> gc', '<%= config.bin %> gc --dry-run --json', '<%= config.bin %> gc --evict', '<%= config.bin %> gc --evict --max-size 20G']
  static override flags = {
    'dry-run': Flags.boolean({char: 'n', description: 'Count what would be dropped.'}),
    evict: Flags.boolean({description: 'Also drop local content that is safely on a remote.'}),
    'max-size': Flags.string({description: 'With --evict: keep up to this much content locally (e.g. 500M, 20G), least recently used goes first.', dependsOn: ['evict']}),
    remote: Flags.string({description: 'With --evict: only trust this remote to hold the content.', dependsOn: ['evict']}),
  }

  async run(): Promise<GcCommandResult> {
    const {flags} = await this.parse(Gc)
    const maxSize = flags['max-size'] === undefined ? undefined : parseSize(flags['max-size'])
    const repo = this.repo()
    const res: GcCommandResult = gc(repo, {dryRun: flags['dry-run']})
    const quiet = this.isQuiet(flags)
    const verb = flags['dry-run'] ? 'would remove' : 'removed'
    if (!quiet) this.out(`${verb} ${res.objectsRemoved} objects and ${res.chunksRemoved} chunks (${formatBytes(res.bytesFreed)}); store ${formatBytes(res.sizeBefore)} -> ${formatBytes(res.sizeAfter)}`)
    if (flags.evict) {
      const ev = await evict(repo, {maxSize, remote: flags.remote, dryRun: flags['dry-run']})
      res.evict = ev
      if (!quiet) {
        this.out(`${flags['dry-run'] ? 'would evict' : 'evicted'} ${ev.evictedChunks} chunks (${formatBytes(ev.evictedBytes)}) held by ${ev.remotes.join(', ')}; ${formatBytes(ev.contentBytes)} of content kept locally; store ${formatBytes(ev.sizeBefore)} -> ${formatBytes(ev.sizeAfter)}`)
        if (ev.unpushedBytes > 0) this.out(`${formatBytes(ev.unpushedBytes)} of content is on no remote and stays; push to make it evictable`)
      }
    }
    return res
  }
}
