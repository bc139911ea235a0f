#!/bin/sh
":" //; export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.mmap_threshold=8388608:glibc.malloc.trim_threshold=67108864:glibc.malloc.hugetlb=1}"; exec node --max-semi-space-size=8 "$0" "$@"
// The two lines above are read by sh when this file is run as a program (`bl`, `npx bl`): they
// tune glibc's allocator and exec node on this same file (same process, so signals and exit codes
// are node's), with V8's young generation at half its default size. To node, line 2 is a string
// and a comment. Why the allocator: bl moves data through 4-8 MiB buffers, and glibc by default
// hands their memory back to the kernel after each garbage collection, so every new buffer
// page-faults again (~1 s per GiB here): with the heap kept (up to 64 MiB of free heap, blocks
// under 8 MiB from the heap), a D1 checkout took 2.6 s instead of 3.4-3.9 s and a D2 add 3.4 s
// instead of 4.4 s at the same peak RSS (docs/decisions.md). hugetlb=1 backs the heap with
// transparent huge pages where the kernel allows them (madvise mode): one fault per 2 MiB instead
// of per 4 KiB as it grows (D2 status ~35 ms faster). A GLIBC_TUNABLES of the user's own is kept;
// other C libraries ignore the variable. Why the young generation: 8 MiB semi-spaces
// instead of 16 took ~20 MB off the peak RSS of a D2 add (273 -> 253 MB) and checkout at the same
// speed.

// React (bl browse, progress views) runs its production build: the development one is slower and warns.
process.env.NODE_ENV ??= 'production'
// oclif would check its own engines range (node >= 18) by loading semver on every start; bl
// requires node >= 20 anyway (package.json engines).
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
// A reader that went away (`bl log | head -1`): stop at once and quietly with 141, the status Git
// and other Unix tools end with when SIGPIPE kills them (Node ignores the signal and reports EPIPE
// on the next write instead, which would surface as an internal error or a hung flush).
process.stdout.on('error', (error) => {
  if (error?.code === 'EPIPE') process.exit(141)
  throw error
})
import {existsSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

// oclif bundled into one module by the build (scripts/bundle-vendor.js): ~45 ms less per start.
const {handle, flush, run} = await import('#oclif')

// Global flags may come before the command, as in Git (`bl --json status`): they move to just
// after it (before a `--`, after which everything is a path).
const argv = process.argv.slice(2)
const lead = []
while (argv[0] === '--json' || argv[0] === '-q' || argv[0] === '--quiet') lead.push(argv.shift())
if (lead.length && argv.length && !argv[0].startsWith('-')) {
  const end = argv.indexOf('--')
  argv.splice(end < 0 ? argv.length : end, 0, ...lead)
} else argv.unshift(...lead)

// `bl --version --json`: the version as JSON, from the version command (oclif's --version prints text only).
if (argv.length === 2 && argv.includes('--version') && argv.includes('--json')) argv.splice(0, 2, 'version', '--json')

// Help as JSON (`bl help commit --json`, `bl commit -h --json`): oclif's `help` command takes no
// --json, so both become `<command> --help --json`, which oclif hands to bl's help class
// (package.json oclif.helpClass, src/cli/help.ts).
const jsonHelp = helpAsJson(argv)
if (jsonHelp) argv.splice(0, argv.length, ...jsonHelp)

// A command of bl's own runs without loading oclif's help, autocomplete and plugins plugins: they
// add only their own commands (and hooks on plugin installs), and reading them took ~8% of every
// start. Help (`help`, `-h`, `--help`), their commands and unknown names (the not-found hook
// suggests any command) load everything.
await run(argv, ownCommand(argv) ? {root: fileURLToPath(new URL('..', import.meta.url)), pjson: withoutCorePlugins()} : import.meta.url)
  .then(() => flush())
  .catch((error) => {
    // The help, autocomplete and plugins plugins bring their own @oclif/core from node_modules. Its
    // ExitError (`bl plugins install -h`) is not an instance of the bundle's class, and oclif's
    // handler would print it as an error: it is a plain exit with its code.
    if (error?.code === 'EEXIT' && typeof error?.oclif?.exit === 'number') error.skipOclifErrorHandling = true
    return handle(error)
  })

function ownCommand(args) {
  const [name] = args
  if (!name || !/^[a-z][a-z-]*$/.test(name) || name === 'help') return false
  const end = args.indexOf('--')
  if (args.slice(0, end < 0 ? args.length : end).some((a) => a === '--help' || a === '-h')) return false
  const commands = new URL('../dist/commands/', import.meta.url)
  return existsSync(new URL(`${name}.js`, commands)) || existsSync(new URL(`${name}/`, commands))
}

function helpAsJson(args) {
  const end = args.indexOf('--')
  const head = end < 0 ? args : args.slice(0, end)
  if (!head.includes('--json') || !(head[0] === 'help' || head.includes('--help') || head.includes('-h'))) return undefined
  const words = (head[0] === 'help' ? head.slice(1) : head).filter((a) => a !== '--help' && a !== '-h')
  return [...words, '--help', ...(end < 0 ? [] : args.slice(end))]
}

function withoutCorePlugins() {
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  pjson.oclif.plugins = []
  return pjson
}
