/**
 * JSON re-indented as `JSON.stringify(v, null, 2)` would print it, one pass over the text without
 * parsing it into values: it works on the first bytes of a document too big to read (stopping at
 * a line budget), and keeps every token as written (`1.0`, 64-bit integers, escapes, duplicate
 * keys), which a parse and re-serialization would change. It checks structure (brackets, what may
 * stand outside strings) as it goes; full validation of a complete document is JSON.parse's job.
 */

export interface PrettyJson {
  lines: string[]
  /** The whole input was laid out (false: stopped at `maxLines`). */
  done: boolean
  /** The first structural error met, or null. */
  error: string | null
}

const INDENT = '  '
/** What may stand outside strings besides structure: numbers and the literals true/false/null. */
const BARE = /[-+.0-9eEtrufalsn]/

export function prettyJson(text: string, maxLines: number): PrettyJson {
  const lines: string[] = []
  const stack: string[] = []
  let line = ''
  let inString = false
  let escape = false
  let afterOpen = false // just after `{`/`[`: an immediate close prints `{}` on one line
  let rootDone = false
  const fail = (i: number, what: string): PrettyJson => ({lines: flush(), done: false, error: `${what} at character ${i + 1}`})
  const flush = (): string[] => (line === '' ? lines : [...lines, line])
  const newline = (): boolean => {
    lines.push(line)
    line = INDENT.repeat(stack.length)
    return lines.length >= maxLines
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (inString) {
      line += c
      if (escape) escape = false
      else if (c === '\\') escape = true
      else if (c === '"') {
        inString = false
        if (stack.length === 0) rootDone = true
      }
      else if (c < ' ') return fail(i, 'a control character inside a string')
      continue
    }
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue
    if (i === 0 && c === '\uFEFF') continue
    if (rootDone) return fail(i, 'more data after the document')
    if (afterOpen) {
      afterOpen = false
      if ((c === '}' && stack.at(-1) === '{') || (c === ']' && stack.at(-1) === '[')) {
        stack.pop()
        line += c
        if (stack.length === 0) rootDone = true
        continue
      }
      if (newline()) return {lines, done: false, error: null}
    }
    if (c === '{' || c === '[') {
      line += c
      stack.push(c)
      afterOpen = true
    } else if (c === '}' || c === ']') {
      if (stack.pop() !== (c === '}' ? '{' : '[')) return fail(i, `an unmatched "${c}"`)
      if (newline()) return {lines, done: false, error: null}
      line += c
      if (stack.length === 0) rootDone = true
    } else if (c === ',') {
      if (stack.length === 0) return fail(i, 'a "," outside any array or object')
      line += c
      if (newline()) return {lines, done: false, error: null}
    } else if (c === ':') {
      if (stack.at(-1) !== '{') return fail(i, 'a ":" outside an object')
      line += ': '
    } else if (c === '"') {
      line += c
      inString = true
    } else if (BARE.test(c)) {
      line += c
      // A bare value at the top level ends at the first non-value character.
      if (stack.length === 0 && !BARE.test(text[i + 1] ?? ' ')) rootDone = true
    } else return fail(i, `an unexpected "${c}"`)
  }
  return {lines: flush(), done: true, error: null}
}
