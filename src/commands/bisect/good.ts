import {BisectMarkCommand} from '../../cli/bisect-command.js'

export default class BisectGood extends BisectMarkCommand {
  static override summary = 'Mark commits good (old): before the change you are looking for.'
  static override examples = ['<%= config.bin %> bisect good', '<%= config.bin %> bisect good v1 v2']
  static override mark = 'good' as const
}
