import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {splitDashDash, takeDashCount} from '../cli/args.js'
import {codeLine, formatDate, indent} from '../cli/format.js'
import {renderGraph} from '../ui/graph.js'
import {signatureLines} from '../cli/signature-format.js'
import {resolveCodeCommit} from '../core/gitlink/code-link.js'
import {log, logGraph, type LogEntry} from '../core/ops/log.js'
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
    '<%= config.bin %> log --json',
    '<%= config.bin %> log --show-signature -n 3',
    '<%= config.bin %> log --git 3f2a9c1',
    '<%= config.bin %> log --git HEAD --oneline',
  ]
  static override strict = false
  static override dashCount = true
  static override args = {revs: Args.string({description: 'Revisions to start from (default HEAD), ^rev, a..b or a...b; then -- and paths.'})}
  static override flags = {
    oneline: Flags.boolean({description: 'One line per commit: short id and subject.'}),
    graph: Flags.boolean({description: 'Draw the history graph next to the commits (children before parents).'}),
    'max-count': Flags.integer({char: 'n', description: 'Show at most N commits.', min: 0}),
    'show-signature': Flags.boolean({description: "Check each commit's OpenPGP signature (good, bad, unknown-key, expired, revoked, unsigned)."}),
    git: Flags.string({description: 'Only data commits made at this code commit (SHA-1 or prefix; a branch or tag of the enclosing Git repository). Without revisions, searches all branches and tags.'}),
  }

  async run(): Promise<LogEntry[] | SignedLogEntry[]> {
    const {flags} = await this.parse(Log)
    const dash = takeDashCount(this.argv)
    const {before, after} = splitDashDash(dash.argv, ['-n', '--max-count', '--git'])
    const gitCommit = flags.git === undefined ? undefined : await resolveCodeCommit(this.repo(), flags.git)
    const opts = {revs: before, maxCount: flags['max-count'] ?? dash.count, paths: after, gitCommit}
    const drawn = flags.graph ? logGraph(this.repo(), opts) : {entries: log(this.repo(), opts), edges: []}
    const entries: Array<LogEntry & {signature?: SignedLogEntry['signature']}> = flags['show-signature'] ? await withSignatures(this.repo(), drawn.entries) : drawn.entries
    if (this.jsonEnabled()) return entries
    const graph = flags.graph ? renderGraph(entries.map((e, i) => ({id: e.id, parents: drawn.edges[i]!}))) : undefined
    const paint = this.colors()
    entries.forEach((e, i) => {
      const deco = e.refs.length ? ` (${e.refs.map((r) => (r.startsWith('tag: ') ? paint.yellow(r) : r.startsWith('HEAD') ? paint.cyan(r) : paint.green(r))).join(', ')})` : ''
      const sig = e.signature ? signatureLines(e.signature) : []
      const text: string[] = flags.oneline
        ? [...sig, `${paint.yellow(e.id.slice(0, 12))}${deco} ${e.message.split('\n')[0]}`]
        : [
            `${paint.yellow(`commit ${e.id}`)}${deco}`,
            ...sig,
            ...(e.parents.length > 1 ? [`Merge: ${e.parents.map((p) => p.slice(0, 12)).join(' ')}`] : []),
            `Author: ${e.author.name} <${e.author.email}>`,
            `Date:   ${formatDate(e.author)}`,
            ...codeLine(e.meta),
            '',
            indent(e.message),
            '',
          ].flatMap((l) => l.split('\n'))
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

