/** The `?` overlay: every key, in a box over the panes. */
import React from 'react'
import {Box, Text} from 'ink'
import {KEY_HELP} from './keys.js'
import {fit} from '../text.js'

export function HelpOverlay({width, height}: {width: number; height: number}): React.JSX.Element {
  const inner = Math.max(1, width - 4)
  const keyW = Math.min(22, Math.floor(inner / 3))
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor="cyan" paddingX={1} overflow="hidden">
      <Text bold color="cyan">{fit('bl browse: keys', inner)}</Text>
      {KEY_HELP.slice(0, Math.max(0, height - 4)).map(([k, what]) => (
        <Text key={k} wrap="truncate">
          <Text bold>{fit(k, keyW)}</Text>
          {fit(' ' + what, inner - keyW)}
        </Text>
      ))}
      <Text dimColor>{fit('Any key closes this help; q quits.', inner)}</Text>
    </Box>
  )
}
