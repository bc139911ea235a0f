/** Every key `bl browse` knows, for the `?` overlay (and docs/browse.md lists the same). */
export const KEY_HELP: Array<[keys: string, what: string]> = [
  ['Up/Down, k/j', 'move in a list; scroll a preview or diff'],
  ['PgUp/PgDn, Space', 'a page up / down (also Ctrl-B/Ctrl-F)'],
  ['g / G', 'first / last line (also Home/End)'],
  ['Tab / Shift-Tab', 'next / previous pane: refs, commits, tree, detail'],
  ['Enter', 'ref: list its commits; commit: its tree; dir: open; file: preview'],
  ['Right/l, Left/h', 'open / up a directory; scroll a table or long lines sideways'],
  ['d', "the selected commit's changes against its first parent"],
  ['Enter (in changes)', 'the changed lines or rows of a file; p previews it'],
  ['/', 'filter refs, commits, paths or changes as you type; Enter keeps it'],
  ['Esc, Backspace', 'clear the filter, close a view, go up a directory'],
  ['?', 'this help; any key closes it'],
  ['q, Ctrl-C', 'quit (the terminal is restored)'],
]
