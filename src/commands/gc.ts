import {Flags} from '@oclif/core'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {gc, type GcResult} from '../core/ops/maintenance.js'

export default class Gc extends BlCommand {
  static override summary = 'Drop objects and chunks no ref, reflog entry or index entry can reach.'
  static override examples = ['<%= config.bin %> gc', '<%= config.bin %> gc --dry-run --json']
  static override flags = {
    'dry-run': Flags.boolean({char: 'n', description: 'Count what would be dropped.'}),
  }

  async run(): Promise<GcResult> {
    const {flags} = await this.parse(Gc)
    const res = gc(this.repo(), {dryRun: flags['dry-run']})
    if (!this.isQuiet(flags))
      this.out(`${flags['dry-run'] ? 'would remove' : 'removed'} ${res.objectsRemoved} objects and ${res.chunksRemoved} chunks (${formatBytes(res.bytesFreed)}); store ${formatBytes(res.sizeBefore)} -> ${formatBytes(res.sizeAfter)}`)
    return res
  }
}
