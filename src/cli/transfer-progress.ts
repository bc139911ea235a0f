/**
 * Progress of push, fetch, clone, pull and checkout/switch/restore, mapped onto a progress view
 * (ui/progress): objects and bytes while content travels, then — when the work tree is written —
 * a `writing` stage counting files and bytes against their totals.
 */
import type {CheckoutProgress} from '../core/ops/checkout.js'
import type {ProgressReporter} from '../ui/progress/progress-tracker.js'

export function transferProgress(p: ProgressReporter, transferPhase: string | null = null): CheckoutProgress {
  let stage: 'transfer' | 'writing' | null = null
  const transfer = (): void => {
    if (stage === 'transfer') return
    stage = 'transfer'
    p.phase(transferPhase, {unit: 'objects'})
  }
  return {
    onObjects(done, total) {
      transfer()
      p.setFiles(done, total)
    },
    onBytes(n) {
      transfer()
      p.addBytes(n)
    },
    onTotals(files, bytes) {
      stage = 'writing'
      p.phase('writing', {files, bytes})
    },
    onFile(_path, bytes) {
      p.addFiles(1)
      p.addBytes(bytes)
    },
  }
}
