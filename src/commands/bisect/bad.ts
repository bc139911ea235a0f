import {BisectMarkCommand} from '../../cli/bisect-command.js'

export default class BisectBad extends BisectMarkCommand {
  static override summary = 'Mark a commit bad (new): it has the change you are looking for.'
  static override examples = ['<%= config.bin %> bisect bad', '<%= config.bin %> bisect bad HEAD~3']
  static override mark = 'bad' as const
}
