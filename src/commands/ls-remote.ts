import {Args} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {remoteFlags, remoteOptionsFrom} from '../cli/remote-flags.js'
import {BlError} from '../core/errors.js'
import {lsRemote} from '../core/ops/sync.js'
import type {Repo} from '../core/repo.js'

export default class LsRemote extends BlCommand {
  static override summary = 'List the branches and tags of a remote.'
  static override examples = ['<%= config.bin %> ls-remote', '<%= config.bin %> ls-remote s3://my-bucket/repo --json', '<%= config.bin %> ls-remote s3://lake/repo --endpoint http://minio:9000 --path-style']
  static override args = {remote: Args.string({description: 'Remote name or URL (default: origin).'})}
  /** For a URL: how to reach it (a configured remote has its own settings). */
  static override flags = {...remoteFlags}

  async run(): Promise<Array<{ref: string; commit: string}>> {
    const {args, flags} = await this.parse(LsRemote)
    let repo: Repo | undefined
    try {
      repo = this.repo()
    } catch (err) {
      // Outside a repository a URL is needed: there is no `origin` to default to.
      if (!(err instanceof BlError && err.code === 'NOT_A_REPOSITORY') || args.remote === undefined) throw err
    }
    const refs = await lsRemote(repo, this.context(), args.remote ?? 'origin', remoteOptionsFrom(flags))
    for (const r of refs) this.out(`${r.commit}\t${r.ref}`)
    return refs
  }
}
