import {Args, Flags} from '#oclif'
import {once} from 'node:events'
import {normalizeRenameArgs, renameFlags, renamesFrom} from '../cli/rename-flags.js'
import {BlCommand} from '../cli/base-command.js'
import {changeLines} from '../cli/change-format.js'
import {formatBytes, formatDate, indent} from '../cli/format.js'
import {BlError} from '../core/errors.js'
import {commitRaw, commitSignature, show, type ShowResult} from '../core/ops/inspect.js'
import {quotePath} from '../core/worktree/paths.js'

export default class Show extends BlCommand {
  static override summary = 'Show a commit, or stream a file with <rev>:<path>.'
  static override description = '--raw prints exactly the bytes a commit signature covers and --signature the armored signature, so `gpg --verify sig.asc payload.bin` can check a commit outside bl.'
  static override examples = [
    '<%= config.bin %> show',
    '<%= config.bin %> show HEAD~2',
    '<%= config.bin %> show --stat v1',
    '<%= config.bin %> show main:data/train.csv > train.csv',
    '<%= config.bin %> show v1:images/ --json',
    '<%= config.bin %> show --raw v1 > payload.bin && <%= config.bin %> show --signature v1 > sig.asc && gpg --verify sig.asc payload.bin',
  ]
  static override args = {object: Args.string({description: 'A revision, or <rev>:<path>.', default: 'HEAD'})}
  static override flags = {
    'name-only': Flags.boolean({description: 'List changed paths only.', exclusive: ['name-status', 'stat']}),
    'name-status': Flags.boolean({description: 'A status letter and path per change.', exclusive: ['name-only', 'stat']}),
    stat: Flags.boolean({description: 'Per-path size change and a summary line.', exclusive: ['name-only', 'name-status']}),
    raw: Flags.boolean({description: "Print the commit's signed payload (its encoding without the signature) as raw bytes.", exclusive: ['signature']}),
    signature: Flags.boolean({description: "Print the commit's OpenPGP signature, ASCII-armored.", exclusive: ['raw']}),
    ...renameFlags,
  }

  async run(): Promise<Omit<ShowResult, 'content'> | {id: string; payload: string} | {id: string; signature: string}> {
    this.argv = normalizeRenameArgs(this.argv)
    const {args, flags} = await this.parse(Show)
    if (flags.raw || flags.signature) {
      if (args.object.includes(':')) throw new BlError('INVALID_ARGUMENT', `--${flags.raw ? 'raw' : 'signature'} takes a commit, not ${args.object}`, {hint: 'Pass a revision such as HEAD or v1.'})
      if (flags.signature) {
        const res = await commitSignature(this.repo(), args.object)
        if (!this.jsonEnabled()) process.stdout.write(res.signature)
        return res
      }
      const res = commitRaw(this.repo(), args.object)
      if (!this.jsonEnabled()) {
        if (!process.stdout.write(res.payload)) await once(process.stdout, 'drain')
      }
      // JSON carries the bytes as base64.
      return {id: res.id, payload: res.payload.toString('base64')}
    }
    const res = show(this.repo(), args.object, renamesFrom(flags))
    if (res.kind === 'file' || res.kind === 'symlink') {
      const {content, ...meta} = res
      if (!this.jsonEnabled() && content) {
        for await (const chunk of content()) if (!process.stdout.write(chunk)) await once(process.stdout, 'drain')
      }
      return meta
    }
    if (this.jsonEnabled()) return res
    if (res.kind === 'dir') {
      this.out(`tree ${args.object}\n`)
      for (const e of res.entries) this.out(`${e.path.split('/').pop()}${e.kind === 'dir' ? '/' : ''}`)
      return res
    }
    if (res.kind !== 'commit') return res
    const c = res.commit
    this.out(`commit ${c.id}${c.refs.length ? ` (${c.refs.join(', ')})` : ''}`)
    if (c.parents.length > 1) this.out(`Merge: ${c.parents.map((p) => p.slice(0, 12)).join(' ')}`)
    this.out(`Author: ${c.author.name} <${c.author.email}>`)
    this.out(`Date:   ${formatDate(c.author)}`)
    for (const [k, v] of Object.entries(c.meta)) this.out(`${k}: ${v}`)
    this.out()
    this.out(indent(c.message))
    this.out()
    const style = flags['name-only'] ? 'name-only' : flags['name-status'] ? 'name-status' : flags.stat ? 'stat' : undefined
    if (style) for (const line of changeLines(res.changes, style)) this.out(line)
    else {
      for (const ch of res.changes) {
        const size = ch.new ? formatBytes(ch.new.size) : formatBytes(ch.old!.size)
        this.out(`${ch.status}\t${ch.oldPath ? `${quotePath(ch.oldPath)} -> ` : ''}${quotePath(ch.path)}\t(${size})`)
      }
    }
    return res
  }
}
