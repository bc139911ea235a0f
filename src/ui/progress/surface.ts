/** Where a progress display draws: Ink on a terminal, plain lines in a log. */
import type {ProgressViewProps} from './ProgressView.js'

export interface ProgressSurface {
  /** Draws the current state (the first call starts drawing). */
  show(props: ProgressViewProps): void
  /** Draws the final state (`props.summary` set) and stops for good. */
  close(props: ProgressViewProps): void
}
