import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {transferProgress} from '../cli/transfer-progress.js'
import {fetch, type FetchResult} from '../core/ops/sync.js'

export default class Fetch extends BlCommand {
  static override summary = 'Download commits and data from a remote into remote-tracking branches.'
  static override description = 'Remote branches land in refs/remotes/<remote>/<branch> (e.g. origin/main); new tags are created. Every object is verified against its id before it is stored.'
  static override examples = ['<%= config.bin %> fetch', '<%= config.bin %> fetch upstream']
  static override args = {remote: Args.string({description: 'Remote name (default: the upstream of the current branch, else origin).'})}
  static override flags = {prune: Flags.boolean({description: 'Drop remote-tracking branches whose remote branch is gone (default on).', allowNo: true, default: true})}

  async run(): Promise<FetchResult> {
    const {args, flags} = await this.parse(Fetch)
    const quiet = this.isQuiet(flags)
    const res = await this.withProgress('fetch', (p) => fetch(this.repo(), {remote: args.remote, prune: flags.prune, progress: transferProgress(p), onWarning: (m) => p.log(`warning: ${m}`)}))
    if (!quiet) {
      if (res.objects) this.out(`Received ${res.objects} objects (${formatBytes(res.bytes)})`)
      for (const u of res.updated) {
        const name = u.ref.replace(/^refs\/(remotes|tags)\//, '')
        if (u.new === null) this.out(` - [deleted] ${name}`)
        else if (u.old === null) this.out(` * [new] ${name}`)
        else if (u.forced) this.out(` + ${u.old.slice(0, 12)}...${u.new.slice(0, 12)} ${name} (forced update)`)
        else this.out(`   ${u.old.slice(0, 12)}..${u.new.slice(0, 12)} ${name}`)
      }
    }
    return res
  }
}
