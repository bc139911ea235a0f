/**
 * Fixes in third-party code that bl needs and upstream does not have yet, applied after every
 * install (run by `npm run build`, which `npm install` runs). Each fix replaces one exact piece
 * of source and is idempotent; when the dependency changed and the piece is gone, the build fails
 * loudly rather than running unpatched.
 *
 * hyparquet 1.33 (src/encoding.js): a run-length or bit-packed run longer than the values left to
 * decode was still iterated to its end, and a run header with the top bit set gave a negative
 * length that never counted down to zero. A damaged or hostile page then spins for minutes or
 * forever: found by `npm run fuzz`. The fix stops at the values the page holds and rejects a
 * negative run, an empty run and a read position that is not a number (a damaged page header
 * made it NaN, and every read then returned byte 0 again).
 *
 * hyparquet 1.33 (src/rowgroup.js): when a damaged footer makes a row group's later column throw
 * while it is being set up, the reads already started for earlier columns reject later with no
 * handler, and Node ends the process on an unhandled rejection. The fix marks each read handled
 * as it starts; its error still reaches the caller through the normal path.
 */
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const patches = [
  {
    file: 'node_modules/hyparquet/src/encoding.js',
    from: '  for (let i = 0; i < count; i++) {\n    output[seen + i] = value\n  }',
    to: '  const end = Math.min(count, output.length - seen) // bl: bounded run\n  for (let i = 0; i < end; i++) {\n    output[seen + i] = value\n  }',
  },
  {
    file: 'node_modules/hyparquet/src/encoding.js',
    from: '      // rle\n      const count = header >>> 1\n',
    to: "      // rle\n      const count = header >>> 1\n      if (!count || !(reader.offset >= 0)) throw new Error('parquet rle run of length 0 or at no offset') // bl: bounded run\n",
  },
  {
    file: 'node_modules/hyparquet/src/encoding.js',
    from: '  // read values\n  while (count) {',
    to: "  // read values\n  if (count < 0) throw new Error('parquet bit-packed run of negative length') // bl: bounded run\n  if (!bitWidth) count = Math.min(count, output.length - seen) // bl: bounded run\n  while (count) {",
  },
  {
    file: 'node_modules/hyparquet/src/thrift.js',
    from: '  while (true) {\n    // Read groups of 7 low bits until high bit is 0\n    const byte = reader.view.getUint8(reader.offset++)',
    to: "  while (true) {\n    // Read groups of 7 low bits until high bit is 0\n    if (!(reader.offset >= 0)) throw new Error('parquet read at no offset') // bl: a NaN offset reads byte 0 forever\n    const byte = reader.view.getUint8(reader.offset++)",
  },
  {
    file: 'node_modules/hyparquet/src/rowgroup.js',
    from: '  /** @type {AsyncColumn[]} */\n  const asyncColumns = []\n',
    to: '  /** @type {AsyncColumn[]} */\n  const asyncColumns = []\n  // bl: a column read started before a later column throws must not reject unhandled (that kills the process)\n  asyncColumns.push = (...cols) => { for (const c of cols) c.data.catch(() => {}); return Array.prototype.push.apply(asyncColumns, cols) }\n',
  },
]

let failed = false
for (const p of patches) {
  const file = path.join(root, p.file)
  if (!fs.existsSync(file)) continue // not installed (e.g. a production install without it)
  const src = fs.readFileSync(file, 'utf8')
  if (src.includes(p.to)) continue
  if (!src.includes(p.from)) {
    console.error(`patch-deps: ${p.file} changed upstream; re-check the fix described in scripts/patch-deps.js`)
    failed = true
    continue
  }
  fs.writeFileSync(file, src.replace(p.from, p.to))
}
process.exit(failed ? 1 : 0)
