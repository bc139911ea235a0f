import {Args, Flags} from '#oclif'
import {normalizeRenameArgs, renameFlags, renamesFrom} from '../cli/rename-flags.js'
import {BlCommand} from '../cli/base-command.js'
import {palette} from '../cli/color.js'
import {status, type StatusResult} from '../core/ops/status.js'
import path from 'node:path'
import {pathFrom, quotePath as quoteRepoPath, quotePathC, quotePathInColumns} from '../core/worktree/paths.js'
import {porcelainV2Records, shortRecords} from '../cli/status-format.js'

const LABEL: Record<string, string> = {A: 'new file', M: 'modified', D: 'deleted', R: 'renamed', T: 'typechange'}
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
  static override description = `--porcelain is Git's porcelain v1 for scripts: the --short format, never coloured, paths from the root of the work tree, quoted as Git quotes them (core.quotePath); an empty output means a clean tree. -b adds the "## branch...upstream [ahead n, behind m]" header, -z ends each record with NUL and quotes nothing (a rename is "R  new<NUL>old"; -z alone means --porcelain). --porcelain=v2 is Git's v2: "1 XY N... <mH> <mI> <mW> <hH> <hI> <path>" lines ("2" for renames, "u" for conflicts, "?" untracked) and, with -b, "# branch.oid/head/upstream/ab" headers; ids are bl's (BLAKE3, 64 digits).`
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --short --branch', '<%= config.bin %> status --porcelain', 'test -z "$(<%= config.bin %> status --porcelain)" || echo dirty', '<%= config.bin %> status --porcelain -z', '<%= config.bin %> status --porcelain=v2 --branch', '<%= config.bin %> status --json']
  static override strict = false
  static override args = {paths: Args.string({description: 'Limit to these paths.'})}
  static override flags = {
    short: Flags.boolean({char: 's', description: 'Two-column short format (XY path), like git status --short.'}),
    porcelain: Flags.string({description: 'Stable format for scripts: v1 (--porcelain alone) or v2 (modes and ids).', options: ['v1', 'v2']}),
    branch: Flags.boolean({char: 'b', description: 'With --short/--porcelain: the branch and its upstream first.'}),
    z: Flags.boolean({char: 'z', description: 'End records with NUL and quote nothing (implies --porcelain).'}),
    'untracked-files': Flags.string({char: 'u', description: 'normal: untracked directories as "dir/"; all: every file.', options: ['normal', 'all'], default: 'normal'}),
    ignored: Flags.boolean({description: 'Also list the untracked files .blignore ignores ("!!" in the short formats; a directory of nothing else as "dir/" unless -uall).'}),
    ...renameFlags,
  }

  async run(): Promise<StatusResult> {
    // Git's `--porcelain` takes an optional version; oclif's string flags need one.
    const {argv, flags} = await this.parse(Status, normalizeRenameArgs(this.argv).map((a) => (a === '--porcelain' ? '--porcelain=v1' : a)))
    const repo = this.repo()
    const res = status(repo, {paths: argv as string[], untrackedAll: flags['untracked-files'] === 'all', ignored: flags.ignored, details: flags.porcelain === 'v2' && !this.jsonEnabled(), renames: renamesFrom(flags)})
    if (this.jsonEnabled()) return res
    const paint = this.colors()
    // Text output names paths from the current directory, as Git does (so they can be pasted into
    // the next command); --json keeps repository paths.
    const here = path.relative(repo.root, repo.ctx.cwd).split(path.sep).join('/')
    const relative = (p: string): string => (here.startsWith('..') ? p : pathFrom(here, p))
    const quotePath = (p: string): string => quoteRepoPath(relative(p))
    const name = (e: {path: string; oldPath?: string}): string => (e.oldPath ? `${quotePath(e.oldPath)} -> ${quotePath(e.path)}` : quotePath(e.path))
    const porcelain = flags.porcelain ?? (flags.z && !flags.short ? 'v1' : undefined)
    if (porcelain || flags.short) {
      const nonAscii = repo.config('core.quotePath') !== 'false'
      const pathName = (p: string): string => {
        if (flags.z) return porcelain ? p : relative(p)
        // Porcelain: paths from the root and Git's quoting (v2's path is the last field, a rename's
        // second after a tab: Git quotes no spaces there), never coloured, whatever the terminal.
        if (porcelain) return quotePathC(p, {space: porcelain === 'v1', nonAscii})
        // The short format quotes names with spaces too (Git's), so `a -> b` can only be a rename.
        return quotePathInColumns(relative(p))
      }
      const opts = {name: pathName, nul: flags.z, branch: flags.branch}
      const records = porcelain === 'v2' ? porcelainV2Records(res, opts) : shortRecords(res, {...opts, paint: porcelain ? palette(false) : paint})
      this.outText(records.map((r) => r + (flags.z ? '\0' : '\n')).join(''))
      // Why a name can't be added goes to stderr (its row says `??`).
      for (const b of res.invalid) this.warnLine(`${quoteRepoPath(porcelain ? b.path : relative(b.path))} cannot be stored: ${b.problem}`)
      return res
    }
    this.out(res.branch ? `On branch ${res.branch}` : `HEAD detached at ${res.head?.slice(0, 12)}`)
    if (res.sparse) this.out(res.sparse.include.length ? `Sparse work tree: only ${res.sparse.include.join(', ')} checked out (\`bl sparse-checkout add <path>\` adds more, \`disable\` brings all).` : 'Sparse work tree: nothing checked out yet (`bl sparse-checkout add <path|glob>` brings files in).')
    if (res.upstream) {
      const u = res.upstream
      if (u.gone) this.out(`Your branch is based on '${u.ref}', but the upstream is gone.`)
      else if (u.ahead && u.behind) this.out(`Your branch and '${u.ref}' have diverged,\nand have ${u.ahead} and ${u.behind} different commits each, respectively.`)
      else if (u.ahead) this.out(`Your branch is ahead of '${u.ref}' by ${u.ahead} commit${u.ahead === 1 ? '' : 's'}.`)
      else if (u.behind) this.out(`Your branch is behind '${u.ref}' by ${u.behind} commit${u.behind === 1 ? '' : 's'}, and can be fast-forwarded.`)
      else this.out(`Your branch is up to date with '${u.ref}'.`)
    }
    if (!res.head) this.out('\nNo commits yet')
    if (res.bisect) this.out(`\nYou are currently bisecting${res.bisect.startBranch ? `, started from branch '${res.bisect.startBranch}'` : ''}.\n  (use "bl bisect reset" to get back to the original branch)`)
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
    if (res.ignored?.length) {
      this.out('\nIgnored files:')
      for (const p of res.ignored) this.out(`\t${paint.red(quotePath(p))}`)
    }
    for (const b of res.invalid) this.out(`\nwarning: ${quotePath(b.path)} cannot be stored: ${b.problem}`)
    if (res.clean) this.out(res.head ? '\nnothing to commit, working tree clean' : '\nnothing to commit (create files and use "bl add" to track)')
    else if (!res.staged.length) this.out('\nno changes added to commit (use "bl add" and/or "bl commit -a")')
    return res
  }
}
