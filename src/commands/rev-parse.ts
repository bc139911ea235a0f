import {Flags} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {revParse, type RevParseResult} from '../core/ops/rev-parse.js'
import {abbrevRef} from '../core/refs/revision.js'

export default class RevParse extends BlCommand {
  static override summary = 'Print the ids that revisions name (for scripts).'
  static override description = `One line per revision: a commit's full id; <rev>^{tree} the commit's tree; <rev>:<path> (or :<path> for the index) the id of that file, the BLAKE3 that b3sum prints, or of that directory.
Revisions are those of every command: branch, tag, id prefix, HEAD, @{-1}, @{u}, ~N, ^N, <ref>@{N}.`
  static override examples = [
    '<%= config.bin %> rev-parse HEAD',
    '<%= config.bin %> rev-parse --short main@{u}',
    '<%= config.bin %> rev-parse --abbrev-ref HEAD',
    '<%= config.bin %> rev-parse v1.0:data/labels.csv',
    '<%= config.bin %> rev-parse --verify "$REV" || exit 1',
    '<%= config.bin %> rev-parse --show-toplevel',
  ]
  static override strict = false
  static override flags = {
    short: Flags.boolean({description: 'Print ids abbreviated to 12 digits.'}),
    'abbrev-ref': Flags.boolean({description: 'Print the short name of the ref a revision names (HEAD when detached), not an id.'}),
    'symbolic-full-name': Flags.boolean({description: 'Print the full name of the ref a revision names (nothing for an id).', exclusive: ['abbrev-ref']}),
    verify: Flags.boolean({description: 'Exactly one revision, which must exist.'}),
    'show-toplevel': Flags.boolean({description: 'Print the root of the work tree.'}),
  }

  async run(): Promise<RevParseResult> {
    const {argv, flags} = await this.parse(RevParse)
    const res = revParse(this.repo(), argv as string[], {verify: flags.verify, showToplevel: flags['show-toplevel']})
    if (res.toplevel !== null) this.out(res.toplevel)
    for (const r of res.revs) {
      // A revision that names no ref (a commit, a detached HEAD's ~N) prints nothing, as in Git.
      if (flags['abbrev-ref']) {
        if (r.ref) this.out(abbrevRef(this.repo(), r.ref))
        else if (r.rev === 'HEAD' || r.rev === '@') this.out('HEAD')
      } else if (flags['symbolic-full-name']) {
        if (r.ref) this.out(r.ref)
      } else this.out(flags.short ? r.id.slice(0, 12) : r.id)
    }
    return res
  }
}
