import KeyList from './list.js'

/** `bl key` alone lists, as `bl remote` and Git's `git remote` do. */
export default class KeyListTopic extends KeyList {
  static override summary = 'List your keys (same as `bl key list`).'
  static override description = 'Manage OpenPGP keys for signing commits (stored in the user config directory). Alone, `bl key` lists them.'
  static override examples = ['<%= config.bin %> key', '<%= config.bin %> key --json']
}
