import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {lineage, type LineageNode, type LineageResult} from '../core/ops/lineage.js'

export default class Lineage extends BlCommand {
  static override summary = 'Show the data versions a commit was derived from.'
  static override description = `Follows the inputs recorded with \`bl commit --input <source>@<rev>\`, and the inputs of those commits in turn, through every source bl can read: this repository, local repositories, remotes (read directly, nothing is stored). A source that can't be read is shown as unresolved with the reason.
--json gives the nodes and the edges ({from, to}: "from" was derived from "to").`
  static override examples = ['<%= config.bin %> lineage', '<%= config.bin %> lineage v2 --depth 1', '<%= config.bin %> lineage main --json']
  static override args = {rev: Args.string({description: 'Commit to start from.', default: 'HEAD'})}
  static override flags = {
    depth: Flags.integer({description: 'Follow inputs at most this many levels deep.', min: 0, default: 16}),
  }

  async run(): Promise<LineageResult> {
    const {args, flags} = await this.parse(Lineage)
    const res = await lineage(this.repo(), args.rev, {maxDepth: flags.depth})
    const byKey = new Map(res.nodes.map((n) => [n.key, n]))
    const children = new Map<string, string[]>()
    for (const e of res.edges) (children.get(e.from) ?? children.set(e.from, []).get(e.from)!).push(e.to)
    const printed = new Set<string>()
    const draw = (key: string, prefix: string, branch: string): void => {
      const n = byKey.get(key)!
      const again = printed.has(key)
      printed.add(key)
      this.out(`${prefix}${branch}${label(n)}${again ? ' (see above)' : ''}`)
      if (again) return
      const kids = children.get(key) ?? []
      const next = prefix + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ')
      kids.forEach((k, i) => draw(k, next, i === kids.length - 1 ? '└─ ' : '├─ '))
    }
    draw(res.root, '', '')
    return res
  }
}

function label(n: LineageNode): string {
  const where = n.source === null ? '' : `${n.source} @ `
  const what = n.resolved ? ` ${n.subject}` : ` (unresolved: ${n.problem})`
  return `${where}${n.commit.slice(0, 12)}${what}`
}
