// Bundles each command (and each worker and hook) of the TypeScript output, build/modules/, into
// one ES module of its own under dist/, at the same path (dist/commands/status.js, ...). Node
// resolved, read and compiled ~50 files one by one on every start of a command; one file per
// command took ~30 ms (~8%) off the CPU time of every `bl` process (docs/decisions.md, "CLI").
// Every entry is built on its own, with code splitting, so what a command imports statically is
// in its one file and what it imports dynamically (Ink, the S3 client, ...) stays in chunks it
// loads only when needed. Packages stay external (node_modules), as does `#oclif` (one copy of
// oclif, dist/vendor/oclif-core.js). A module that finds a file next to itself would break
// here: such files are named through package.json "imports" (#native-addon, #ingest-worker,
// #stats-worker).
import {build} from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const modules = path.join(root, 'build/modules')
const dist = path.join(root, 'dist')

const walk = (dir) =>
  fs.readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.js') ? [path.join(dir, e.name)] : []))

const entries = [
  ...walk(path.join(modules, 'commands')),
  path.join(modules, 'cli/command-not-found.js'),
  path.join(modules, 'cli/help.js'),
  path.join(modules, 'core/worktree/ingest-worker.js'),
  path.join(modules, 'core/tables/stats-worker.js'),
]

await Promise.all(
  entries.map((entry) => {
    const rel = path.relative(modules, entry)
    return build({
      entryPoints: [entry],
      outbase: modules,
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outdir: dist,
      // Each entry's lazily loaded parts, apart from every other entry's (and outside
      // dist/commands, where oclif takes every file for a command).
      chunkNames: `chunks/${rel.replace(/\.js$/, '').replaceAll('/', '-')}/[name]-[hash]`,
      packages: 'external',
      external: ['#*'],
      logLevel: 'warning',
    })
  }),
)
console.log(`dist/: ${entries.length} entries bundled`)
