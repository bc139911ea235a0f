import {Args, Flags} from '#oclif'
import {normalizeRenameArgs, renameFlags, renamesFrom} from '../cli/rename-flags.js'
import {BlCommand} from '../cli/base-command.js'
import {splitDashDash, takeDashCount} from '../cli/args.js'
import {changeLines, type ChangeStyle} from '../cli/change-format.js'
import {builtinLines, expandTemplate, parseLayout} from '../cli/log-format.js'
import {renderGraph} from '../ui/graph.js'
import {signatureLines} from '../cli/signature-format.js'
import {resolveCodeCommit} from '../core/gitlink/code-link.js'
import {parseDateSpec} from '../core/date-spec.js'
import {log, logGraph, type LogEntryWithChanges, type LogOptions} from '../core/ops/log.js'
import {withSignatures, type SignedLogEntry} from '../core/ops/verify.js'

export default class Log extends BlCommand {
  static override summary = 'Show commit history.'
  static override description = `Lists the commits reachable from the revisions given (default HEAD), newest first.
A revision ^a hides a and its ancestors; a..b is b ^a (what b has that a has not); a...b is what either has and not both; an empty side means HEAD.`
  static override examples = [
    '<%= config.bin %> log',
    '<%= config.bin %> log --oneline -n 5',
    '<%= config.bin %> log --graph --oneline main feature',
    '<%= config.bin %> log main..feature',
    '<%= config.bin %> log --oneline main...feature',
    '<%= config.bin %> log feature ^main -- data/',
    '<%= config.bin %> log main -- data/train.csv',
    '<%= config.bin %> log --follow --name-status -- data/train.csv',
    '<%= config.bin %> log --json',
    '<%= config.bin %> log --show-signature -n 3',
    '<%= config.bin %> log --git 3f2a9c1',
    '<%= config.bin %> log --git HEAD --oneline',
    '<%= config.bin %> log --all --oneline --author=ada --since="2 weeks ago"',
    '<%= config.bin %> log --stat -n 3 -- data/',
    "<%= config.bin %> log --format='%h %as %an %s' --grep=fix -i",
    '<%= config.bin %> log --first-parent --name-status main',
  ]
  static override strict = false
  static override dashCount = true
  static override args = {revs: Args.string({description: 'Revisions to start from (default HEAD), ^rev, a..b or a...b; then -- and paths.'})}
  static override flags = {
    oneline: Flags.boolean({description: 'One line per commit: short id and subject (--pretty=oneline with short ids).'}),
    graph: Flags.boolean({description: 'Draw the history graph next to the commits (children before parents).', exclusive: ['reverse']}),
    'max-count': Flags.integer({char: 'n', description: 'Show at most N commits.', min: 0}),
    skip: Flags.integer({description: 'Skip N commits before showing any.', min: 0}),
    all: Flags.boolean({description: 'Start from every branch, remote-tracking branch, tag and stash, and HEAD (as well as the revisions given).'}),
    ...renameFlags,
    follow: Flags.boolean({description: 'With one file path: go on past renames, under the name the file had before (also a rename that changed it: at least half its content kept).'}),
    'first-parent': Flags.boolean({description: 'Follow only the first parent of merges (the branch\'s own line); --stat and friends then show a merge\'s changes against it.'}),
    author: Flags.string({description: 'Only commits whose author ("Name <email>") matches this regular expression (repeatable: any).', multiple: true, multipleNonGreedy: true}),
    committer: Flags.string({description: 'Only commits whose committer matches this regular expression (repeatable: any).', multiple: true, multipleNonGreedy: true}),
    grep: Flags.string({description: 'Only commits whose message matches this regular expression (repeatable: any).', multiple: true, multipleNonGreedy: true}),
    'all-match': Flags.boolean({description: 'With several --grep: only commits whose message matches all of them.'}),
    'invert-grep': Flags.boolean({description: 'Only commits whose message matches none of the --grep patterns.'}),
    'regexp-ignore-case': Flags.boolean({char: 'i', description: 'Match --author, --committer and --grep patterns regardless of case.'}),
    since: Flags.string({description: 'Only commits made (committer date) at or after this date: 2024-05-01, "2024-05-01 13:00", @<unix>, "2 weeks ago", yesterday.', aliases: ['after']}),
    until: Flags.string({description: 'Only commits made at or before this date (same forms as --since).', aliases: ['before']}),
    reverse: Flags.boolean({description: 'Oldest first (of the commits -n and --skip chose).'}),
    stat: Flags.boolean({description: 'After each commit, the paths it changed with their sizes (against its first parent; merges only with --first-parent).'}),
    'name-status': Flags.boolean({description: 'After each commit, a status letter and path per change.', exclusive: ['stat', 'name-only']}),
    'name-only': Flags.boolean({description: 'After each commit, the paths it changed.', exclusive: ['stat', 'name-status']}),
    pretty: Flags.string({description: 'oneline, short, medium (default), full, fuller, or format:<template> / tformat:<template>.', aliases: ['format'], exclusive: ['oneline']}),
    'show-signature': Flags.boolean({description: "Check each commit's OpenPGP signature (good, bad, unknown-key, expired, revoked, unsigned)."}),
    git: Flags.string({description: 'Only data commits made at this code commit (SHA-1 or prefix; a branch or tag of the enclosing Git repository). Without revisions, searches all branches and tags.'}),
  }

  async run(): Promise<LogEntryWithChanges[] | SignedLogEntry[]> {
    this.argv = normalizeRenameArgs(this.argv)
    const {flags} = await this.parse(Log)
    const dash = takeDashCount(this.argv)
    const {before, after} = splitDashDash(dash.argv, VALUED)
    const repo = this.repo()
    const layout = parseLayout(flags.pretty, flags.oneline)
    const gitCommit = flags.git === undefined ? undefined : await resolveCodeCommit(repo, flags.git)
    const date = (v: string | undefined): number | undefined => (v === undefined ? undefined : parseDateSpec(v, repo.now()))
    const style: ChangeStyle | undefined = flags.stat ? 'stat' : flags['name-status'] ? 'name-status' : flags['name-only'] ? 'name-only' : undefined
    const opts: LogOptions = {
      revs: before,
      maxCount: flags['max-count'] ?? dash.count,
      paths: after,
      gitCommit,
      all: flags.all,
      firstParent: flags['first-parent'],
      authors: flags.author,
      committers: flags.committer,
      grep: flags.grep,
      allMatch: flags['all-match'],
      invertGrep: flags['invert-grep'],
      ignoreCase: flags['regexp-ignore-case'],
      since: date(flags.since),
      until: date(flags.until),
      skip: flags.skip,
      reverse: flags.reverse,
      changes: style !== undefined,
      follow: flags.follow,
      renames: renamesFrom(flags),
    }
    const drawn = flags.graph ? logGraph(repo, opts) : {entries: log(repo, opts), edges: []}
    const entries: Array<LogEntryWithChanges & {signature?: SignedLogEntry['signature']}> = flags['show-signature'] ? await withSignatures(repo, drawn.entries) : drawn.entries
    if (this.jsonEnabled()) return entries
    const graph = flags.graph ? renderGraph(entries.map((e, i) => ({id: e.id, parents: drawn.edges[i]!}))) : undefined
    const paint = this.colors()
    const nowSeconds = Math.floor(repo.nowMs() / 1000)
    entries.forEach((e, i) => {
      const sig = e.signature ? signatureLines(e.signature) : []
      const changes = e.changes && style ? changeLines(e.changes, style) : []
      let text: string[]
      if (layout.kind === 'template') {
        text = [...sig, ...expandTemplate(layout.template, e, nowSeconds, paint).split('\n')]
        if (changes.length) text.push(...(layout.terminator ? [''] : []), ...changes)
        // format: separates entries, so the last one ends without a newline of its own.
        if (!layout.terminator && i === entries.length - 1 && !graph && !changes.length) {
          process.stdout.write(text.join('\n'))
          return
        }
      } else {
        text = builtinLines(e, layout.name, layout.abbrev, paint, sig)
        if (changes.length) text = layout.name === 'oneline' ? [...text, ...changes, ...(i < entries.length - 1 ? [''] : [])] : [...text, ...changes, '']
      }
      const g = graph?.[i]
      if (!g) {
        for (const l of text) this.out(l)
        return
      }
      // Git's layout: the commit line gets the `*`, the next lines carry the lane moves, then plain lanes.
      this.out(g.commit + text[0])
      let t = 0
      for (const l of text.slice(1)) this.out(((t < g.after.length ? g.after[t++]!.padEnd(g.width) : g.pad) + l).trimEnd())
      while (t < g.after.length) this.out(g.after[t++])
    })
    return entries
  }
}

/** Options that take a value: their values are not revisions. */
const VALUED = ['-n', '--max-count', '--git', '--skip', '--author', '--committer', '--grep', '--since', '--after', '--until', '--before', '--pretty', '--format']
