/**
 * The schema half of `bl verify`: every commit reachable from a branch tip is judged by the pins of
 * its own tree (the `.blschema` it holds), exactly as `bl commit` would have judged it. History
 * written by a client that does not check pins (an older bl, a tool writing objects directly) is
 * reported, not repaired. Commits from before a pin existed hold no pin and are never violations.
 */
import {isBlError} from '../errors.js'
import type {CommitGraph} from '../graph.js'
import type {Oid} from '../hash.js'
import type {Violation} from '../protect/rules.js'
import type {Repo} from '../repo.js'
import {hasPinsFile, PINS_FILE, treeViolations, type PinViolation} from './pins.js'

/** A `bl verify` violation of a schema pin: the protection `<violation>` plus the pin's report. */
export type SchemaHistoryViolation = Violation & Omit<PinViolation, 'message'> & {check: 'schema'}

export interface SchemaAudit {
  branch: string
  ref: string
  commit: Oid
  /** Commits holding a `.blschema` that were checked. */
  checked: number
  violations: SchemaHistoryViolation[]
}

/** Violations per commit id, shared by the branches of one audit (a commit is checked once). */
export type SchemaAuditCache = Map<Oid, PinViolation[]>

export async function auditSchemaPins(repo: Repo, graph: CommitGraph, target: {branch: string; ref: string; commit: Oid}, cache: SchemaAuditCache = new Map()): Promise<SchemaAudit> {
  const out: SchemaHistoryViolation[] = []
  let checked = 0
  for (const id of graph.range([target.commit], [])) {
    const c = graph.commit(id)
    if (!hasPinsFile(repo, c.tree)) continue
    checked++
    let vs = cache.get(id)
    if (!vs) {
      const parentTree = c.parents[0] ? graph.commit(c.parents[0]).tree : null
      const where = `${id.slice(0, 12)}:${PINS_FILE}`
      try {
        vs = await treeViolations(repo, c.tree, parentTree, where)
      } catch (err) {
        if (!isBlError(err) || err.code !== 'BAD_CONFIG') throw err
        vs = [{path: PINS_FILE, pattern: null, column: null, problem: 'invalid-pins', expected: null, actual: err.message, message: err.message}]
      }
      cache.set(id, vs)
    }
    for (const v of vs) out.push({branch: target.branch, commit: id, rule: v.pattern ?? PINS_FILE, check: 'schema', ...v})
  }
  return {...target, checked, violations: out}
}
