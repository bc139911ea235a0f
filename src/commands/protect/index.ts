import ProtectList from './list.js'

/** `bl protect` alone lists, as `bl remote` and Git's `git remote` do. */
export default class ProtectListTopic extends ProtectList {
  static override summary = 'List the protection rules (same as `bl protect list`).'
  static override description = 'Branch protection rules (signed by the policy\'s owners; enforced on commit, push and fetch). Alone, `bl protect` lists them.'
  static override examples = ['<%= config.bin %> protect', '<%= config.bin %> protect --json']
}
