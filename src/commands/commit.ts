import {Flags} from '@oclif/core'
import {BlCommand} from '../cli/base-command.js'
import {commit, type CommitResult} from '../core/ops/commit.js'

export default class CommitCmd extends BlCommand {
  static override summary = 'Record the staged changes as a new commit.'
  static override description = 'Author and committer come from user.name/user.email (repo, then user config), overridden by BL_AUTHOR_NAME/BL_AUTHOR_EMAIL.'
  static override examples = ['<%= config.bin %> commit -m "Add March images"', '<%= config.bin %> commit -a -m "Fix labels"']
  static override flags = {
    message: Flags.string({char: 'm', description: 'Commit message (repeat for paragraphs).', multiple: true, required: true}),
    all: Flags.boolean({char: 'a', description: 'Stage modified and deleted tracked files first.'}),
    'allow-empty': Flags.boolean({description: 'Allow a commit with the same tree as its parent.'}),
  }

  async run(): Promise<CommitResult> {
    const {flags} = await this.parse(CommitCmd)
    const res = await commit(this.repo(), {message: flags.message.join('\n\n'), all: flags.all, allowEmpty: flags['allow-empty']})
    if (!this.isQuiet(flags)) this.out(`[${res.branch ?? 'detached HEAD'}${res.root ? ' (root-commit)' : ''} ${res.id.slice(0, 12)}] ${res.message.split('\n')[0]}`)
    return res
  }
}
