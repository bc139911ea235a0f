/**
 * Every command's --json output parses and matches its documented shape (docs/json.md).
 *
 * The shapes are read from docs/json.md at test time (never copied here): the `result` column of the
 * table is parsed by a small tokenizer into key lists (nested objects, arrays of objects, `x \| null`,
 * optional `x?`, `<name>` references to the definitions under the table, `...<name>` spreads, "the
 * `x` result plus `{...}`"). Each command runs through the real binary on small fixtures (a few
 * files and commits, branches, a directory remote with a clone, keys, a branch policy, a bl.lock);
 * its stdout must be one JSON document `{ok: true, result}` whose keys are exactly the documented
 * ones, at every level the docs spell out: every non-optional documented key present, no
 * undocumented key (the docs must be complete), objects and arrays null only where `\| null` is
 * documented. Failures check the error envelope `{ok: false, error: {code, message, hint, data}}`,
 * and the documented `error.data` of MERGE_CONFLICT and PIN_MISMATCH.
 */
import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import * as openpgp from 'openpgp'
import {makeTmp, okA, rmrf, Sandbox, withJson, type RunOptions, type RunResult, initRepo} from './helpers.ts'
import {ops} from './inproc-history.ts'

const DOC_PATH = fileURLToPath(new URL('../../docs/json.md', import.meta.url))

// ---- docs/json.md parsing ----------------------------------------------------------------------

/** A documented shape. `other` is a scalar or prose (`id`, `"merge"`, `true \| false`, `{...}`). */
type Shape = {t: 'obj'; fields: Field[]; spreads: string[]} | {t: 'arr'; elem: Shape | null} | {t: 'ref'; name: string} | {t: 'other'; text: string}

interface Field {
  name: string
  optional: boolean
  nullable: boolean
  shape: Shape | null
}

/** Splits a Markdown table row on unescaped `|`; `\|` becomes `|` in the cells. */
function splitRow(line: string): string[] {
  const cells: string[] = []
  let cur = ''
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (c === '\\' && line[i + 1] === '|') {
      cur += '|'
      i++
    } else if (c === '|') {
      cells.push(cur.trim())
      cur = ''
    } else cur += c
  }
  cells.push(cur.trim())
  // a row starts and ends with a pipe: drop the empty outer cells
  if (cells[0] === '') cells.shift()
  if (cells[cells.length - 1] === '') cells.pop()
  return cells
}

/** The table: exact text of the command cell -> text of the `result` cell (escapes resolved). */
function tableRows(md: string): Map<string, string> {
  const rows = new Map<string, string>()
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) continue
    const cells = splitRow(line)
    if (cells.length < 2 || /^-+$/.test(cells[0]!) || cells[0] === 'command') continue
    assert.ok(!rows.has(cells[0]!), `docs/json.md: duplicate row ${cells[0]}`)
    rows.set(cells[0]!, cells.slice(1).join(' | '))
  }
  return rows
}

/** The `code spans` of a piece of Markdown, in order. */
function codeSpans(text: string): Array<{text: string; index: number}> {
  const out: Array<{text: string; index: number}> = []
  const re = /`([^`]+)`/g
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({text: m[1]!, index: m.index})
  return out
}

const looksLikeShape = (s: string): boolean => /^\s*(\{|\[|<[\w ]+>\s*$)/.test(s)

/** Splits `text` at `sep` characters outside brackets, braces, parentheses and quotes. */
function splitTop(text: string, sep: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quoted = false
  let cur = ''
  for (const c of text) {
    if (c === '"') quoted = !quoted
    else if (!quoted && (c === '{' || c === '[' || c === '(')) depth++
    else if (!quoted && (c === '}' || c === ']' || c === ')')) depth--
    if (!quoted && depth === 0 && c === sep) {
      parts.push(cur)
      cur = ''
    } else cur += c
  }
  assert.equal(depth, 0, `unbalanced brackets in shape: ${text}`)
  parts.push(cur)
  return parts
}

/**
 * Parses a shape: `{a, b \| null, c?: [x], d: {e, f}, ...<ref>}`, `[{...}]`, `[<ref>]`, `<ref>`,
 * alternatives separated by `|` (a `null` alternative makes it nullable). The object body is
 * walked with a depth counter and split on commas at depth 1; a key is the name before `:`, ` |`
 * or `?` (`?` = optional).
 */
function parseShape(text: string): {shape: Shape; nullable: boolean} {
  const alts = splitTop(text.trim(), '|').map((a) => a.trim())
  const nullable = alts.includes('null')
  const rest = alts.filter((a) => a !== 'null')
  const main = rest.find((a) => a.startsWith('{') || a.startsWith('[') || /^<[\w ]+>$/.test(a)) ?? rest.join(' | ')
  if (main.startsWith('{') && main.endsWith('}')) return {shape: parseObject(main), nullable}
  if (main.startsWith('[') && main.endsWith(']')) {
    const inner = main.slice(1, -1).trim()
    return {shape: {t: 'arr', elem: inner ? parseShape(inner).shape : null}, nullable}
  }
  const ref = /^<([\w ]+)>$/.exec(main)
  if (ref) return {shape: {t: 'ref', name: `<${ref[1]}>`}, nullable}
  return {shape: {t: 'other', text: main}, nullable}
}

function parseObject(text: string): Shape {
  const body = text.slice(1, -1).trim()
  const fields: Field[] = []
  const spreads: string[] = []
  if (body === '...' || body === '') return {t: 'other', text} // `{...}`: "the same as before"
  for (const raw of splitTop(body, ',')) {
    const part = raw.trim()
    if (!part) continue
    const spread = /^\.\.\.\s*(<[\w ]+>)$/.exec(part)
    if (spread) {
      spreads.push(spread[1]!)
      continue
    }
    const m = /^([A-Za-z_$][\w$]*)(\?)?\s*([\s\S]*)$/.exec(part)
    assert.ok(m, `cannot read a key from ${JSON.stringify(part)} in ${text}`)
    const [, name, q, after] = m
    let shape: Shape | null = null
    let nullable = false
    if (after!.startsWith(':')) {
      const v = parseShape(after!.slice(1))
      shape = v.shape
      nullable = v.nullable
    } else if (after!.startsWith('|')) {
      nullable = splitTop(after!, '|').some((a) => a.trim() === 'null')
    } else assert.equal(after, '', `unexpected text after key ${name} in ${text}`)
    fields.push({name: name!, optional: q === '?', nullable, shape})
  }
  return {t: 'obj', fields, spreads}
}

/** The definitions under the table: "A `<key>` is `{...}`", "A `<policy>` (...) is `{...}`". */
function definitions(md: string): Map<string, string> {
  const defs = new Map<string, string>()
  const re = /\bA `(<[\w ]+>)`(?:\s*\([^()]*\))?\s+is\s+`([^`]+)`/g
  for (let m = re.exec(md); m; m = re.exec(md)) defs.set(m[1]!, m[2]!.replace(/\\\|/g, '|').replace(/\s+/g, ' '))
  return defs
}

const MD = fs.readFileSync(DOC_PATH, 'utf8')
const ROWS = tableRows(MD)
const DEFS = definitions(MD)

function row(cell: string): string {
  const r = ROWS.get(cell)
  assert.ok(r !== undefined, `docs/json.md has no row ${cell}; rows: ${[...ROWS.keys()].join(' ; ')}`)
  return r
}

/**
 * The shape documented in a row: the first shape-like code span of the `result` cell, or the first
 * one after `label` (e.g. "`-d`:" in the `branch <new>` row).
 */
function docShape(cell: string, label?: string): Shape {
  const text = row(cell)
  // "the `checkout <branch>` result plus `{file, lock: <lock>}`": that row's shape with more keys
  const plus = label === undefined ? /^the `([^`]+)` result plus `(\{[^`]*\})`/.exec(text) : null
  if (plus) return withFields(docShape(rowOf(plus[1]!)), plus[2]!.slice(1, -1))
  let from = 0
  if (label !== undefined) {
    from = text.indexOf(label)
    assert.ok(from >= 0, `docs/json.md row ${cell}: no ${JSON.stringify(label)} in ${text}`)
    from += label.length
  }
  const span = codeSpans(text).find((s) => s.index >= from && looksLikeShape(s.text))
  assert.ok(span, `docs/json.md row ${cell}: no shape${label ? ` after ${label}` : ''} in ${text}`)
  return parseShape(span.text).shape
}

/** The command cell of the row that names `command` (`checkout <branch>` -> "`checkout <branch>`, `switch`"). */
function rowOf(command: string): string {
  const cells = [...ROWS.keys()].filter((c) => codeSpans(c).some((s) => s.text === command))
  assert.equal(cells.length, 1, `docs/json.md: ${cells.length} rows name ${command}`)
  return cells[0]!
}

/** `<name>` references that are not spelled "A `<name>` is" but name another row's result. */
const ALIASES: Record<string, () => Shape> = {
  '<log entry>': () => elementOf(docShape('`log`')),
  '<fetch result>': () => docShape('`fetch`'),
  '<merge result>': () => docShape('`merge`'),
  '<rebase result>': () => docShape(rowOf('rebase')),
  '<ls-tree row>': () => elementOf(docShape('`ls-tree`')),
  '<change>': () => elementOf(fieldOf(docShape('`diff`'), 'changes')),
}

/** References met that neither a definition nor an alias explains (their values are not checked). */
const unresolved = new Set<string>()

function resolve(shape: Shape): Shape | null {
  if (shape.t !== 'ref') return shape
  const def = DEFS.get(shape.name)
  if (def !== undefined) return resolve(parseShape(def).shape)
  const alias = ALIASES[shape.name]
  if (alias) return resolve(alias())
  unresolved.add(shape.name) // e.g. `<signer>` of `signers remove`: not checked
  return null
}

function elementOf(shape: Shape): Shape {
  const s = resolve(shape)
  assert.ok(s && s.t === 'arr' && s.elem, `not an array of documented elements: ${JSON.stringify(shape)}`)
  return s.elem
}

/** All fields of an object shape, spreads resolved. */
function fieldsOf(shape: Shape): Field[] {
  const s = resolve(shape)
  assert.ok(s && s.t === 'obj', `not an object shape: ${JSON.stringify(shape)}`)
  const out = [...s.fields]
  for (const ref of s.spreads) out.push(...fieldsOf({t: 'ref', name: ref}))
  return out
}

/** The documented shape of one key of an object shape. */
function fieldOf(shape: Shape, name: string): Shape {
  const f = fieldsOf(shape).find((x) => x.name === name)
  assert.ok(f?.shape, `no documented shape for key ${name} in ${JSON.stringify(shape)}`)
  return f.shape
}

/** The documented top-level keys of a shape (of its element for `[{...}]`). */
function topKeys(shape: Shape): {required: string[]; optional: string[]; nullable: string[]} {
  let s = resolve(shape)
  if (s?.t === 'arr') s = s.elem && resolve(s.elem)
  assert.ok(s && s.t === 'obj', `no object in ${JSON.stringify(shape)}`)
  const f = fieldsOf(s)
  return {
    required: f.filter((x) => !x.optional).map((x) => x.name),
    optional: f.filter((x) => x.optional).map((x) => x.name),
    nullable: f.filter((x) => x.nullable).map((x) => x.name),
  }
}

/** Adds fields to an object shape ("each entry also has `signature: ...`", "the `x` result plus `{...}`"). */
function withFields(shape: Shape, extra: string): Shape {
  const s = resolve(shape)
  assert.ok(s && s.t === 'obj')
  const add = parseShape(`{${extra}}`).shape
  assert.ok(add.t === 'obj')
  return {t: 'obj', fields: [...fieldsOf(s), ...add.fields], spreads: []}
}

// ---- checking a value against a shape ----------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Compares `value` with `shape`; returns one line per mismatch (`where`: documented vs actual).
 * Objects: documented non-optional keys present, no other key, null only where documented.
 * Arrays of objects: every element. Scalars and undocumented references are not checked.
 */
function mismatches(value: unknown, shape: Shape, where: string, notes?: Set<string>): string[] {
  const s = resolve(shape)
  if (!s || s.t === 'other') return []
  if (s.t === 'arr') {
    if (!Array.isArray(value)) return [`${where}: documented an array, got ${JSON.stringify(value)?.slice(0, 80)}`]
    if (!s.elem) return []
    return value.flatMap((v, i) => mismatches(v, s.elem!, `${where}[${i}]`, notes))
  }
  if (s.t !== 'obj') return []
  if (!isObject(value)) return [`${where}: documented an object, got ${JSON.stringify(value)?.slice(0, 80)}`]
  const fields = fieldsOf(s)
  const out: string[] = []
  const documented = fields.map((f) => f.name)
  const actual = Object.keys(value)
  const missing = fields.filter((f) => !f.optional && !(f.name in value)).map((f) => f.name)
  const extra = actual.filter((k) => !documented.includes(k))
  if (missing.length || extra.length)
    out.push(
      `${where}: documented keys {${documented.map((k) => k + (fields.find((f) => f.name === k)!.optional ? '?' : '')).join(', ')}}, ` +
        `actual keys {${actual.join(', ')}}` +
        (missing.length ? `; missing: ${missing.join(', ')}` : '') +
        (extra.length ? `; undocumented: ${extra.join(', ')}` : ''),
    )
  for (const f of fields) {
    if (!(f.name in value)) continue
    const v = value[f.name]
    if (v === null) {
      // A documented object or array must not be null unless `| null` says so; a bare key (`reason`,
      // `value`) only gets a note: the prose around the table documents some of those nulls.
      const vs = f.shape && resolve(f.shape)
      if (!f.nullable && vs && (vs.t === 'obj' || vs.t === 'arr')) out.push(`${where}.${f.name}: null, but not documented \`| null\``)
      else if (!f.nullable) notes?.add(`${where.replace(/\[\d+\]/g, '[]')}.${f.name}: null, not documented \`| null\``)
      continue
    }
    if (f.shape) out.push(...mismatches(v, f.shape, `${where}.${f.name}`, notes))
  }
  return out
}

// ---- unit checks of the parser -------------------------------------------------------------------

describe('docs/json.md parser', () => {
  it('splits table rows on unescaped pipes only', () => {
    assert.deepEqual(splitRow('| `a`, `b` (list) | `{x \\| null, y}` |'), ['`a`, `b` (list)', '`{x | null, y}`'])
  })

  it('reads top-level keys: nested objects and arrays skipped, `| null` and `?` understood', () => {
    const {shape} = parseShape('{id, branch | null, parents: [id], op: {kind, theirs} | null, old?: {kind, exec}, kind: "file" | "symlink", b: [{p, q}]}')
    assert.deepEqual(topKeys(shape), {required: ['id', 'branch', 'parents', 'op', 'kind', 'b'], optional: ['old'], nullable: ['branch', 'op']})
    assert.deepEqual(mismatches({id: 1, branch: null, parents: [], op: null, kind: 'file', b: [{p: 1, q: 2}]}, shape, 'r'), [])
    assert.deepEqual(mismatches({id: 1, branch: 'x', parents: [], op: {kind: 1}, kind: 'file', b: [{p: 1, q: 2, z: 3}], new: 1}, shape, 'r'), [
      'r: documented keys {id, branch, parents, op, old?, kind, b}, actual keys {id, branch, parents, op, kind, b, new}; undocumented: new',
      'r.op: documented keys {kind, theirs}, actual keys {kind}; missing: theirs',
      'r.b[0]: documented keys {p, q}, actual keys {p, q, z}; undocumented: z',
    ])
  })

  it('reads arrays of objects, references and spreads', () => {
    const arr = parseShape('[{name, commit, current, subject, remote?}]').shape
    assert.deepEqual(topKeys(arr), {required: ['name', 'commit', 'current', 'subject'], optional: ['remote'], nullable: []})
    assert.deepEqual(parseShape('[<key>]').shape, {t: 'arr', elem: {t: 'ref', name: '<key>'}})
    const spread = parseShape('{commit, ...<verification>}').shape
    assert.deepEqual(spread, {t: 'obj', fields: [{name: 'commit', optional: false, nullable: false, shape: null}], spreads: ['<verification>']})
    assert.ok(topKeys(spread).required.includes('status'), 'the spread of <verification> is resolved from the docs')
  })

  it('composes "the `x` result plus `{...}`" rows', () => {
    assert.equal(rowOf('checkout <branch>'), '`checkout <branch>`, `switch`')
    const cell = [...ROWS.keys()].find((c) => /^the `[^`]+` result plus `\{/.test(ROWS.get(c)!))
    if (!cell) return // no such row (any more)
    const [, base, extra] = /^the `([^`]+)` result plus `\{([^`]*)\}`/.exec(ROWS.get(cell)!)!
    const keys = topKeys(docShape(cell)).required
    for (const kk of [...topKeys(docShape(rowOf(base!))).required, ...topKeys(parseShape(`{${extra}}`).shape).required]) assert.ok(keys.includes(kk), `${cell}: ${kk} in ${keys}`)
  })

  it('finds the rows and definitions of docs/json.md', () => {
    assert.deepEqual(topKeys(docShape('`rm`')), {required: ['removed'], optional: [], nullable: []})
    assert.ok(ROWS.size >= 40, `${ROWS.size} rows`)
    for (const d of ['<key>', '<verification>', '<policy>', '<rule>']) assert.ok(DEFS.has(d), `definition of ${d}`)
  })
})

// ---- the commands --------------------------------------------------------------------------------

/** Names of the command shapes checked, and the notes about undocumented nulls (printed at the end). */
const covered = new Set<string>()
const nullNotes = new Map<string, Set<string>>()

/** Parses stdout as exactly one JSON document (JSON.parse refuses a second document). */
function oneDocument(r: RunResult, what: string): any {
  assert.ok(r.stdout.trim().length > 0, `${what}: empty stdout; stderr: ${r.stderr}`)
  try {
    return JSON.parse(r.stdout)
  } catch (e) {
    assert.fail(`${what}: stdout is not one JSON document (exit ${r.code}): ${r.stdout.slice(0, 500)}\nstderr: ${r.stderr.slice(0, 500)}\n${e}`)
  }
}

/** Runs `bl args --json`: exit 0, one document `{ok: true, result}`, `result` matching `shape`. */
async function check(s: Sandbox, name: string, shape: Shape, args: string[], opts: RunOptions = {}): Promise<any> {
  const what = `bl ${args.join(' ')} --json`
  const r = await s.runAsync(withJson(args), opts)
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout.slice(0, 1000)}\nstderr: ${r.stderr.slice(0, 1000)}`)
  const doc = oneDocument(r, what)
  assert.deepEqual(Object.keys(doc).sort(), ['ok', 'result'], `${what}: envelope`)
  assert.equal(doc.ok, true)
  const result = doc.result
  // the fixtures make every top-level array non-empty, so that its elements are checked
  if (Array.isArray(result)) assert.ok(result.length > 0, `${what}: empty array, the fixture should give rows`)
  const notes = new Set<string>()
  const bad = mismatches(result, shape, 'result', notes)
  covered.add(name)
  if (notes.size) nullNotes.set(name, notes)
  assert.deepEqual(bad, [], `${what} does not match docs/json.md (${name}):\n  ${bad.join('\n  ')}\nresult: ${JSON.stringify(result).slice(0, 1500)}`)
  return result
}

/** Runs `bl args --json` expecting exit `exit`: one document `{ok: false, error: {code, message, hint, data}}`. */
async function checkError(s: Sandbox, args: string[], exit: number, opts: RunOptions = {}): Promise<any> {
  const what = `bl ${args.join(' ')} --json`
  const r = await s.runAsync(withJson(args), opts)
  assert.equal(r.code, exit, `${what}: exit ${r.code}, want ${exit}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  const doc = oneDocument(r, what)
  assert.deepEqual(Object.keys(doc).sort(), ['error', 'ok'], `${what}: error envelope`)
  assert.equal(doc.ok, false)
  assert.deepEqual(Object.keys(doc.error).sort(), ['code', 'data', 'hint', 'message'], `${what}: error keys`)
  assert.match(doc.error.code, /^[A-Z][A-Z_]+$/)
  assert.equal(typeof doc.error.message, 'string')
  assert.ok(doc.error.hint === null || typeof doc.error.hint === 'string')
  assert.ok(isObject(doc.error.data), `${what}: error.data is an object`)
  return doc.error
}

/** Rewrites tracked files and commits them as `bl commit -a -q -m <msg>` does, in-process (set-up). */
async function commitEdits(s: Sandbox, files: Record<string, string>, msg: string): Promise<void> {
  for (const [p, v] of Object.entries(files)) s.write(p, v)
  await ops(s).commitA(msg)
}

/**
 * Two fixture repositories, each driven in order by one group, the two groups side by side (every
 * command is a process of its own, 0.4-0.8 s of CPU; fixtures are kept to the fewest commands that make the
 * documented arrays non-empty): local history, merges and the sequencer (s); keys, a signed commit,
 * a directory remote with a clone (c), the branch policy and the failures (k).
 */
describe('--json output matches docs/json.md', {concurrency: 2}, () => {
  const s = new Sandbox()
  const k = new Sandbox()
  const c = new Sandbox()
  const remotes = makeTmp('bl-json-remote-')
  const remote = path.join(remotes, 'origin')
  after(() => {
    for (const x of [s, k, c]) x.cleanup()
    rmrf(remotes)
  })

  describe('local history, merges and the sequencer', {concurrency: 1}, () => {
    it('init, add, commit, branch and tag create and list', async () => {
      await check(s, 'init', docShape('`init`'), ['init'])
      const version = docShape('`version` (also `bl --version --json`)')
      const v = await check(s, 'version', version, ['version'])
      assert.deepEqual(await check(s, 'version', version, ['--version']), v)
      assert.match(v.version, /^\d+\.\d+\.\d+/)
      s.write('a.txt', 'a\n')
      s.write('e.txt', 'e\n')
      s.write('data/b.csv', 'x,y\n1,2\n')
      s.write('data/c.csv', 'p,q\n')
      const added = await check(s, 'add', docShape('`add`'), ['add', '-A'])
      assert.equal(added.added.length, 4)
      const c1 = await check(s, 'commit', docShape('`commit`'), ['commit', '-m', 'first'])
      assert.equal(c1.signedBy, null)
      const created = docShape('`branch <new>`, `tag <new>`')
      await Promise.all([check(s, 'branch <new>', created, ['branch', 'dev']), check(s, 'tag <new>', created, ['tag', 'v1'])])
      const list = docShape('`branch`, `tag` (list)')
      await Promise.all([check(s, 'branch (list)', list, ['branch']), check(s, 'tag (list)', list, ['tag'])])
    })

    it('rm, mv, clean, status, diff, checkout -- paths, restore, reset', async () => {
      const rm = await check(s, 'rm', docShape('`rm`'), ['rm', 'data/c.csv'])
      assert.deepEqual(rm.removed, ['data/c.csv'])
      const mv = await check(s, 'mv', docShape('`mv`'), ['mv', '-n', 'a.txt', 'moved.txt'])
      s.write('scratch.tmp', 'x\n')
      assert.deepEqual((await check(s, 'clean', docShape('`clean`'), ['clean', '-n'])).removed, ['scratch.tmp'])
      fs.rmSync(s.p('scratch.tmp'))
      assert.deepEqual(mv.moved, [{from: 'a.txt', to: 'moved.txt'}])
      s.write('a.txt', 'changed\n')
      s.write('u.txt', 'untracked\n')
      const [st, d] = await Promise.all([check(s, 'status', docShape('`status`'), ['status']), check(s, 'diff', docShape('`diff`'), ['diff'])])
      assert.ok(st.staged.length && st.unstaged.length && st.untracked.length, JSON.stringify(st))
      assert.ok(d.changes.length > 0)
      const co = await check(s, 'checkout -- paths', docShape('`checkout -- paths`, `restore`'), ['checkout', '--', 'a.txt'])
      assert.deepEqual(co.restored, ['a.txt'])
      s.write('a.txt', 'changed again\n')
      await check(s, 'restore', docShape('`checkout -- paths`, `restore`'), ['restore', 'a.txt'])
      const reset = await check(s, 'reset', docShape('`reset`'), ['reset'])
      assert.equal(reset.mode, 'mixed')
      fs.rmSync(s.p('u.txt'))
      await ops(s).commitA('second') // the deletion of data/c.csv
    })

    it('log, show <rev>, show <rev>:<file>, show <rev>:<dir>, ls-tree, archive, config', async () => {
      const cfg = docShape('`config`')
      await Promise.all([
        check(s, 'log', docShape('`log`'), ['log']),
        check(s, 'show <rev>', docShape('`show <rev>`'), ['show', 'HEAD']),
        check(s, 'show <rev>:<file>', docShape('`show <rev>:<file>`'), ['show', 'HEAD:a.txt']),
        check(s, 'show <rev>:<dir>', docShape('`show <rev>:<dir>`'), ['show', 'HEAD:data']),
        check(s, 'ls-tree', docShape('`ls-tree`'), ['ls-tree', 'HEAD']),
        check(s, 'archive', docShape('`archive`'), ['archive', '-o', path.join(s.base, 'shape.zip'), 'HEAD']),
        check(s, 'archive --list', docShape('`archive --list`'), ['archive', '--list']),
        check(s, 'config set', cfg, ['config', 'core.x', 'y']),
      ])
      await Promise.all([check(s, 'config get', cfg, ['config', 'core.x']), check(s, 'config list', docShape('`config`', 'list:'), ['config', '--list'])])
      assert.ok((await check(s, 'shortlog', docShape('`shortlog`'), ['shortlog', '-e'])).length > 0)
      assert.equal((await check(s, 'check-ignore', docShape('`check-ignore`'), ['check-ignore', 'x.log', 'a.txt'])).length, 2)
      // Narrowed to data/ and back: the other tests find the whole tree again.
      const sparse = docShape('`sparse-checkout set`, `sparse-checkout add`, `sparse-checkout disable`')
      assert.ok((await check(s, 'sparse-checkout set', sparse, ['sparse-checkout', 'set', 'data'])).removed.length > 0)
      assert.deepEqual((await check(s, 'sparse-checkout list', docShape('`sparse-checkout list`'), ['sparse-checkout', 'list'])).include, ['data'])
      assert.ok((await check(s, 'sparse-checkout disable', sparse, ['sparse-checkout', 'disable'])).written.length > 0)
    })

    it('switch, checkout <branch>, merge-base, a stopped merge (MERGE_CONFLICT, status, diff, show :2:<file>, merge --abort), merge -X', async () => {
      const co = docShape('`checkout <branch>`, `switch`')
      await check(s, 'switch', co, ['switch', 'dev'])
      await commitEdits(s, {'e.txt': 'dev\n'}, 'on dev')
      await check(s, 'checkout <branch>', co, ['checkout', 'main'])
      await commitEdits(s, {'e.txt': 'main\n'}, 'on main')
      const [mb] = await Promise.all([
        check(s, 'merge-base', docShape('`merge-base`'), ['merge-base', 'main', 'dev']),
        check(s, 'merge-base --is-ancestor', docShape('`merge-base --is-ancestor`'), ['merge-base', '--is-ancestor', 'HEAD~1', 'main']),
        check(s, 'merge-base --fork-point', docShape('`merge-base --fork-point`'), ['merge-base', '--fork-point', 'main', 'dev']),
        check(s, 'rev-parse', docShape('`rev-parse`'), ['rev-parse', '--show-toplevel', 'main', 'HEAD^{tree}', 'HEAD:e.txt']),
      ])
      assert.equal(mb.bases.length, 1)

      const e = await checkError(s, ['merge', 'dev'], 3)
      assert.equal(e.code, 'MERGE_CONFLICT')
      // error.data of MERGE_CONFLICT is documented in the prose under the table
      const span = codeSpans(MD).find((x) => x.text.startsWith('error.data = {operation'))
      assert.ok(span, 'docs/json.md documents error.data of MERGE_CONFLICT')
      const dataShape = parseShape(span.text.replace(/^error\.data = /, '').replace(/\\\|/g, '|')).shape
      const bad = mismatches(e.data, dataShape, 'error.data')
      const [st, d] = await Promise.all([
        check(s, 'status (stopped merge)', docShape('`status`'), ['status']),
        check(s, 'diff (stopped merge)', docShape('`diff`'), ['diff']),
        check(s, 'show :<n>:<file>', docShape('`show <rev>:<file>`'), ['show', ':2:e.txt']),
      ])
      assert.ok(st.operation && st.conflicts.length, JSON.stringify(st))
      assert.ok(d.conflicts?.length, JSON.stringify(d))
      await check(s, 'merge --abort', docShape('`merge --continue`', '`merge --abort`:'), ['merge', '--abort'])
      assert.deepEqual(bad, [], `MERGE_CONFLICT error.data does not match docs/json.md:\n  ${bad.join('\n  ')}\n${JSON.stringify(e.data)}`)

      const merged = await check(s, 'merge', docShape('`merge`'), ['merge', 'dev', '-X', 'theirs', '-m', 'merge dev'])
      assert.equal(merged.status, 'merged')
      assert.ok(merged.favored > 0, JSON.stringify(merged))
    })

    it('branch -m/-d, cherry-pick, revert, rebase', async () => {
      await check(s, 'branch -m', docShape('`branch <new>`, `tag <new>`', '`branch -m`:'), ['branch', '-m', 'dev', 'dev2'])
      await check(s, 'branch -d', docShape('`branch <new>`, `tag <new>`', '`-d`:'), ['branch', '-d', 'dev2'])
      const seq = docShape('`cherry-pick`, `revert`, `rebase` (and `--continue`, `--skip`)')
      await ops(s).switchNew('side')
      // Committed at another time than the cherry-pick below: made in the same second, the copy
      // would be the very same commit (same tree, parent, author, message and committer), and
      // main would then already contain side.
      s.write('a.txt', 'side\n')
      await ops(s, {env: {BL_COMMITTER_DATE: '1700000000 +0000'}}).commitA('on side')
      await ops(s).switch('main')
      await check(s, 'cherry-pick', seq, ['cherry-pick', 'side'])
      await check(s, 'revert', seq, ['revert', 'HEAD'])
      // main onto side: the cherry-picked commit is dropped (already there), the revert is replayed
      const rb = await check(s, 'rebase', seq, ['rebase', 'side'])
      assert.ok(rb.done.length > 0, JSON.stringify(rb))
    })

    it('stash push, list, show, pop, drop, clear, branch', async () => {
      s.write('a.txt', 'stashed\n')
      const pushed = await check(s, 'stash push', docShape('`stash`, `stash push`'), ['stash', 'push'])
      assert.equal(pushed.saved.name, 'stash@{0}')
      await Promise.all([check(s, 'stash list', docShape('`stash list`'), ['stash', 'list']), check(s, 'stash show', docShape('`stash show`'), ['stash', 'show'])])
      await check(s, 'stash apply', docShape('`stash apply`, `stash pop`'), ['stash', 'apply'])
      await ops(s).restore('a.txt')
      await check(s, 'stash drop', docShape('`stash drop`'), ['stash', 'drop'])
      s.write('a.txt', 'stashed again\n')
      await ops(s).stash()
      await check(s, 'stash clear', docShape('`stash clear`'), ['stash', 'clear'])
      s.write('a.txt', 'stashed for a branch\n')
      await ops(s).stash()
      await check(s, 'stash branch', docShape('`stash branch`'), ['stash', 'branch', 'from-stash'])
      await ops(s).restore('a.txt')
      await ops(s).switch('-')
    })

    it('reflog, fsck, gc', async () => {
      await Promise.all([check(s, 'reflog', docShape('`reflog`'), ['reflog']), check(s, 'fsck', docShape('`fsck`'), ['fsck'])])
      await check(s, 'gc', docShape('`gc`'), ['gc'])
    })
  })

  describe('keys, a signed commit, a directory remote, the branch policy; failures', {concurrency: 1}, () => {
    let owner = ''
    let second = ''

    it('key generate, import, list, export; a signed commit: commit -S, show --raw, show --signature, verify-commit, log --show-signature', async () => {
      // a second (public) key, made here, to import and to add as an owner
      const made = await openpgp.generateKey({type: 'ecc', curve: 'ed25519Legacy', userIDs: [{name: 'Second', email: 'second@example.com'}], format: 'armored'})
      const file = path.join(k.base, 'second.asc')
      fs.writeFileSync(file, made.publicKey)
      const [gen, imp] = await Promise.all([
        check(k, 'key generate', docShape('`key generate`'), ['key', 'generate', '--name', 'Owner', '--email', 'owner@example.com', '--no-passphrase']),
        check(k, 'key import', docShape('`key import`'), ['key', 'import', file]),
        okA(k, ['init', '-q']),
      ])
      owner = gen.fingerprint
      assert.equal(imp.imported.length, 1)
      second = imp.imported[0].fingerprint
      const [keys, , , signed] = await Promise.all([
        check(k, 'key list', docShape('`key`, `key list`'), ['key', 'list']),
        check(k, 'key', docShape('`key`, `key list`'), ['key']),
        check(k, 'key export', docShape('`key export`'), ['key', 'export', owner]),
        check(k, 'commit -S', docShape('`commit`'), ['commit', '--allow-empty', '-S', '-m', 'signed']),
      ])
      assert.equal(keys.length, 2)
      assert.equal(signed.signedBy, owner)
      const also = codeSpans(row('`log`')).find((x) => x.text.startsWith('signature:'))
      assert.ok(also, 'docs/json.md documents the signature of log --show-signature')
      await Promise.all([
        check(k, 'show --raw <rev>', docShape('`show --raw <rev>`'), ['show', '--raw', 'HEAD']),
        check(k, 'show --signature <rev>', docShape('`show --signature <rev>`'), ['show', '--signature', 'HEAD']),
        check(k, 'verify-commit', docShape('`verify-commit`'), ['verify-commit', 'HEAD']),
        check(k, 'log --show-signature', {t: 'arr', elem: withFields(elementOf(docShape('`log`')), also.text)}, ['log', '--show-signature']),
      ])
    })

    it('remote add/list, push, ls-remote, doctor, clone, fetch, pull, branch -r, reflog <remote>/<branch>, fork, gc --evict', async () => {
      const list = docShape('`remote`, `remote list`')
      // "`remote add`, `remote set-url`, `remote get-url`: one such remote"
      await check(k, 'remote add', elementOf(list), ['remote', 'add', 'origin', remote])
      await check(k, 'remote get-url', elementOf(list), ['remote', 'get-url', 'origin'])
      await check(k, 'remote list', list, ['remote', 'list'])
      const p = await check(k, 'push', docShape('`push`'), ['push', '-u'])
      assert.ok(p.refs.length > 0)
      const [, , cl] = await Promise.all([
        check(k, 'ls-remote', docShape('`ls-remote`'), ['ls-remote']),
        check(k, 'doctor', docShape('`doctor`'), ['doctor']),
        check(c, 'clone', docShape('`clone`'), ['clone', remote, c.dir], {cwd: c.base}),
      ])
      assert.equal(cl.checkedOut, true)
      await ops(c).commitMsg('from the clone', {allowEmpty: true})
      await okA(c, ['push', '-q'])
      const fe = await check(k, 'fetch', docShape('`fetch`'), ['fetch'])
      assert.ok(fe.updated.length > 0)
      const pull = await check(k, 'pull', docShape('`pull`'), ['pull'])
      assert.equal(pull.merge.status, 'fast-forward')
      await Promise.all([
        check(k, 'branch -r', docShape('`branch`, `tag` (list)'), ['branch', '-r']),
        check(k, 'reflog <remote>/<branch>', docShape('`reflog <remote>/<branch>`'), ['reflog', 'origin/main']),
        check(k, 'fork', docShape('`fork`'), ['fork', remote, path.join(remotes, 'fork')]),
        check(c, 'gc --evict', docShape('`gc`'), ['gc', '--evict']).then((g) => assert.ok(g.evict, JSON.stringify(g))),
      ])
    })

    it('pin, pin --check, checkout --locked, pull --locked, clone --locked, commit --input, lineage, remote remove', async () => {
      // bl.lock above the data work tree (where the code repository would be): at the data root it
      // would itself be an untracked file of the data, and `pin --check` would fail
      const lockFile = path.join(k.base, 'bl.lock')
      const pin = await check(k, 'pin', docShape('`pin`'), ['pin', '--lock-file', lockFile])
      assert.equal(pin.file, lockFile)
      await check(k, 'pin --check', docShape('`pin --check`'), ['pin', '--check'])
      // "a mismatch fails with PIN_MISMATCH (exit 1) and the same object as error.data"
      k.write('stray.txt', 'x\n')
      const mismatch = await checkError(k, ['pin', '--check'], 1)
      fs.rmSync(k.p('stray.txt'))
      assert.equal(mismatch.code, 'PIN_MISMATCH')
      const bad = mismatches(mismatch.data, docShape('`pin --check`'), 'error.data')
      assert.deepEqual(bad, [], `PIN_MISMATCH error.data does not match docs/json.md:\n  ${bad.join('\n  ')}\n${JSON.stringify(mismatch.data)}`)
      await check(k, 'checkout --locked', docShape('`checkout --locked`'), ['checkout', '--locked'])
      const [pl] = await Promise.all([
        check(k, 'pull --locked', docShape('`pull --locked`'), ['pull', '--locked']),
        check(k, 'clone --locked', docShape('`clone --locked`'), ['clone', '--locked', path.join(k.base, 'locked')], {cwd: k.base}),
      ])
      assert.ok(pl.fetch, JSON.stringify(pl))
      await okA(k, ['commit', '--allow-empty', '-q', '-m', 'derived', '--input', 'origin@main'])
      const lin = await check(k, 'lineage', docShape('`lineage`'), ['lineage'])
      assert.ok(lin.nodes.length > 1 && lin.edges.length > 0, JSON.stringify(lin))
      await check(k, 'remote remove', docShape('`remote add`, `remote set-url`, `remote get-url`', '`remote remove`:'), ['remote', 'remove', 'origin'])
    })

    it('protect set/list/remove, signers add/list/remove, owners add/list/remove, verify, key delete', async () => {
      const set = await check(k, 'protect set', docShape('`protect set`'), ['protect', 'set', 'main', '--no-force-push'])
      assert.equal(set.created, true)
      await check(k, 'signers add', docShape('`signers add`'), ['signers', 'add', owner, '--branches', 'main'])
      await check(k, 'owners add', docShape('`owners add`'), ['owners', 'add', second])
      const [, , , , , , v] = await Promise.all([
        check(k, 'protect list', docShape('`protect`, `protect list`'), ['protect', 'list']),
        check(k, 'protect', docShape('`protect`, `protect list`'), ['protect']),
        check(k, 'signers list', docShape('`signers`, `signers list`'), ['signers', 'list']),
        check(k, 'signers', docShape('`signers`, `signers list`'), ['signers']),
        check(k, 'owners list', docShape('`owners`, `owners list`'), ['owners', 'list']),
        check(k, 'owners', docShape('`owners`, `owners list`'), ['owners']),
        check(k, 'verify', docShape('`verify`'), ['verify']),
      ])
      assert.ok(v.branches.length > 0, JSON.stringify(v))
      await check(k, 'owners remove', docShape('`owners remove`'), ['owners', 'remove', second])
      await check(k, 'signers remove', docShape('`signers remove`'), ['signers', 'remove', owner])
      await check(k, 'protect remove', docShape('`protect remove`'), ['protect', 'remove', 'main'])
      // not side by side with a keyring reader: a key deleted between its readdir and its read
      // makes that reader fail with INVALID_KEY (Keyring.list)
      await check(k, 'key delete', docShape('`key delete`'), ['key', 'delete', second])
    })

    it('failures: unknown revision, not a repository, bad flag give {ok: false, error: {code, message, hint, data}}', async () => {
      const plain = path.join(k.base, 'plain')
      fs.mkdirSync(plain, {recursive: true})
      const [unknown, notRepo, badFlag] = await Promise.all([
        checkError(k, ['log', 'no-such-rev'], 4),
        checkError(k, ['status'], 4, {cwd: plain}),
        checkError(k, ['status', '--no-such-flag'], 2),
      ])
      assert.equal(unknown.code, 'UNKNOWN_REVISION')
      assert.equal(notRepo.code, 'NOT_A_REPOSITORY')
      assert.equal(badFlag.code, 'INVALID_ARGUMENT')
    })
  })
})

describe('tables', () => {
  const s = new Sandbox()
  after(() => s.cleanup())

  it('preview (table and document), stats of a table and of a commit, schema', async () => {
    initRepo(s)
    s.write('t.csv', 'id,v,w\n1,a,\n2,b,true\n')
    s.write('d.json', '{"a": 1}')
    await ops(s).commitAll('tables')
    await check(s, 'preview', docShape('`preview`'), ['preview', 'HEAD:t.csv'])
    await check(s, 'preview (document)', docShape('`preview`', 'or for a JSON document'), ['preview', 'HEAD:d.json'])
    await check(s, 'stats <rev>:<path>', docShape('`stats <rev>:<path>`'), ['stats', 'HEAD:t.csv'])
    await check(s, 'stats <rev>', docShape('`stats <rev>`'), ['stats', 'HEAD'])
    await check(s, 'schema', docShape('`schema`'), ['schema', 'HEAD:t.csv'])
  })
})

describe('coverage', () => {
  it('checks at least 30 commands of the table', (t) => {
    t.diagnostic(`${covered.size} command shapes checked: ${[...covered].join(', ')}`)
    for (const [name, notes] of nullNotes) t.diagnostic(`note (${name}): ${[...notes].join('; ')}`)
    if (unresolved.size) t.diagnostic(`note: references without a definition in docs/json.md (not checked): ${[...unresolved].join(', ')}`)
    assert.ok(covered.size >= 30, `only ${covered.size} command shapes checked`)
  })
})
