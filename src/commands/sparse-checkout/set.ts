import {BlCommand} from '../../cli/base-command.js'
import {transferProgress} from '../../cli/transfer-progress.js'
import {sparseSet, type SparseChange} from '../../core/ops/sparse-checkout.js'
import {sparseChangeLine} from '../../cli/sparse-report.js'

export default class SparseCheckoutSet extends BlCommand {
  static override summary = 'Check out only these paths: files entering the set are written, files leaving it removed (they stay tracked).'
  static override description = `Paths are directories, files or globs (Git's wildcards), relative to the current directory. In a lazy clone the files entering the set are fetched first. A file leaving the set with local changes refuses the whole command (exit 5), nothing changed. \`.\` brings everything back (as \`disable\`).
Files outside the set are not deleted from history: commits keep them, \`bl status\` does not list them, and \`bl gc --evict\` can then free their content from the local store.`
  static override examples = ['<%= config.bin %> sparse-checkout set images/2024 labels', "<%= config.bin %> sparse-checkout set 'shards/*-000[0-3].parquet'"]
  static override strict = false

  async run(): Promise<SparseChange> {
    const {argv} = await this.parse(SparseCheckoutSet)
    const res = await this.withProgress('sparse-checkout', (p) => sparseSet(this.repo(), argv as string[], transferProgress(p, 'fetching')))
    this.out(sparseChangeLine(res))
    return res
  }
}
