// Bundles two CommonJS packages, each with its dependencies, into one ES module under dist/vendor/,
// which bl imports through package.json "imports" (TypeScript takes their types from the
// src/vendor/*.d.ts files, which re-export the package's):
// - `#oclif` -> dist/vendor/oclif-core.js (@oclif/core): bin/run.js and every command. Loading
//   oclif file by file meant resolving and reading ~250 modules on every start: ~45 ms of a
//   ~250 ms `bl --version` on this machine. The plugins (help, autocomplete, plugins) keep loading
//   their own copy from node_modules when one of their commands runs; oclif talks to them through
//   plain objects.
// - `#aws-s3` -> dist/vendor/aws-s3.js (@aws-sdk/client-s3), imported only by the S3 transport:
//   ~300 modules that took ~250 ms to load on every push, fetch or clone over S3.
// docs/decisions.md, "CLI".
import {build} from 'esbuild'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

async function vendor(pkg, file) {
  const names = Object.keys(require(pkg)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n))
  await build({
    stdin: {
      contents: `import * as lib from '${pkg}'\nexport const {${names.join(', ')}} = lib\n`,
      resolveDir: root,
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: path.join(root, 'dist/vendor', file),
    // Loaded by oclif only to run TypeScript sources in development (bin/dev.js); the AWS SDK's
    // optional native CRT, not installed.
    external: ['typescript', 'ts-node', 'aws-crt', '@aws-sdk/signature-v4-crt'],
    // CommonJS needs `require`, and oclif reads its own package.json next to `__dirname`.
    banner: {
      js: [
        "import {createRequire as __blCreateRequire} from 'node:module'",
        "import {dirname as __blDirname} from 'node:path'",
        'const require = __blCreateRequire(import.meta.url)',
        `const __filename = require.resolve('${pkg}')`,
        'const __dirname = __blDirname(__filename)',
      ].join('\n'),
    },
    logLevel: 'warning',
  })
  console.log(`dist/vendor/${file}: ${pkg} bundled (${names.length} exports)`)
}

await vendor('@oclif/core', 'oclif-core.js')
await vendor('@aws-sdk/client-s3', 'aws-s3.js')
