import SignersList from './list.js'

/** `bl signers` alone lists, as `bl remote` and Git's `git remote` do. */
export default class SignersListTopic extends SignersList {
  static override summary = 'List the trusted signers (same as `bl signers list`).'
  static override description = 'Keys trusted to sign commits on protected branches. Alone, `bl signers` lists them.'
  static override examples = ['<%= config.bin %> signers', '<%= config.bin %> signers --json']
}
