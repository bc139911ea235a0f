/**
 * Where schema pins live, and whether a tree has them: all a commit needs to know before it loads
 * the pin checker (pins.ts), which brings the table readers with it.
 */
import type {Oid} from '../hash.js'
import type {Repo} from '../repo.js'
import {lookupPath} from '../tree-build.js'

/** The pin file, at the root of the work tree and of every commit's tree. */
export const PINS_FILE = '.blschema'

/** Does this tree hold a pin file (cheap: one root listing)? */
export function hasPinsFile(repo: Repo, tree: Oid): boolean {
  return lookupPath(repo.store, tree, PINS_FILE) !== undefined
}
