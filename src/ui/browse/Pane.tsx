/** A bordered pane: a title line, then lines; the selected one is drawn inverted (dim when the pane is not in focus). */
import React, {useRef} from 'react'
import {Box, Text} from 'ink'
import {scrollTop} from './layout.js'
import type {Line} from './format.js'
import {clean, fit} from '../text.js'

export interface PaneProps {
  title: string
  width: number
  height: number
  focused: boolean
  /** The lines, or how many there are and how to make one (a directory of 100,000 files formats only what shows). */
  lines: Line[] | LazyLines
  /** Index into `lines` of the selected one; the pane scrolls to keep it in view. */
  selected?: number
  /** First line shown when nothing is selected (a scrolled text pane). */
  top?: number
  /** Shown instead of lines: 'loading' or an error message. */
  status?: {loading: true} | {error: string} | {empty: string}
}

export interface LazyLines {
  count: number
  at(i: number): Line
}

export function Pane({title, width, height, focused, lines, selected, top, status}: PaneProps): React.JSX.Element {
  const inner = Math.max(1, width - 2)
  const rows = Math.max(1, height - 3)
  const lastTop = useRef(0)
  const count = Array.isArray(lines) ? lines.length : lines.count
  let first = top ?? 0
  if (selected !== undefined) {
    first = scrollTop(selected, rows, count, lastTop.current)
    lastTop.current = first
  }
  const shown: Line[] = []
  for (let i = first; i < Math.min(count, first + rows); i++) shown.push(Array.isArray(lines) ? lines[i]! : lines.at(i))
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={focused ? 'cyan' : 'gray'} overflow="hidden">
      <Text bold color={focused ? 'cyan' : undefined} wrap="truncate">
        {fit(clean(title), inner)}
      </Text>
      {status && 'loading' in status ? <Text dimColor>Loading...</Text> : null}
      {status && 'error' in status ? <Text color="red" wrap="truncate">{fit(clean(status.error), inner)}</Text> : null}
      {status && 'empty' in status ? <Text dimColor wrap="truncate">{fit(status.empty, inner)}</Text> : null}
      {status
        ? null
        : shown.map((l, i) => {
            const isSel = selected === first + i
            return (
              <Text key={first + i} wrap="truncate" color={l.color} bold={l.bold} dimColor={l.dim || (isSel && !focused)} inverse={isSel}>
                {fit(l.text, inner)}
              </Text>
            )
          })}
    </Box>
  )
}
