/**
 * The base of every bl command: builds the core Context from the process (the only place that
 * reads process.env), opens the repository, formats errors in one place (one line + a hint, or the
 * JSON envelope under --json) and maps them to documented exit codes (docs/exit-codes.md).
 */
import {reportAutostash} from './autostash.js'
import type {AutostashOutcome} from '../core/ops/autostash.js'
import {Command, Errors, Flags, type Interfaces} from '#oclif'
import type {Input, ParserOutput} from '@oclif/core/interfaces'
import {colorEnabled, palette, type Palette} from './color.js'
import {conflictReport} from './merge-report.js'
import os from 'node:os'
import path from 'node:path'
import type {Context} from '../core/context.js'
import {BlError, EXIT, exitCodeFor, fsError, printable} from '../core/errors.js'
import {openRepo, type Repo} from '../core/repo.js'
import {translateSqliteError} from '../core/store/sqlite-object-store.js'
import {renderProgress} from '../ui/progress/render-progress.js'
import type {ProgressReporter} from '../ui/progress/progress-tracker.js'
import {progressOptions} from './progress.js'
import {dashNumbers} from './args.js'

// oclif's parser output constraints (not exported by @oclif/core's public interfaces).
type FlagOutput = {[name: string]: any} // eslint-disable-line @typescript-eslint/no-explicit-any
type ArgOutput = {[name: string]: any} // eslint-disable-line @typescript-eslint/no-explicit-any

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BlCommand)['baseFlags'] & T['flags']>

export abstract class BlCommand extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {
    quiet: Flags.boolean({char: 'q', description: 'Print nothing but errors.', helpGroup: 'GLOBAL'}),
  }

  private openedRepo: Repo | undefined
  private quietMode = false

  override async init(): Promise<void> {
    // The AWS SDK warns on every run under Node 20 (which bl supports); users can't act on it.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
    await super.init()
  }

  /** Commands that take Git's `-<n>` (`bl log -3`); elsewhere it is an unknown option. */
  static dashCount = false

  /**
   * Remembers --quiet, so `out()` is silent for every command without each one checking. Refuses
   * `-<digits>`, which oclif passes through as an argument of commands that take any number of
   * them: `bl status -1` would otherwise be a path and `bl diff -5` silently ignored.
   */
  protected override async parse<F extends FlagOutput, B extends FlagOutput, A extends ArgOutput>(options?: Input<F, B, A>, argv?: string[]): Promise<ParserOutput<F, B, A>> {
    const bad = (this.constructor as typeof BlCommand).dashCount ? [] : dashNumbers(argv ?? this.argv)
    if (bad.length) throw new BlError('INVALID_ARGUMENT', `unknown option ${bad[0]}`, {hint: 'See `bl help <command>` for usage (only `bl log` takes -<n>, for at most n commits); a path that starts with "-" goes after `--`.'})
    const res = await super.parse(parseInput((options ?? this.constructor) as ParseInput<F, B, A>), argv)
    this.quietMode = Boolean((res.flags as {quiet?: boolean}).quiet)
    return res
  }

  /** Colours for text output (off under --json, NO_COLOR, BL_COLOR=never, or when stdout is not a terminal). */
  protected colors(): Palette {
    return palette(!this.jsonEnabled() && colorEnabled(process.env, process.stdout))
  }

  protected context(): Context {
    const env = process.env
    const configDir = env.BL_CONFIG_DIR ?? path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'bl')
    return {cwd: process.cwd(), env: {...env}, userConfigDir: configDir, now: () => new Date()}
  }

  protected repo(): Repo {
    this.openedRepo ??= openRepo(this.context())
    return this.openedRepo
  }

  protected isQuiet(flags: {quiet?: boolean}): boolean {
    return Boolean(flags.quiet) || this.jsonEnabled()
  }

  /**
   * Runs `task` under a progress view on stderr (docs/progress.md): Ink on a terminal, plain lines
   * otherwise, nothing under --json or --quiet. Call after parse().
   */
  protected withProgress<T>(label: string, task: (p: ProgressReporter) => Promise<T>): Promise<T> {
    return renderProgress(progressOptions(label, {json: this.jsonEnabled(), quiet: this.quietMode}), task)
  }

  /** Text output for humans; silent under --json and --quiet. */
  protected out(line = ''): void {
    if (!this.jsonEnabled() && !this.quietMode) process.stdout.write(line + '\n')
  }

  /** Text output written as it is (no newline added: NUL-separated lists); silent under --json and --quiet. */
  protected outText(text: string): void {
    if (!this.jsonEnabled() && !this.quietMode && text) process.stdout.write(text)
  }

  /** What --autostash did with the local changes it set aside (cli/autostash.ts); the warning is printed even when quiet. */
  protected reportAutostash(outcome: AutostashOutcome | undefined, quiet: boolean): void {
    reportAutostash(outcome, (l) => !quiet && this.out(l), (l) => this.warnLine(l))
  }

  /** A warning on stderr (also under --json: stdout stays one JSON document). */
  protected warnLine(message: string): void {
    process.stderr.write(`warning: ${message}\n`)
  }

  /**
   * oclif pretty-prints through its JSON colorizer, whose string regex overflows the stack on a
   * value of ~10 MB (a table cell in `preview`/`stats --json`). Without a JSON theme the colors
   * are none, so the same text is written directly.
   */
  protected override logJson(json: unknown): void {
    if (this.config.theme?.json) return super.logJson(json)
    process.stdout.write(JSON.stringify(json, null, 2) + '\n')
  }

  protected override toSuccessJson(result: unknown): unknown {
    return {ok: true, result}
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    // oclif's own exit (e.g. from --help or this.exit) is not an error to format.
    if (err instanceof Errors.ExitError) throw err
    const e = toBlError(err)
    process.exitCode = exitCodeFor(e.code)
    if (this.jsonEnabled()) {
      this.logJson({ok: false, error: {code: e.code, message: e.message, hint: e.hint ?? null, data: e.data}})
    } else {
      // A stopped merge first reports each path on stdout, as Git does ("CONFLICT (content): ...").
      if (e.code === 'MERGE_CONFLICT' && !this.quietMode) for (const line of conflictReport(e.data)) process.stdout.write(line + '\n')
      for (const line of reportLines(e)) process.stderr.write(line + '\n')
      process.stderr.write(`error: ${e.message}\n`)
      if (e.hint) process.stderr.write(`hint: ${e.hint}\n`)
      if (process.env.BL_DEBUG && err.stack) process.stderr.write(err.stack + '\n')
    }
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    this.openedRepo?.close()
    await super.finally(err)
  }
}

/** Errors whose `data` holds a per-item report printed line by line before the error line. */
interface ReportItem {
  message?: unknown
  commit?: string | null
  branch?: string
  check?: string
  rule?: string
}

/** A protection violation: which commit (or the deletion) on which branch broke which rule. */
function protectionLine(v: ReportItem): string {
  const what = v.commit ? v.commit.slice(0, 12) : v.check === 'no-delete' ? '(deletion)' : '(new commit)'
  return `${what} ${v.branch}: ${v.check} (rule "${v.rule}"): ${String(v.message ?? '')}`
}

const REPORTS: Partial<Record<BlError['code'], {prefix: string; max: number; line?: (v: ReportItem) => string}>> = {
  SCHEMA_VIOLATION: {prefix: 'schema', max: 50},
  PROTECTED_BRANCH: {prefix: 'protect', max: 20, line: protectionLine},
  POLICY_VIOLATION: {prefix: 'protect', max: 20, line: protectionLine},
}

/** `<prefix>: <message>` for each of `data.violations` (at most `max`, then a count). */
function reportLines(e: BlError): string[] {
  const r = REPORTS[e.code]
  const items = e.data.violations
  if (!r || !Array.isArray(items)) return []
  const lines = items.slice(0, r.max).map((v: ReportItem) => `${r.prefix}: ${printable(r.line ? r.line(v) : String(v.message ?? ''), 1000)}`)
  if (items.length > r.max) lines.push(`${r.prefix}: ... and ${items.length - r.max} more (see --json)`)
  return lines
}

/**
 * An oclif parse error on one line: its message spans several ("Parsing --max-count" / "Expected
 * an integer but received: abc"), and the first alone says nothing useful. Its boilerplate goes.
 */
function usageMessage(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.replace(/^\s*(Error:\s*)?/, '').replace(/\s+/g, ' ').trim())
    .filter((l) => l !== '' && !/^See more help with/i.test(l) && !/^The following errors? occurred:?$/i.test(l))
  return lines.map((l, i) => (i < lines.length - 1 && !/[:.]$/.test(l) ? l + ':' : l)).join(' ')
}

function toBlError(err: Error & {oclif?: {exit?: number}}): BlError {
  if (err instanceof BlError) return err
  // SQLite failures from any query (corruption found mid-read, disk full, busy) get their typed error.
  const sql = translateSqliteError(err, '.bl/bl.db')
  if (sql instanceof BlError) return sql
  // oclif parse errors (unknown flag, missing argument, ...) are usage errors.
  if (err instanceof Errors.CLIError || err.oclif?.exit === 2) {
    return new BlError('INVALID_ARGUMENT', usageMessage(err.message), {hint: 'See `bl help <command>` for usage.'})
  }
  const sys = err as NodeJS.ErrnoException
  // A full or read-only file system met outside core's own checks still gets its typed error.
  if (sys.code === 'ENOSPC' || sys.code === 'EDQUOT' || sys.code === 'EROFS') return fsError(err, sys.path ?? 'a file', 'writing')
  return new BlError('INTERNAL_ERROR', `internal error: ${err.message}`, {hint: 'Run again with BL_DEBUG=1 and report the stack trace.', data: {internal: true}})
}

export {EXIT}

type ParseInput<F extends FlagOutput, B extends FlagOutput, A extends ArgOutput> = Input<F, B, A> & {'--'?: boolean; constraints?: unknown}

/**
 * What oclif's parser reads, taken through property access. oclif spreads the command class into
 * its parser input, which copies a class's own static properties only: a command inheriting
 * `strict` or `args` from a base class (the bisect marks, `bl stash`) lost them. And every
 * argument ignores stdin: oclif otherwise reads a missing optional argument from piped stdin (with
 * a 10 ms wait), so `echo x | bl status` took x as a pathspec and `commit -F -` could lose its
 * message to the paths argument. Commands that read stdin do it themselves (cli/stdin.ts).
 */
function parseInput<F extends FlagOutput, B extends FlagOutput, A extends ArgOutput>(c: ParseInput<F, B, A>): Input<F, B, A> {
  const args = Object.fromEntries(Object.entries(c.args ?? {}).map(([name, arg]) => [name, {...arg, ignoreStdin: true}])) as typeof c.args
  return {'--': c['--'], constraints: c.constraints, strict: c.strict, flags: c.flags, baseFlags: c.baseFlags, enableJsonFlag: c.enableJsonFlag, args} as Input<F, B, A>
}
