// Bundles @oclif/core and its dependencies into one ES module, dist/vendor/oclif-core.js, which
// bin/run.js and every command import as `#oclif` (package.json "imports"; TypeScript takes the
// types of @oclif/core through tsconfig "paths"). Loading oclif file by file meant resolving and
// reading ~250 modules on every start: ~45 ms of a ~250 ms `bl --version` on this machine
// (docs/decisions.md, "CLI"). The plugins (help, autocomplete, plugins) keep loading their own copy
// from node_modules when one of their commands runs; oclif talks to them through plain objects.
import {build} from 'esbuild'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const names = Object.keys(require('@oclif/core')).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n))

await build({
  stdin: {
    contents: `import * as core from '@oclif/core'\nexport const {${names.join(', ')}} = core\n`,
    resolveDir: root,
    loader: 'js',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: path.join(root, 'dist/vendor/oclif-core.js'),
  // Loaded by oclif only to run TypeScript sources in development (bin/dev.js).
  external: ['typescript', 'ts-node'],
  // oclif is CommonJS: it needs `require` and reads its own package.json next to `__dirname`.
  banner: {
    js: [
      "import {createRequire as __blCreateRequire} from 'node:module'",
      "import {dirname as __blDirname} from 'node:path'",
      'const require = __blCreateRequire(import.meta.url)',
      "const __filename = require.resolve('@oclif/core')",
      'const __dirname = __blDirname(__filename)',
    ].join('\n'),
  },
  logLevel: 'warning',
})
console.log(`dist/vendor/oclif-core.js: @oclif/core bundled (${names.length} exports)`)
