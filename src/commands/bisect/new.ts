import BisectBad from './bad.js'

/** Git's neutral term for bad: the commit has the (not necessarily bad) change being looked for. */
export default class BisectNew extends BisectBad {
  static override summary = 'Same as `bl bisect bad`: the commit has the change you are looking for.'
  static override examples = ['<%= config.bin %> bisect new']
}
