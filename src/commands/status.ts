import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {status, type StatusResult} from '../core/ops/status.js'
import path from 'node:path'
import {pathFrom, quotePath as quoteRepoPath, quotePathInColumns} from '../core/worktree/paths.js'

const LABEL: Record<string, string> = {A: 'new file', M: 'modified', D: 'deleted', R: 'renamed', T: 'typechange'}
/** Git's unmerged XY codes; the two kinds Git has no code for use UU. */
const SHORT_CONFLICT: Record<string, string> = {'both-modified': 'UU', 'both-added': 'AA', 'deleted-by-us': 'DU', 'deleted-by-them': 'UD', 'renamed-differently': 'UU', 'file-directory': 'UU'}
const LONG_CONFLICT: Record<string, string> = {
  'both-modified': 'both modified:',
  'both-added': 'both added:',
  'deleted-by-us': 'deleted by us:',
  'deleted-by-them': 'deleted by them:',
  'renamed-differently': 'renamed differently:',
  'file-directory': 'file/directory:',
}

export default class Status extends BlCommand {
  static override summary = 'Show the work tree status.'
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --short', '<%= config.bin %> status --json']
  static override strict = false
  static override args = {paths: Args.string({description: 'Limit to these paths.'})}
  static override flags = {
    short: Flags.boolean({char: 's', description: 'Two-column short format (XY path), like git status --short.'}),
    'untracked-files': Flags.string({char: 'u', description: 'normal: untracked directories as "dir/"; all: every file.', options: ['normal', 'all'], default: 'normal'}),
  }

  async run(): Promise<StatusResult> {
    const {argv, flags} = await this.parse(Status)
    const repo = this.repo()
    const res = status(repo, {paths: argv as string[], untrackedAll: flags['untracked-files'] === 'all'})
    if (this.jsonEnabled()) return res
    const paint = this.colors()
    // Text output names paths from the current directory, as Git does (so they can be pasted into
    // the next command); --json keeps repository paths.
    const here = path.relative(repo.root, repo.ctx.cwd).split(path.sep).join('/')
    // The short format quotes names with spaces too (Git's), so `a -> b` can only be a rename.
    const quotePath = (p: string): string => (flags.short ? quotePathInColumns : quoteRepoPath)(here.startsWith('..') ? p : pathFrom(here, p))
    const name = (e: {path: string; oldPath?: string}): string => (e.oldPath ? `${quotePath(e.oldPath)} -> ${quotePath(e.path)}` : quotePath(e.path))
    if (flags.short) {
      const rows = new Map<string, {x: string; y: string; label: string}>()
      for (const e of res.staged) rows.set(e.path, {x: e.status, y: ' ', label: name(e)})
      for (const e of res.unstaged) {
        const r = rows.get(e.path)
        if (r) r.y = e.status
        else rows.set(e.path, {x: ' ', y: e.status, label: name(e)})
      }
      for (const c of res.conflicts) rows.set(c.path, {x: SHORT_CONFLICT[c.kind]![0]!, y: SHORT_CONFLICT[c.kind]![1]!, label: quotePath(c.path)})
      for (const [, r] of [...rows].sort(([a], [b]) => (a < b ? -1 : 1))) this.out(`${paint.green(r.x)}${paint.red(r.y)} ${r.label}`)
      for (const p of res.untracked) this.out(`${paint.red('??')} ${quotePath(p)}`)
      // Names bl cannot store are untracked too (as Git lists them); why they can't be added goes to stderr.
      for (const b of res.invalid) {
        this.out(`${paint.red('??')} ${quotePath(b.path)}`)
        this.warnLine(`${quotePath(b.path)} cannot be stored: ${b.problem}`)
      }
      return res
    }
    this.out(res.branch ? `On branch ${res.branch}` : `HEAD detached at ${res.head?.slice(0, 12)}`)
    if (res.sparse) this.out(res.sparse.include.length ? `Sparse work tree: only ${res.sparse.include.join(', ')} checked out (\`bl checkout -- <path>\` adds more).` : 'Sparse work tree: nothing checked out yet (`bl checkout -- <path|glob>` brings files in).')
    if (res.upstream) {
      const u = res.upstream
      if (u.gone) this.out(`Your branch is based on '${u.ref}', but the upstream is gone.`)
      else if (u.ahead && u.behind) this.out(`Your branch and '${u.ref}' have diverged,\nand have ${u.ahead} and ${u.behind} different commits each, respectively.`)
      else if (u.ahead) this.out(`Your branch is ahead of '${u.ref}' by ${u.ahead} commit${u.ahead === 1 ? '' : 's'}.`)
      else if (u.behind) this.out(`Your branch is behind '${u.ref}' by ${u.behind} commit${u.behind === 1 ? '' : 's'}, and can be fast-forwarded.`)
      else this.out(`Your branch is up to date with '${u.ref}'.`)
    }
    if (!res.head) this.out('\nNo commits yet')
    if (res.operation) {
      const op = res.operation
      this.out(`\nYou are in the middle of a ${op.kind} (${op.label})${op.remaining ? `, ${op.remaining} more commit${op.remaining === 1 ? '' : 's'} to go` : ''}.`)
      this.out(res.conflicts.length ? `  (fix conflicts, then run "bl ${op.kind} --continue"; "bl ${op.kind} --abort" to undo)` : `  (all conflicts fixed: run "bl ${op.kind} --continue"${op.kind === 'merge' ? ' or "bl commit"' : ''})`)
    }
    if (res.conflicts.length) {
      this.out('\nUnmerged paths:')
      this.out('  (use "bl checkout --ours|--theirs <path>", or edit and "bl add <path>", to mark resolution)')
      for (const c of res.conflicts) this.out(`\t${paint.red(LONG_CONFLICT[c.kind]!.padEnd(21) + quotePath(c.path))}`)
    }
    if (res.staged.length) {
      this.out('\nChanges to be committed:')
      for (const e of res.staged) this.out(`\t${paint.green((LABEL[e.status] + ':').padEnd(12) + name(e))}`)
    }
    if (res.unstaged.length) {
      this.out('\nChanges not staged for commit:')
      for (const e of res.unstaged) this.out(`\t${paint.red((LABEL[e.status] + ':').padEnd(12) + name(e))}`)
    }
    if (res.untracked.length) {
      this.out('\nUntracked files:')
      for (const p of res.untracked) this.out(`\t${paint.red(quotePath(p))}`)
    }
    for (const b of res.invalid) this.out(`\nwarning: ${quotePath(b.path)} cannot be stored: ${b.problem}`)
    if (res.clean) this.out(res.head ? '\nnothing to commit, working tree clean' : '\nnothing to commit (create files and use "bl add" to track)')
    else if (!res.staged.length) this.out('\nno changes added to commit (use "bl add" and/or "bl commit -a")')
    return res
  }
}
