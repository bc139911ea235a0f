/** Flags that say how to read a table, shared by preview, stats, schema and diff --rows. */
import {Flags} from '#oclif'
import type {OpenOptions} from '../core/tables/open.js'
import type {TableFormat} from '../core/tables/types.js'

export const tableFlags = {
  format: Flags.string({description: 'Read as this format instead of guessing from the name and content.', options: ['csv', 'tsv', 'json', 'jsonl', 'parquet']}),
  delimiter: Flags.string({description: 'CSV field delimiter (sniffed by default); "\\t" for a tab.'}),
  header: Flags.boolean({description: 'CSV: the first line is (--header) or is not (--no-header) a header; sniffed by default.', allowNo: true}),
}

export function tableOptionsFrom(flags: {format?: string; delimiter?: string; header?: boolean}): OpenOptions {
  return {
    format: flags.format as TableFormat | undefined,
    delimiter: flags.delimiter === '\\t' ? '\t' : flags.delimiter,
    header: flags.header,
  }
}

/**
 * bl's global options and the table flags, as they may follow a table path after `--`
 * (`bl diff --rows A B -- t.csv --json`), with whether each takes a value: for `hoistOptions`.
 */
export const TRAILING_TABLE_OPTIONS: ReadonlyArray<[string, boolean]> = [
  ['--json', false],
  ['-q', false],
  ['--quiet', false],
  ['--format', true],
  ['--delimiter', true],
  ['--header', false],
  ['--no-header', false],
]
