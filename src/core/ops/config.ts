/**
 * bl config: get, set, unset and list, at repo level (default) or user level (--global). Settings
 * from BL_CONFIG_* (scope `env`) are shown and win on get, but are never written.
 */
import {envConfig, parseConfigKey, UserConfig} from '../config.js'
import type {Context} from '../context.js'
import {BlError} from '../errors.js'
import {openRepo} from '../repo.js'

export interface ConfigOptions {
  key?: string
  value?: string
  global?: boolean
  unset?: boolean
  list?: boolean
}

export type ConfigScope = 'env' | 'repo' | 'user'
export type ConfigResult = {key: string; value: string | null; scope: ConfigScope | null; action: 'get' | 'set' | 'unset'} | {entries: Array<{key: string; value: string; scope: ConfigScope}>}

export function config(ctx: Context, opts: ConfigOptions): ConfigResult {
  const user = new UserConfig(ctx.userConfigDir)
  const withRepo = <T>(fn: (r: ReturnType<typeof openRepo>) => T): T => {
    const repo = openRepo(ctx)
    try {
      return fn(repo)
    } finally {
      repo.close()
    }
  }
  if (opts.list || !opts.key) {
    const entries: Array<{key: string; value: string; scope: ConfigScope}> = Object.entries(user.list()).map(([key, value]) => ({key, value, scope: 'user'}))
    if (!opts.global) {
      try {
        withRepo((r) => entries.push(...r.store.listConfig().map((e) => ({...e, scope: 'repo' as const}))))
      } catch (err) {
        if (!(err instanceof BlError && err.code === 'NOT_A_REPOSITORY')) throw err
      }
    }
    if (!opts.global) for (const [key, value] of envConfig(ctx.env)) entries.push({key, value, scope: 'env'})
    return {entries}
  }
  const key = parseConfigKey(opts.key)
  if (opts.unset) {
    const existed = opts.global ? user.set(key, undefined) : withRepo((r) => r.store.transaction(() => r.store.unsetConfig(key), {durable: true}))
    if (!existed) throw new BlError('CONFIG_NOT_SET', `${key} is not set${opts.global ? ' in the user config' : ' in this repository'}`, {hint: 'List settings with `bl config --list`.'})
    return {key, value: null, scope: opts.global ? 'user' : 'repo', action: 'unset'}
  }
  if (opts.value !== undefined) {
    if (opts.global) user.set(key, opts.value)
    else withRepo((r) => r.store.transaction(() => r.store.setConfig(key, opts.value!), {durable: true}))
    return {key, value: opts.value, scope: opts.global ? 'user' : 'repo', action: 'set'}
  }
  if (!opts.global) {
    const fromEnv = envConfig(ctx.env).get(key)
    if (fromEnv !== undefined) return {key, value: fromEnv, scope: 'env', action: 'get'}
    try {
      const v = withRepo((r) => r.store.getConfig(key))
      if (v !== undefined) return {key, value: v, scope: 'repo', action: 'get'}
    } catch (err) {
      if (!(err instanceof BlError && err.code === 'NOT_A_REPOSITORY')) throw err
    }
  }
  const v = user.get(key)
  if (v === undefined) throw new BlError('CONFIG_NOT_SET', `${key} is not set`, {hint: `Set it with \`bl config ${opts.global ? '--global ' : ''}${key} <value>\`.`, data: {key}})
  return {key, value: v, scope: 'user', action: 'get'}
}
