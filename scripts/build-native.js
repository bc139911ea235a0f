/**
 * Builds bl's own native addon (native/: the one-call directory reader, dir_stat.c, and a
 * status's scan of the tracked files, tracked_scan.c) with the node-gyp that npm ships, against the Node headers npm is configured with (`nodedir`), as npm
 * builds better-sqlite3. Run by `npm install` (the `install` script, also where bl is installed
 * as a package, which ships these sources and no binary) and by `npm run build`.
 *
 * The addon is an accelerator, not a requirement: where it cannot be built (no C compiler, no
 * headers) the build prints one warning and bl reads directories with Node's fs instead, with
 * the same results and a slower `status` on big trees. `npm test` has a test that fails when the
 * addon is missing, so a machine that should have it does not silently lose it.
 * A build is skipped when the binary is newer than its sources.
 */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dir = path.join(root, 'native')
const binary = path.join(dir, 'build', 'Release', 'bl_native.node')
const sources = ['binding.gyp', 'dir_stat.c', 'tracked_scan.c'].map((f) => path.join(dir, f))

const mtime = (f) => fs.statSync(f, {throwIfNoEntry: false})?.mtimeMs ?? 0
if (mtime(binary) > Math.max(...sources.map(mtime))) process.exit(0)

// npm tells scripts where its node-gyp is; run by hand, look next to this node's npm.
const gyp =
  process.env.npm_config_node_gyp ?? path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
// Node's own headers installed beside this node (what npm's `nodedir` points at on our machines):
// without them node-gyp would try to download them.
const prefix = path.resolve(path.dirname(process.execPath), '..')
const nodedir = process.env.npm_config_nodedir ?? (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined)
const res = spawnSync(process.execPath, [gyp, 'rebuild', '--release', ...(nodedir ? [`--nodedir=${nodedir}`] : [])], {cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8'})
if (res.status !== 0) {
  const why = (res.error?.message ?? res.stderr.split('\n').find((l) => /ERR!.*(error|Error)/.test(l)) ?? `exit ${res.status}`).trim()
  console.warn(`bl: the native directory reader was not built (${why}); bl uses Node's fs instead (slower status on large trees).`)
  console.warn('    To build it: install a C compiler, Python 3 and the Node headers (or let node-gyp download them), then run `npm run build` again.')
}
