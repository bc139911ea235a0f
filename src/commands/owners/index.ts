import OwnersList from './list.js'

/** `bl owners` alone lists, as `bl remote` and Git's `git remote` do. */
export default class OwnersListTopic extends OwnersList {
  static override summary = 'List the policy owners (same as `bl owners list`).'
  static override description = 'Owner keys that sign every change to the protection policy. Alone, `bl owners` lists them.'
  static override examples = ['<%= config.bin %> owners', '<%= config.bin %> owners --json']
}
