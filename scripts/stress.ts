/**
 * `npm run stress`: the hardening suites of test/hardening at their long settings (BL_STRESS=1:
 * more crash trials, longer fuzz runs, every fault schedule), one file at a time so timings stay
 * readable. `npm test` runs the same files in their bounded form.
 */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dir = path.join(root, 'test', 'hardening')
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join('test', 'hardening', f))
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: {...process.env, BL_STRESS: '1'},
})
process.exit(r.status ?? 1)
