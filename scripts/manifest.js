// Generates oclif.manifest.json from the built commands (what `oclif manifest` does), so a
// cold start reads one JSON file instead of importing every command module.
import {Plugin} from '#oclif'
import {writeFileSync, rmSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import path from 'node:path'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
rmSync(path.join(root, 'oclif.manifest.json'), {force: true})
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true})
await plugin.load()
writeFileSync(path.join(root, 'oclif.manifest.json'), JSON.stringify(plugin.manifest, null, 2) + '\n')
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`)
