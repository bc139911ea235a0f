import {Flags} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {remoteList, type RemoteView} from '../../core/ops/remote.js'

export default class RemoteList extends BlCommand {
  static override summary = 'List remotes (same as `bl remote list`).'
  static override examples = ['<%= config.bin %> remote', '<%= config.bin %> remote -v']
  static override flags = {verbose: Flags.boolean({char: 'v', description: 'Show URLs and settings.'})}

  async run(): Promise<RemoteView[]> {
    const {flags} = await this.parse(RemoteList)
    const list = remoteList(this.repo())
    for (const r of list) this.out(flags.verbose ? describe(r) : r.name)
    return list
  }
}

export function describe(r: RemoteView): string {
  const extra = [r.endpoint && `endpoint ${r.endpoint}`, r.region && `region ${r.region}`, r.profile && `profile ${r.profile}`, r.pathStyle && 'path-style'].filter(Boolean)
  const cond = r.conditionalWrites === false ? '  [unprotected: ignores conditional writes]' : ''
  return `${r.name}\t${r.url}${extra.length ? ` (${extra.join(', ')})` : ''}${cond}`
}
