// Lists the modules of build/modules/ (the TypeScript output the build bundles into dist/) a built module reaches through static imports, each with the module
// that first imported it, and their count: `node scripts/module-graph.js commands/status.js`.
// Every module costs start-up time (docs/decisions.md, "CLI"); run it before adding an import to
// a module on a hot path.
import fs from 'node:fs'
import path from 'node:path'

const root = new URL('../build/modules/', import.meta.url).pathname
const start = process.argv[2]
if (!start) {
  console.error('usage: node scripts/module-graph.js <module under build/modules/, e.g. commands/status.js>')
  process.exit(2)
}
const seen = new Map([[start, null]])
const queue = [start]
while (queue.length) {
  const file = queue.shift()
  const src = fs.readFileSync(path.join(root, file), 'utf8')
  for (const m of src.matchAll(/^import\s+(?:[^'"]*?from\s+)?['"](\.[^'"]+)['"]/gm)) {
    const target = path.normalize(path.join(path.dirname(file), m[1]))
    if (!seen.has(target)) {
      seen.set(target, file)
      queue.push(target)
    }
  }
}
for (const [mod, by] of seen) console.log(by ? `${mod} <- ${by}` : mod)
console.log(`${seen.size} modules`)
