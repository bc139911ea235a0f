/**
 * Configuration: repo level (the `config` table of the store) over user level (a JSON file in the
 * user's config directory), like Git's .git/config over ~/.gitconfig. Keys are `section.name`.
 */
import fs from 'node:fs'
import path from 'node:path'
import {BlError, fsError, printable} from './errors.js'

// `section[.sub.section].name`. The optional middle is one group: written as `(\.[^.]…)*` with dots
// inside, it matched the same keys but backtracked exponentially on `a.a.a.a….!`.
const KEY_RE = /^[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z0-9_*/-][a-zA-Z0-9_.*/-]*)?\.[a-zA-Z][a-zA-Z0-9-]*$/

export function parseConfigKey(key: string): string {
  if (!KEY_RE.test(key)) throw new BlError('BAD_CONFIG', `invalid config key "${printable(key)}"`, {hint: 'Keys look like section.name, e.g. user.email.'})
  return key
}

/**
 * Settings from the environment, Git's GIT_CONFIG_COUNT scheme under bl's prefix:
 * BL_CONFIG_COUNT=N, then BL_CONFIG_KEY_<i> / BL_CONFIG_VALUE_<i> for i < N. They win over the
 * repository and user files (docs/configuration.md), so CI can configure bl without writing any.
 */
export function envConfig(env: Readonly<Record<string, string | undefined>>): Map<string, string> {
  const out = new Map<string, string>()
  const raw = env.BL_CONFIG_COUNT
  if (raw === undefined || raw === '') return out
  const count = Number(raw)
  if (!Number.isInteger(count) || count < 0 || count > 1000)
    throw new BlError('BAD_CONFIG', `BL_CONFIG_COUNT is "${printable(raw)}"; expected a number of settings (0-1000)`, {hint: 'Set BL_CONFIG_COUNT=N with BL_CONFIG_KEY_0..N-1 and BL_CONFIG_VALUE_0..N-1.'})
  for (let i = 0; i < count; i++) {
    const key = env[`BL_CONFIG_KEY_${i}`]
    const value = env[`BL_CONFIG_VALUE_${i}`]
    if (key === undefined || value === undefined)
      throw new BlError('BAD_CONFIG', `BL_CONFIG_COUNT is ${count} but BL_CONFIG_${key === undefined ? 'KEY' : 'VALUE'}_${i} is not set`, {hint: 'Set a key and a value for every index below BL_CONFIG_COUNT.'})
    out.set(parseConfigKey(key), value)
  }
  return out
}

export function encodeUserConfig(all: Record<string, string>): string {
  return JSON.stringify(all, Object.keys(all).sort(), 2) + '\n'
}

/** The user config file: one JSON object of string settings (other values are ignored). */
export function decodeUserConfig(text: string, file: string): Record<string, string> {
  try {
    const obj = JSON.parse(text) as unknown
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('not an object')
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(obj)) if (typeof v === 'string') out[k] = v
    return out
  } catch (err) {
    throw new BlError('BAD_CONFIG', `${file} is not valid JSON: ${printable((err as Error).message)}`, {hint: 'Fix or delete the file.'})
  }
}

export class UserConfig {
  private readonly file: string

  constructor(dir: string) {
    this.file = path.join(dir, 'config.json')
  }

  private load(): Record<string, string> {
    let text: string
    try {
      text = fs.readFileSync(this.file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
      throw fsError(err, this.file, 'reading')
    }
    return decodeUserConfig(text, this.file)
  }

  get(key: string): string | undefined {
    return this.load()[key]
  }

  list(): Record<string, string> {
    return this.load()
  }

  set(key: string, value: string | undefined): boolean {
    const all = this.load()
    const existed = key in all
    if (value === undefined) delete all[key]
    else all[key] = value
    fs.mkdirSync(path.dirname(this.file), {recursive: true})
    const tmp = `${this.file}.${process.pid}.tmp`
    fs.writeFileSync(tmp, encodeUserConfig(all), {mode: 0o600})
    fs.renameSync(tmp, this.file)
    return existed
  }
}

/** Git's spellings of a boolean setting (case-insensitive): true/yes/on/1 and false/no/off/0; undefined for anything else. */
export function parseGitBool(v: string): boolean | undefined {
  const l = v.toLowerCase()
  if (l === 'true' || l === 'yes' || l === 'on' || l === '1') return true
  if (l === 'false' || l === 'no' || l === 'off' || l === '0') return false
  return undefined
}
