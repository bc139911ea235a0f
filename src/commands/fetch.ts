import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {transferProgress} from '../cli/transfer-progress.js'
import {BlError} from '../core/errors.js'
import {fetch, fetchAll, type FetchResult} from '../core/ops/sync.js'

export default class Fetch extends BlCommand {
  static override summary = 'Download commits and data from a remote into remote-tracking branches.'
  static override description = 'Remote branches land in refs/remotes/<remote>/<branch> (e.g. origin/main); new tags are created (every tag, as `git fetch --tags` does). Every object is verified against its id before it is stored.'
  static override examples = ['<%= config.bin %> fetch', '<%= config.bin %> fetch upstream', '<%= config.bin %> fetch --all']
  static override args = {remote: Args.string({description: 'Remote name (default: the upstream of the current branch, else origin).'})}
  static override flags = {
    prune: Flags.boolean({description: 'Drop remote-tracking branches whose remote branch is gone (default on).', allowNo: true, default: true}),
    all: Flags.boolean({description: 'Fetch every remote (in name order; one failing does not stop the others).'}),
    tags: Flags.boolean({description: 'Fetch every tag the remote has (what bl fetch always does; accepted for Git\'s sake).'}),
  }

  async run(): Promise<FetchResult | FetchResult[]> {
    const {args, flags} = await this.parse(Fetch)
    if (flags.all && args.remote) throw new BlError('INVALID_ARGUMENT', '--all does not take a remote', {hint: 'Run `bl fetch --all` for every remote, or `bl fetch <remote>` for one.'})
    const res = await this.withProgress<FetchResult | FetchResult[]>('fetch', (p) => {
      const opts = {prune: flags.prune, progress: transferProgress(p), onWarning: (m: string) => p.log(`warning: ${m}`)}
      return flags.all ? fetchAll(this.repo(), opts) : fetch(this.repo(), {...opts, remote: args.remote})
    })
    if (!this.isQuiet(flags)) for (const r of Array.isArray(res) ? res : [res]) this.report(r, Array.isArray(res))
    return res
  }

  private report(res: FetchResult, named: boolean): void {
    // With --all each remote's lines follow its name, as Git's "Fetching <remote>".
    if (named) this.out(`Fetching ${res.remote}`)
    if (res.objects) this.out(`Received ${res.objects} objects (${formatBytes(res.bytes)})`)
    for (const u of res.updated) {
      const name = u.ref.replace(/^refs\/(remotes|tags)\//, '')
      if (u.new === null) this.out(` - [deleted] ${name}`)
      else if (u.old === null) this.out(` * [new] ${name}`)
      else if (u.forced) this.out(` + ${u.old.slice(0, 12)}...${u.new.slice(0, 12)} ${name} (forced update)`)
      else this.out(`   ${u.old.slice(0, 12)}..${u.new.slice(0, 12)} ${name}`)
    }
  }
}
