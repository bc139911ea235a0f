/**
 * Help as data: the `result` of `bl help [<command>] --json` (docs/json.md, "Help"). Everything
 * comes from oclif's cached command metadata (oclif.manifest.json and the plugins' manifests, as
 * the Config holds it), never from a second copy of it; `render` expands the templates in it
 * (`<%= config.bin %>` -> `bl`) as the text help does. cli/help.ts decides what is asked for.
 */
import type {Command, Interfaces} from '#oclif'

/** Expands oclif's templates in help text, with `command` in scope (oclif's CommandHelp.render). */
export type Render = (text: string) => string

export interface HelpFlag {
  name: string
  char: string | null
  description: string | null
  type: 'boolean' | 'option'
  required: boolean
  multiple: boolean
  default: unknown
  /** `--[no-]<name>` is accepted (boolean flags). */
  allowNo: boolean
  group: string | null
  aliases?: string[]
  options?: string[]
  dependsOn?: string[]
  exclusive?: string[]
}

export interface HelpArg {
  name: string
  description: string | null
  required: boolean
  multiple: boolean
  default?: unknown
  options?: string[]
}

export interface HelpListedCommand {
  id: string
  summary: string | null
  aliases: string[]
}

export interface CommandHelpJson {
  kind: 'command'
  id: string
  summary: string | null
  description: string | null
  usage: string[]
  aliases: string[]
  args: HelpArg[]
  flags: HelpFlag[]
  examples: {description: string | null; command: string}[]
  /** Every command below this one (`remote` -> `remote add`, ...). */
  commands: HelpListedCommand[]
}

export interface TopicHelpJson {
  kind: 'topic'
  id: string
  description: string | null
  commands: HelpListedCommand[]
}

export interface RootHelpJson {
  kind: 'root'
  bin: string
  version: string
  description: string | null
  topics: {name: string; description: string | null}[]
  commands: HelpListedCommand[]
}

/** oclif's ids use `:`; bl's users type spaces. */
export const spaced = (id: string): string => id.replaceAll(':', ' ')

const text = (s: string | undefined, render: Render): string | null => (s ? render(s) : null)

/** The one-line summary oclif's help shows: `summary`, else the description's first line. */
export function summaryOf(cmd: Command.Cached, render: Render): string | null {
  const s = cmd.summary ?? cmd.description?.split('\n')[0]
  return s ? render(s).split('\n')[0]! : null
}

/** Commands to list: not hidden, and not the entries oclif adds for each alias (`remote rm`). */
export function listed(commands: Command.Cached[], render: Render, under?: string): HelpListedCommand[] {
  return commands
    .filter((c) => !c.hidden && !c.aliases.includes(c.id) && (under === undefined || c.id.startsWith(under + ':')))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((c) => ({id: spaced(c.id), summary: summaryOf(c, render), aliases: c.aliases.map(spaced)}))
}

function flagJson(f: Command.Flag.Cached): HelpFlag {
  const flag: HelpFlag = {
    name: f.name,
    char: f.char ?? null,
    description: f.summary ?? f.description ?? null,
    type: f.type,
    required: Boolean(f.required),
    multiple: f.type === 'option' && Boolean(f.multiple),
    default: f.default ?? null,
    allowNo: f.type === 'boolean' && Boolean(f.allowNo),
    group: f.helpGroup ?? null,
  }
  if (f.aliases?.length) flag.aliases = f.aliases
  if (f.type === 'option' && f.options) flag.options = [...f.options]
  if (f.dependsOn) flag.dependsOn = [...f.dependsOn]
  if (f.exclusive) flag.exclusive = [...f.exclusive]
  return flag
}

function argJson(a: Command.Arg.Cached, strict: boolean): HelpArg {
  // `multiple` as the text help shows `PATHS...`: a variadic argument, or any of a non-strict command.
  const arg: HelpArg = {name: a.name, description: a.description ?? null, required: Boolean(a.required), multiple: Boolean(a.multiple) || !strict}
  if (a.default !== undefined) arg.default = a.default
  if (a.options) arg.options = [...a.options]
  return arg
}

/** An example as oclif shows it: `{description, command}`, or a string (`[<description>\n]<command>`). */
function exampleJson(e: Command.Example, bin: string, render: Render): {description: string | null; command: string} {
  const bare = (line: string) => line.replace(/^\$ /, '')
  if (typeof e !== 'string') return {description: e.description ? render(e.description) : null, command: bare(render(e.command)).trim()}
  const lines = render(e).split('\n').filter(Boolean)
  const isCommand = (l: string) => l.startsWith(`${bin} `) || l.startsWith(`$ ${bin} `)
  if (lines.length >= 2 && !isCommand(lines[0]!) && lines.slice(1).every(isCommand)) return {description: lines[0]!, command: lines.slice(1).map(bare).join('\n')}
  return {description: null, command: lines.map(bare).join('\n')}
}

export interface CommandInput {
  /** The command as the Config caches it (its own entry, not an alias's). */
  command: Command.Cached
  /** Usage lines as oclif builds them, without the `$ <bin> <id>` prefix (`[PATHS...] -m <value>...`). */
  usage: string[]
  /** Every command oclif knows, for the ones below this one. */
  all: Command.Cached[]
  bin: string
  render: Render
}

export function commandJson({command: c, usage, all, bin, render}: CommandInput): CommandHelpJson {
  const id = spaced(c.id)
  return {
    kind: 'command',
    id,
    summary: summaryOf(c, render),
    description: text(c.description, render),
    usage: usage.map((u) => render(`${bin} ${id} ${u}`.trim())),
    aliases: c.aliases.map(spaced),
    args: Object.values(c.args ?? {})
      .filter((a) => !a.hidden)
      .map((a) => argJson(a, c.strict !== false)),
    flags: Object.values(c.flags ?? {})
      .filter((f) => !f.hidden)
      .map(flagJson),
    examples: (c.examples ?? []).map((e) => exampleJson(e, bin, render)),
    commands: listed(all, render, c.id),
  }
}

export function topicJson(topic: Interfaces.Topic, all: Command.Cached[], render: Render): TopicHelpJson {
  return {kind: 'topic', id: spaced(topic.name), description: text(topic.description, render), commands: listed(all, render, topic.name)}
}

export interface RootInput {
  bin: string
  version: string
  description: string | undefined
  /** The topics oclif's help lists (those with commands below them). */
  topics: Interfaces.Topic[]
  all: Command.Cached[]
  render: Render
}

export function rootJson({bin, version, description, topics, all, render}: RootInput): RootHelpJson {
  return {
    kind: 'root',
    bin,
    version,
    description: text(description, render),
    topics: topics.filter((t) => !t.hidden).map((t) => ({name: spaced(t.name), description: t.description ? render(t.description).split('\n')[0]! : null})),
    commands: listed(all, render),
  }
}
