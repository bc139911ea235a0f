// Copied by scripts/bundle-vendor.js to dist/vendor/load.js. Runs a vendored CommonJS bundle
// (oclif, the AWS SDK, openpgp, isomorphic-git) with V8's code cache: Node 20 caches no compiled code between runs, and
// compiling oclif's ~730 KB on every start took about half of what importing it costs (~50 ms of
// CPU per `bl` process; docs/decisions.md, "CLI"). The cache, `<bundle>.<flags>.v8cache`, is
// written by the build for bin/run.js's flags and by the first run under other flags (at most
// four are kept), and rewritten whenever V8 rejects it; where dist/ is not writable bl runs as it
// would without one.
import crypto from 'node:crypto'
import fs from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import vm from 'node:vm'

const here = path.dirname(fileURLToPath(import.meta.url))
const DIGEST = 20

/**
 * The exports of `file` (under dist/vendor), run as the CommonJS module `pkg` is: its `require`,
 * `__filename` and `__dirname` are those of the package's main file in node_modules.
 */
export function loadVendored(file, pkg) {
  const bundle = path.join(here, file)
  const source = fs.readFileSync(bundle, 'utf8')
  // V8 checks a cache against the source's length only: the cache starts with a digest of the
  // source it was made from, so a changed bundle never runs stale code.
  const digest = crypto.createHash('sha1').update(source).digest()
  // V8 also rejects a cache made under other flags (bin/run.js starts node with some; tests and
  // `node bin/run.js` with none; NODE_OPTIONS adds more): one cache per set of flags, so neither
  // keeps replacing the other.
  const flags = crypto.createHash('sha1').update(`${process.version} ${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`).digest('hex').slice(0, 8)
  const cacheFile = `${bundle}.${flags}.v8cache`
  let cachedData
  try {
    const saved = fs.readFileSync(cacheFile)
    if (saved.subarray(0, DIGEST).equals(digest)) cachedData = saved.subarray(DIGEST)
  } catch {}
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __blImport) {${source}\n})`, {filename: bundle, cachedData})
  const main = createRequire(import.meta.url).resolve(pkg)
  const module = {exports: {}}
  // The build turned the bundle's `import()` (oclif loads ESM commands with it) into calls of
  // __blImport: code that vm compiled has no module loader of its own.
  const dynamicImport = (specifier) => import(specifier)
  script.runInThisContext().call(module.exports, module.exports, createRequire(main), module, main, path.dirname(main), dynamicImport)
  if (cachedData === undefined || script.cachedDataRejected) {
    if (cachedData === undefined) makeRoom(file)
    saveCache(cacheFile, digest, script)
  }
  return module.exports
}

/**
 * Keeps at most MAX_CACHES caches of a bundle (another node version or `--cpu-prof-dir=<dir>` is a
 * new set of flags every time): the least recently written go first.
 */
const MAX_CACHES = 4
function makeRoom(file) {
  try {
    const caches = fs
      .readdirSync(here)
      .filter((f) => f.startsWith(`${file}.`) && f.endsWith('.v8cache'))
      .map((f) => ({f, at: fs.statSync(path.join(here, f)).mtimeMs}))
      .sort((a, b) => a.at - b.at)
    for (const {f} of caches.slice(0, Math.max(0, caches.length - MAX_CACHES + 1))) fs.rmSync(path.join(here, f), {force: true})
  } catch {}
}

/** Best effort and atomic (temporary file, then rename): concurrent starts may race to write it. */
function saveCache(cacheFile, digest, script) {
  const tmp = `${cacheFile}.${process.pid}.tmp`
  try {
    fs.writeFileSync(tmp, Buffer.concat([digest, script.createCachedData()]))
    fs.renameSync(tmp, cacheFile)
  } catch {
    try {
      fs.rmSync(tmp, {force: true})
    } catch {}
  }
}
