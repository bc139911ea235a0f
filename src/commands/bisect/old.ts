import BisectGood from './good.js'

/** Git's neutral term for good: the commit is from before the change being looked for. */
export default class BisectOld extends BisectGood {
  static override summary = 'Same as `bl bisect good`: the commit is from before the change you are looking for.'
  static override examples = ['<%= config.bin %> bisect old v1']
}
