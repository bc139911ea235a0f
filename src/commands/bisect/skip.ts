import {BisectMarkCommand} from '../../cli/bisect-command.js'

export default class BisectSkip extends BisectMarkCommand {
  static override summary = 'Skip commits that cannot be tested; bl picks another nearby.'
  static override examples = ['<%= config.bin %> bisect skip', '<%= config.bin %> bisect skip v1 v2']
  static override mark = 'skip' as const
}
