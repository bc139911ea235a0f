import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {transferProgress} from '../cli/transfer-progress.js'
import {BlError} from '../core/errors.js'
import {archive, ARCHIVE_FORMATS, type ArchiveResult} from '../core/ops/archive.js'
import {formatBytes} from '../cli/format.js'

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

export default class Archive extends BlCommand {
  static override summary = 'Write one revision as a tar, tar.gz or zip archive, without checking it out.'
  static override description = `As git archive: to stdout (never a terminal), or with -o to a file, whose extension (.tar, .tgz, .tar.gz, .zip) sets the format unless --format does; the file appears only once complete. Members carry the commit's committer time, mode 0644 or 0755, symlinks as symlinks; the tar records the commit id in a pax global header (git get-tar-commit-id), the zip as its comment. <rev>:<dir> archives one directory; paths after the revision keep only what they match.`
  static override examples = [
    '<%= config.bin %> archive -o data-v1.tar.gz v1',
    '<%= config.bin %> archive --prefix=data/ HEAD | tar x -C /srv',
    '<%= config.bin %> archive --format=zip -o images.zip main images/',
    '<%= config.bin %> archive -o train.tar v2:data/train',
    '<%= config.bin %> archive --list',
  ]
  static override strict = false
  static override args = {
    rev: Args.string({description: 'Revision, or <rev>:<dir> for one directory of it.'}),
    paths: Args.string({description: 'Only these paths (pathspecs).'}),
  }
  static override flags = {
    format: Flags.string({description: 'Archive format (default: from the -o extension, else tar).', options: [...ARCHIVE_FORMATS]}),
    prefix: Flags.string({description: 'Put this in front of every name (e.g. data-v1/).'}),
    output: Flags.string({char: 'o', description: 'Write the archive to this file instead of stdout.'}),
    list: Flags.boolean({char: 'l', description: 'List the formats and exit.'}),
  }

  async run(): Promise<ArchiveResult | {formats: string[]}> {
    const {args, argv, flags} = await this.parse(Archive)
    if (flags.list) {
      for (const f of ARCHIVE_FORMATS) this.out(f)
      return {formats: [...ARCHIVE_FORMATS]}
    }
    if (args.rev === undefined) throw new BlError('INVALID_ARGUMENT', 'no revision given', {hint: 'Usage: bl archive [--format=<fmt>] [--prefix=<dir>/] [-o <file>] <rev> [<path>...]'})
    if (this.jsonEnabled() && flags.output === undefined)
      throw new BlError('INVALID_ARGUMENT', '--json needs -o <file>: stdout carries the JSON result', {hint: 'e.g. `bl archive --json -o out.tar HEAD`.'})
    if (flags.output === undefined && process.stdout.isTTY)
      throw new BlError('INVALID_ARGUMENT', 'refusing to write a binary archive to a terminal', {hint: 'Write it to a file with -o <file>, or pipe it: `bl archive HEAD | tar t`.'})
    // Ctrl-C (or a kill) stops the writing, the temporary file goes, then the signal ends bl as usual.
    const stop = new AbortController()
    let caught: NodeJS.Signals | undefined
    const onSignal = (sig: NodeJS.Signals): void => {
      if (caught) process.kill(process.pid, sig) // a second one: now
      caught = sig
      stop.abort(new BlError('INTERNAL_ERROR', `interrupted by ${sig}`))
    }
    for (const s of SIGNALS) process.on(s, onSignal)
    let res: ArchiveResult
    try {
      res = await this.withProgress('archive', (p) =>
        archive(this.repo(), {rev: args.rev!, paths: (argv as string[]).slice(1), format: flags.format, prefix: flags.prefix, output: flags.output, stream: process.stdout, signal: stop.signal, progress: transferProgress(p, 'fetching')}),
      )
    } finally {
      for (const s of SIGNALS) process.off(s, onSignal)
      if (caught) process.kill(process.pid, caught)
    }
    if (res.output !== null) this.out(`Wrote ${flags.output} (${res.format}, ${res.entries} entries, ${formatBytes(res.bytes)})`)
    return res
  }
}
