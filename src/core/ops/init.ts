import type {Context} from '../context.js'
import {checkBranchName} from '../refs/refs.js'
import {createRepo} from '../repo.js'

export interface InitResult {
  root: string
  branch: string
}

export function init(ctx: Context, opts: {dir?: string; initialBranch?: string}): InitResult {
  const branch = checkBranchName(opts.initialBranch ?? 'main')
  const repo = createRepo(ctx, opts.dir ?? '.', branch)
  const root = repo.root
  repo.close()
  return {root, branch}
}
