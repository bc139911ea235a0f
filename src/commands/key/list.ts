import {BlCommand} from '../../cli/base-command.js'
import {keyLines} from '../../cli/signature-format.js'
import {keyList, type KeyView} from '../../core/ops/keys.js'

export default class KeyList extends BlCommand {
  static override summary = 'List the keys in your keyring ("sec" = you hold the secret key).'
  static override examples = ['<%= config.bin %> key list', '<%= config.bin %> key list --json']

  async run(): Promise<KeyView[]> {
    await this.parse(KeyList)
    const keys = await keyList(this.context())
    keys.forEach((k, i) => {
      if (i) this.out()
      for (const l of keyLines(k, Date.now())) this.out(l)
    })
    return keys
  }
}
