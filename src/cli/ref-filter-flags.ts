/** Git's listing filters shared by `bl branch` and `bl tag` (core: src/core/refs/ref-filter.ts). */
import {Flags} from '#oclif'
import type {RefFilterOptions} from '../core/refs/ref-filter.js'
import {lastArgDefaults} from './args.js'

const commit = {multiple: true, multipleNonGreedy: true, helpValue: '<commit>'} as const

export function refFilterFlags(what: 'branches' | 'tags') {
  return {
    list: Flags.boolean({char: 'l', description: `List ${what}; the arguments are glob patterns (\`*\` matches \`/\` too), any of which a name must match.`}),
    contains: Flags.string({...commit, description: `Only ${what} whose tip contains the commit (default HEAD; repeatable: any of them).`}),
    'no-contains': Flags.string({...commit, description: `Only ${what} whose tip does not contain the commit (default HEAD; repeatable: none of them).`}),
    merged: Flags.string({...commit, description: `Only ${what} whose tip is reachable from the commit (default HEAD).`}),
    'no-merged': Flags.string({...commit, description: `Only ${what} whose tip is not reachable from the commit (default HEAD).`}),
    'points-at': Flags.string({...commit, description: `Only ${what} whose tip is the commit.`}),
    sort: Flags.string({multiple: true, multipleNonGreedy: true, helpValue: '<key>', description: 'Sort by refname (default), committerdate, authordate, creatordate, objectname, or version:refname (v:refname: v2 before v10); "-" reverses; the last --sort decides first.'}),
  }
}

/**
 * Prepares argv for oclif: Git's bare `--contains`/`--merged`/... (last, or before another option)
 * mean HEAD (`--points-at` too for tags). The `--sort` keys are taken out here: oclif refuses a
 * value that looks like one of the command's flags, and `-refname` looks like `-r`.
 */
export function refFilterArgv(argv: string[], pointsAtDefault: boolean): {argv: string[]; sort: string[]} {
  const opts = ['--contains', '--no-contains', '--merged', '--no-merged', ...(pointsAtDefault ? ['--points-at'] : [])]
  const sort: string[] = []
  const rest: string[] = []
  const end = argv.indexOf('--')
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (end >= 0 && i >= end) rest.push(a)
    else if (a.startsWith('--sort=')) sort.push(a.slice('--sort='.length))
    else if (a === '--sort' && i + 1 < argv.length && (end < 0 || i + 1 < end)) sort.push(argv[++i]!)
    else rest.push(a)
  }
  return {argv: lastArgDefaults(rest, Object.fromEntries(opts.map((o) => [o, 'HEAD']))), sort}
}

export function refFilterFrom(flags: {contains?: string[]; 'no-contains'?: string[]; merged?: string[]; 'no-merged'?: string[]; 'points-at'?: string[]}, patterns: string[], sort: string[]): RefFilterOptions {
  return {patterns, contains: flags.contains, noContains: flags['no-contains'], merged: flags.merged, noMerged: flags['no-merged'], pointsAt: flags['points-at'], sort}
}
