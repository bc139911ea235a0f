/**
 * One piece of long work on a terminal: finished stages and warnings above (printed once, via
 * <Static>), and a live line with a bar, counts, bytes, rate and ETA. Presentational: everything
 * comes in props; the words are progress-model's, the same as the plain lines in a log.
 */
import React from 'react'
import {Static, Text} from 'ink'
import {figures, progressBody, type ProgressSnapshot} from './progress-model.js'

export interface ProgressViewProps extends ProgressSnapshot {
  /** Lines of finished stages and warnings, in order; each is printed once, above the live line. */
  finished?: readonly string[]
  /** Set when the work is over: the line that replaces the live one (null: none). */
  summary?: string | null
  /** Colours and bold (off for NO_COLOR / BL_COLOR=never). */
  color?: boolean
}

const BAR_WIDTH = 20

export function bar(fraction: number, width = BAR_WIDTH): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width)
  return '█'.repeat(full) + '░'.repeat(width - full)
}

export function ProgressView(props: ProgressViewProps): React.JSX.Element {
  const {finished = [], summary, color = true} = props
  const f = figures(props)
  return (
    <>
      <Static items={[...finished]}>{(line, i) => <Text key={i}>{line}</Text>}</Static>
      {summary === undefined ? (
        // Truncated, never wrapped: a wrapped line would leave its tail behind on each redraw.
        <Text wrap="truncate-end">
          <Text bold={color}>{f.prefix}</Text>
          {f.fraction === null ? null : <Text color={color ? 'cyan' : undefined}>{bar(f.fraction)} </Text>}
          {progressBody(f)}
        </Text>
      ) : summary === null ? null : (
        <Text>{summary}</Text>
      )}
    </>
  )
}
