import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {lsFiles, type LsFilesEntry} from '../core/ops/ls-files.js'
import {pathFrom, quotePath, toRepoPath} from '../core/worktree/paths.js'

export default class LsFiles extends BlCommand {
  static override summary = 'List the files of the index and the work tree (for scripts).'
  static override description = `As git ls-files: by default the index's files (what the next commit holds, staged files included) under the current directory, with paths from it (--full-name: from the root). -d, -m and -o list deleted, modified and untracked files instead (-c as well to add the index); .blignore always applies, so -o never lists ignored files and -o -i lists only them. -s shows mode, id and stage; a conflicted path shows its stages 1-3 (base, ours, theirs). Unusual names are quoted as in Git, except with -z. --json gives repository paths.`
  static override examples = [
    '<%= config.bin %> ls-files',
    '<%= config.bin %> ls-files -m -o --directory',
    '<%= config.bin %> ls-files -s data/',
    '<%= config.bin %> ls-files -z "*.csv" | xargs -0 wc -l',
    '<%= config.bin %> ls-files --error-unmatch data/labels.csv',
  ]
  static override strict = false
  static override args = {paths: Args.string({description: 'Only files under these paths (wildcards as in Git).'})}
  static override flags = {
    cached: Flags.boolean({char: 'c', description: 'The index\'s files (the default).'}),
    deleted: Flags.boolean({char: 'd', description: 'Tracked files missing from the work tree.'}),
    modified: Flags.boolean({char: 'm', description: 'Tracked files the work tree changed (deleted ones too).'}),
    others: Flags.boolean({char: 'o', description: 'Untracked files.'}),
    ignored: Flags.boolean({char: 'i', description: 'With -o: only untracked files .blignore ignores; with -c: only tracked files it would ignore.'}),
    'exclude-standard': Flags.boolean({description: 'Accepted for Git\'s scripts: bl always applies .blignore.'}),
    directory: Flags.boolean({description: 'With -o: a wholly untracked directory as "dir/".'}),
    stage: Flags.boolean({char: 's', description: 'Mode, id and stage number before each path.'}),
    unmerged: Flags.boolean({char: 'u', description: 'Only conflicted paths, their stages (implies -s).'}),
    z: Flags.boolean({char: 'z', description: 'End each path with NUL, not newline, and quote nothing.'}),
    'error-unmatch': Flags.boolean({description: 'Fail (exit 4) when a pathspec matches no file listed.'}),
    'full-name': Flags.boolean({description: 'Paths from the root of the work tree, not the current directory.'}),
  }

  async run(): Promise<LsFilesEntry[]> {
    const {argv, flags} = await this.parse(LsFiles)
    const repo = this.repo()
    const rows = lsFiles(repo, {
      paths: argv as string[],
      cached: flags.cached,
      deleted: flags.deleted,
      modified: flags.modified,
      others: flags.others,
      ignored: flags.ignored,
      directory: flags.directory,
      stage: flags.stage,
      unmerged: flags.unmerged,
      errorUnmatch: flags['error-unmatch'],
    })
    if (this.jsonEnabled()) return rows
    const here = flags['full-name'] ? '' : toRepoPath(repo, '.')
    const end = flags.z ? '\0' : '\n'
    const staged = flags.stage || flags.unmerged
    let text = ''
    for (const r of rows) {
      const name = flags.z ? pathFrom(here, r.path) : quotePath(pathFrom(here, r.path))
      text += (staged && r.mode ? `${r.mode} ${r.id} ${r.stage}\t${name}` : name) + end
    }
    this.outText(text)
    return rows
  }
}
