import type {SparseChange} from '../core/ops/sparse-checkout.js'

/** The one line `sparse-checkout set|add|disable` prints. */
export function sparseChangeLine(res: SparseChange): string {
  const files = (n: number): string => `${n} file${n === 1 ? '' : 's'}`
  const what = res.sparse ? `sparse: ${res.include.length} path${res.include.length === 1 ? '' : 's'} checked out` : 'not sparse: the whole tree is checked out'
  return `${what} (${files(res.written.length)} written, ${files(res.removed.length)} removed)`
}
