/**
 * Preloaded into `bl` by the crash harness (NODE_OPTIONS=--require): writes one byte to fd 3 when
 * bl first looks for its repository database (findRoot in src/core/repo.ts), so kill delays are
 * measured from where the command's work begins rather than from a process start-up whose length
 * varies with the machine's load. bl itself is not changed.
 */
'use strict'
const fs = require('node:fs')
const existsSync = fs.existsSync
let sent = false
fs.existsSync = function (p, ...rest) {
  if (!sent && typeof p === 'string' && p.endsWith('/.bl/bl.db')) {
    sent = true
    try {
      fs.writeSync(3, 'w')
    } catch {
      // no harness listening: nothing to tell
    }
  }
  return existsSync.call(this, p, ...rest)
}
