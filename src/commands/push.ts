import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {formatBytes} from '../cli/format.js'
import {BlError} from '../core/errors.js'
import {transferProgress} from '../cli/transfer-progress.js'
import {push, type PushResult} from '../core/ops/sync.js'

export default class Push extends BlCommand {
  static override summary = 'Upload commits and data to a remote and move its branch.'
  static override description = `Only objects the remote lacks travel (negotiated through the remote's pack indexes). The remote branch moves with a conditional write: if someone else pushed first, the push fails with exit code 5 ("fetch first") and nothing is lost; the uploaded data is kept, so the retry after \`bl pull\` is quick. An interrupted push resumes without re-sending completed packs. \`--force-with-lease\` overwrites a remote branch only if it is still where your remote-tracking branch (or the given commit) says, with the same conditional write; \`--dry-run\` shows what a push would do and writes nothing.`
  static override examples = ['<%= config.bin %> push', '<%= config.bin %> push -u origin main', '<%= config.bin %> push origin experiment:main', '<%= config.bin %> push --force origin HEAD~1:main', '<%= config.bin %> push --tags', '<%= config.bin %> push origin --delete old-branch', '<%= config.bin %> push --force-with-lease', '<%= config.bin %> push --force-with-lease=main:origin/main origin HEAD:main', '<%= config.bin %> push --dry-run', '<%= config.bin %> push -n --force origin HEAD~1:main']
  static override strict = false
  static override args = {remote: Args.string({description: 'Remote name (default: the upstream of the current branch, else origin).'})}
  static override flags = {
    force: Flags.boolean({char: 'f', description: 'Move the remote branch even if that drops commits there.'}),
    'force-with-lease': Flags.string({
      multiple: true,
      multipleNonGreedy: true,
      helpValue: '<ref>[:<expect>]',
      description: 'Overwrite a remote ref only if it still is where its remote-tracking branch (or <expect>; empty: nowhere) says, else fail with exit 5 ("stale info"). Alone: every ref pushed; =<ref>: only that one. Protection rules still apply.',
    }),
    tags: Flags.boolean({description: 'Push all tags too.'}),
    delete: Flags.boolean({char: 'd', description: 'Delete the named remote branches.'}),
    'set-upstream': Flags.boolean({char: 'u', description: 'Make the pushed remote branch the upstream of the local one.'}),
    'dry-run': Flags.boolean({char: 'n', description: 'Do everything but write: check fast-forwards and protection rules, count what would be uploaded, and report what would happen; nothing is written to the remote and no remote-tracking branch moves.'}),
  }

  async run(): Promise<PushResult> {
    // Git's --force-with-lease takes a value only after "=": alone it leases every ref pushed.
    const end = this.argv.indexOf('--')
    this.argv = this.argv.map((a, i) => (a === '--force-with-lease' && (end < 0 || i < end) ? '--force-with-lease=' : a))
    const {argv, flags} = await this.parse(Push)
    const [remote, ...refspecs] = argv as string[]
    const quiet = this.isQuiet(flags)
    const res = await this.withProgress('push', (p) =>
      push(this.repo(), {
        remote,
        refspecs,
        force: flags.force,
        forceWithLease: flags['force-with-lease']?.map((v) => {
          const colon = v.indexOf(':')
          return v === '' ? {ref: null} : colon < 0 ? {ref: v} : {ref: v.slice(0, colon), expect: v.slice(colon + 1)}
        }),
        tags: flags.tags,
        delete: flags.delete,
        setUpstream: flags['set-upstream'],
        dryRun: flags['dry-run'],
        progress: transferProgress(p),
        onWarning: (m) => p.log(`warning: ${m}`),
        onUnprotected: (r) => p.log(`warning: remote ${r} ignores conditional writes: concurrent pushes to it are not protected`),
      }),
    ).catch((error: unknown) => {
      // A rejected tag fails the push after everything else went: say what did (as Git does).
      const pushed = error instanceof BlError && error.code === 'FETCH_FIRST' ? (error.data.pushed as PushResult | undefined) : undefined
      if (pushed && !quiet) this.report(pushed)
      throw error
    })
    if (!quiet) this.report(res)
    return res
  }

  private report(res: PushResult): void {
    const packs = `${res.packs} pack${res.packs === 1 ? '' : 's'}`
    if (res.objects) this.out(res.dryRun ? `Would upload ${res.objects} objects in about ${packs} (${formatBytes(res.bytes)} before compression)` : `Uploaded ${res.objects} objects in ${packs} (${formatBytes(res.bytes)})`)
    for (const r of res.refs) this.out(` ${r.status === 'up-to-date' ? '=' : r.status === 'forced' ? '+' : r.status === 'deleted' ? '-' : '*'} ${r.ref.replace(/^refs\/(heads|tags)\//, '')}: ${r.status}${r.old && r.new && r.status !== 'up-to-date' ? ` (${r.old.slice(0, 12)}..${r.new.slice(0, 12)})` : ''}`)
    if (res.dryRun) this.out(`Dry run: nothing was written to ${res.remote}.`)
  }
}
