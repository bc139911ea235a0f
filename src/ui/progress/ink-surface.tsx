/**
 * Progress drawn by Ink on a terminal. Loaded with a dynamic import by renderProgress, so runs
 * that print plain lines never load Ink and React. Closing renders the summary as the last frame
 * and unmounts: the terminal keeps that line, never a half-drawn frame, and gets its cursor back.
 */
import React from 'react'
import {render, type Instance} from 'ink'
import {ProgressView, type ProgressViewProps} from './ProgressView.js'
import type {ProgressSurface} from './surface.js'

export function inkSurface(stream: NodeJS.WriteStream): ProgressSurface {
  let app: Instance | undefined
  const draw = (props: ProgressViewProps): Instance => {
    const el = <ProgressView {...props} />
    if (app) app.rerender(el)
    // No input is read: Ink leaves stdin alone; Ctrl-C keeps its default meaning.
    else app = render(el, {stdout: stream, stderr: stream, patchConsole: false, exitOnCtrlC: false})
    return app
  }
  return {
    show: (props) => void draw(props),
    close(props) {
      if (!app) return
      const a = draw(props)
      a.unmount()
      a.cleanup()
      app = undefined
    },
  }
}
