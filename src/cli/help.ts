/**
 * bl's help class (package.json `oclif.helpClass`): oclif's own help, plus `--json`. oclif still
 * reads the arguments and picks what help is about (a command, also by an alias or with its
 * arguments typed after it; a topic; the root; dynamic flag defaults); with `--json` only the
 * last step, printing, differs: one `{"ok": true, "result": ...}` document built by
 * cli/help-json.ts from the cached metadata, and bl's JSON error for an unknown command. Without
 * `--json` every method is oclif's, so the text is unchanged. bin/run.js sends `bl help <command>
 * --json` and `-h --json` here as `<command> --help --json` (oclif's `help` command takes no --json).
 */
import {CommandHelp, Help, type Command, type Interfaces} from '#oclif'
import {commandJson, rootJson, spaced, topicJson} from './help-json.js'
import {printError, unknownCommand} from './command-not-found.js'

/** oclif's usage lines of a command, without the `$ bl <id>` that the text puts before each. */
class UsageLines extends CommandHelp {
  lines(): string[] {
    const {id, usage} = this.command
    const lines = usage === undefined ? [this.defaultUsage()] : Array.isArray(usage) ? usage : [usage]
    return lines.map((u) => {
      let rest = u.replace('<%= command.id %>', '').trim()
      for (const prefix of [id, spaced(id)]) if (rest.startsWith(prefix)) rest = rest.slice(prefix.length).trim()
      return rest
    })
  }
}

/** Words before the first flag (and before `--`): what `bl help` was asked about. */
function subjectWords(argv: string[]): string[] {
  const words: string[] = []
  for (const a of argv) {
    if (a === '--' || a.startsWith('-')) break
    if (!(words.length === 0 && a === 'help')) words.push(a)
  }
  return words
}

export default class BlHelp extends Help {
  private json = false

  override async showHelp(argv: string[]): Promise<void> {
    const end = argv.indexOf('--')
    this.json = (end < 0 ? argv : argv.slice(0, end)).includes('--json')
    if (!this.json) return super.showHelp(argv)
    try {
      await super.showHelp(argv)
    } catch (error) {
      // oclif's "Command <x> not found." (it found neither a command nor a topic).
      const words = subjectWords(argv.filter((a) => a !== '--help' && a !== '--json'))
      const id = words.join(':')
      if (!id || this.config.findCommand(id) || this.config.findTopic(id)) throw error
      printError(unknownCommand(words.join(' '), this.config), true)
    }
  }

  override async showCommandHelp(command: Command.Loadable): Promise<void> {
    if (!this.json) return super.showCommandHelp(command)
    // An alias (`remote rm`) has an entry of its own in oclif's list: describe the command it names.
    const own = this.config.commands.find((c) => c.id !== command.id && !c.aliases.includes(c.id) && c.aliases.includes(command.id) && c.pluginName === command.pluginName) ?? command
    // Templates see the id as typed (`<%= command.id %>` -> `plugins install`), as in the text help.
    const usage = new UsageLines(own, this.config, this.opts)
    const render = new CommandHelp({...own, id: spaced(own.id)}, this.config, this.opts).render
    this.print(commandJson({command: own, usage: usage.lines(), all: this.config.commands, bin: this.config.bin, render}))
  }

  protected override async showTopicHelp(topic: Interfaces.Topic): Promise<void> {
    if (!this.json) return super.showTopicHelp(topic)
    this.print(topicJson(topic, this.config.commands, this.render))
  }

  protected override async showRootHelp(): Promise<void> {
    if (!this.json) return super.showRootHelp()
    const {bin, version, pjson} = this.config
    this.print(rootJson({bin, version, description: pjson.description, topics: this.sortedTopics, all: this.config.commands, render: this.render}))
  }

  private print(result: unknown): void {
    process.stdout.write(JSON.stringify({ok: true, result}, null, 2) + '\n')
  }
}
