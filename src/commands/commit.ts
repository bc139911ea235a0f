import {Args, Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {ingestProgress} from '../cli/progress.js'
import {passphrasePrompt} from '../cli/prompt.js'
import {readFileOrStdin} from '../cli/stdin.js'
import {commit, type CommitResult} from '../core/ops/commit.js'

export default class CommitCmd extends BlCommand {
  static override summary = 'Record the staged changes as a new commit.'
  static override description = `Author and committer come from user.name/user.email (repo, then user config), overridden by BL_AUTHOR_NAME/BL_AUTHOR_EMAIL.
-S signs the commit with an OpenPGP key from your keyring (--key, else config user.signingKey, else your only secret key); config commit.sign=true signs every commit. The key's passphrase comes from BL_KEY_PASSPHRASE or a terminal prompt.
Inside a Git repository the commit records the code's HEAD commit, branch and dirty flag (git.* metadata; \`bl config git.link false\` turns it off), and Git's user.name/user.email serve when bl has no identity.
--input records the data versions this commit was derived from; \`bl lineage\` shows the graph.
--amend replaces the last commit (HEAD) with a new one made from the index: same parents, its message unless -m/-F gives one, its author unless --reset-author; the committer and date are new, and a signature is made anew (-S, commit.sign). Refused during a stopped merge, cherry-pick, revert or rebase.
-F <file> reads the message from a file (- for stdin); --author "Name <email>" and --date set the author. After a clean \`bl merge --squash\`, a commit without -m/-F takes the squash message (Git's SQUASH_MSG; bl opens no editor).
Paths (\`bl commit -m msg <paths>\`) commit only those tracked files as they are in the work tree, on top of HEAD; whatever else is staged stays staged (Git's --only). -i stages the paths and commits the whole index.`
  static override examples = ['<%= config.bin %> commit -m "Add March images"', '<%= config.bin %> commit -a -m "Fix labels"', '<%= config.bin %> commit -m "Fix labels" labels.csv', '<%= config.bin %> commit -S -m "Release 2024-03"', '<%= config.bin %> commit --amend --no-edit', '<%= config.bin %> commit -a --amend -m "Fix labels (and the typo)"', '<%= config.bin %> commit -F message.txt --author "Ada <ada@example.com>" --date 2024-03-01T12:00:00Z', '<%= config.bin %> commit --key ada@example.com -m "Signed with a chosen key"', '<%= config.bin %> commit -m "Resized" --input s3://lake/raw-images@main --input ../labels@v3']
  static override strict = false
  static override args = {paths: Args.string({description: 'Tracked files or directories to commit (others stay staged).'})}
  static override flags = {
    message: Flags.string({char: 'm', description: 'Commit message (repeat for paragraphs).', multiple: true, multipleNonGreedy: true, exclusive: ['file']}),
    file: Flags.string({char: 'F', description: 'Take the commit message from this file (- reads stdin).', exclusive: ['message']}),
    amend: Flags.boolean({description: 'Replace the last commit (same parents; message and author kept unless given).'}),
    'no-edit': Flags.boolean({description: 'With --amend: keep the message (bl never opens an editor; accepted for Git users).'}),
    'reset-author': Flags.boolean({description: 'With --amend: you become the author, with a new date.', exclusive: ['author']}),
    author: Flags.string({description: 'Author as "Name <email>".'}),
    date: Flags.string({description: 'Author date: ISO 8601, "<unix-seconds> +hhmm", @<seconds> or "2 days ago".'}),
    all: Flags.boolean({char: 'a', description: 'Stage modified and deleted tracked files first.'}),
    include: Flags.boolean({char: 'i', description: 'Stage the given paths, then commit the whole index.', exclusive: ['only']}),
    only: Flags.boolean({char: 'o', description: 'Commit only the given paths (the default when paths are given).'}),
    'allow-empty': Flags.boolean({description: 'Allow a commit with the same tree as its parent.'}),
    sign: Flags.boolean({char: 'S', allowNo: true, description: 'Sign the commit (OpenPGP); --no-sign overrides config commit.sign.'}),
    key: Flags.string({description: 'Key to sign with (implies -S): fingerprint, key id, prefix or email.'}),
    input: Flags.string({description: 'A data version this commit was derived from: <remote-url|remote-name|path>@<rev> (repeatable; see `bl lineage`).', multiple: true, multipleNonGreedy: true}),
  }

  async run(): Promise<CommitResult> {
    const {argv, flags} = await this.parse(CommitCmd)
    const message = await this.message(flags.message, flags.file)
    const res = await this.withProgress('commit', (p) =>
      commit(this.repo(), {message, amend: flags.amend, resetAuthor: flags['reset-author'], author: flags.author, date: flags.date, all: flags.all, paths: argv as string[], include: flags.include, only: flags.only, allowEmpty: flags['allow-empty'], sign: flags.sign, signingKey: flags.key, inputs: flags.input, passphrasePrompt: passphrasePrompt(), progress: ingestProgress(p)}),
    )
    if (!this.isQuiet(flags)) this.out(`[${res.branch ?? 'detached HEAD'}${res.root ? ' (root-commit)' : ''} ${res.id.slice(0, 12)}] ${res.message.split('\n')[0]}${res.signedBy ? ` (signed by ${res.signedBy.slice(-16).toUpperCase()})` : ''}`)
    this.reportAutostash(res.autostash, this.isQuiet(flags))
    return res
  }

  /** -m paragraphs, or -F's file (read from the current directory; `-` is stdin). */
  private async message(m: string[] | undefined, file: string | undefined): Promise<string | undefined> {
    if (m) return m.join('\n\n')
    if (file === undefined) return undefined
    return (await readFileOrStdin(file, 'log file', 'Check the path given to -F (relative to the current directory; - reads stdin).')).toString('utf8')
  }
}
