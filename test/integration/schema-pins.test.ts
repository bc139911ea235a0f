/**
 * Schema pins (docs/tables.md, "Schema pins") through the real binary: `bl schema pin|unpin|pins`,
 * the check of every commit (bl commit and the commits of merge) against the `.blschema` of its
 * tree, the per-column report, and `bl verify` reporting pushed history that breaks a pin.
 *
 * Pushed history that breaks a pin cannot be made with this bl (every commit it writes is
 * checked), so the violating commit is written the way a client that predates schema pins writes
 * one: the index becomes a tree and a commit through the core's object layer, with no check. It is
 * then pushed with the real `bl push`, fetched by the other clone, and audited there.
 */
import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import {jA, lines, okA, revIdA, Sandbox, withJson} from './helpers.ts'
import {repoWithIP} from './inproc.ts'
import {ops} from './inproc-history.ts'
import {openRepo} from '../../src/core/repo.ts'
import {loadIndex} from '../../src/core/worktree/index-state.ts'
import {writeTree} from '../../src/core/tree-build.ts'
import {commitId, encodeCommit, type Commit} from '../../src/core/objects/commit.ts'
import {advanceHead, readHead} from '../../src/core/refs/refs.ts'

const PIN = 'data/*.csv'
// price is a number with a null; id and name have no nulls.
const BASE = 'id,price,name\n1,10.5,apple\n2,,pear\n'

/** Runs a command expected to fail: exit code, stderr lines, and the --json error. */
async function refused(s: Sandbox, args: string[], exit: number): Promise<{stderr: string[]; error: any}> {
  const [t, j] = [await s.runAsync(args), await s.runAsync(withJson(args))]
  assert.equal(t.code, exit, `bl ${args.join(' ')}: exit ${t.code}\n${t.stdout}\n${t.stderr}`)
  assert.equal(j.code, exit)
  const doc = j.json()
  assert.equal(doc.ok, false)
  return {stderr: lines(t.stderr), error: doc.error}
}

/** Writes `files` and stages everything (`bl add -A -q`, in-process: set-up of the commit under test). */
async function stageAll(s: Sandbox, files: Record<string, string>): Promise<void> {
  for (const [p, v] of Object.entries(files)) s.write(p, v)
  await ops(s).addAll()
}

/** A commit of the index written without any check, as a bl that predates schema pins writes it. */
function commitUnchecked(s: Sandbox, message: string): string {
  const repo = openRepo({cwd: s.dir, env: {BL_AUTHOR_NAME: 'Old Client', BL_AUTHOR_EMAIL: 'old@example.com'}, userConfigDir: s.configDir, now: () => new Date()})
  try {
    const head = readHead(repo)
    return repo.store.transaction(
      () => {
        const entries = [...loadIndex(repo).values()].map((e) => ({path: e.path, kind: e.kind === 'symlink' ? ('symlink' as const) : ('file' as const), exec: e.exec, size: e.size, id: e.id}))
        const c: Commit = {tree: writeTree(repo.store, entries), parents: head.oid ? [head.oid] : [], author: repo.identity('author'), committer: repo.identity('committer'), message: message + '\n', meta: {}}
        const id = commitId(c)
        repo.store.putObject(id, 'commit', encodeCommit(c))
        advanceHead(repo, head.oid, id, `commit: ${message}`)
        return id
      },
      {durable: true},
    )
  } finally {
    repo.close()
  }
}

/** The top-level keys of a docs/json.md row's shape (`{a, b \\| null, c: {...}}` -> a, b, c). */
function documentedKeys(command: string): string[] {
  const md = fs.readFileSync(new URL('../../docs/json.md', import.meta.url), 'utf8')
  const row = md.split('\n').find((l) => l.startsWith(`| \`${command}\` |`))
  assert.ok(row, `docs/json.md has a row for ${command}`)
  const shape = /\| `(\{[^`]*\})`/.exec(row)![1]!.slice(1, -1)
  const keys: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of shape + ',') {
    if ('{['.includes(ch)) depth++
    if ('}]'.includes(ch)) depth--
    if (ch === ',' && depth === 0) {
      keys.push(cur.trim().split(/[:\s]/)[0]!)
      cur = ''
    } else cur += ch
  }
  return keys
}

describe('schema pins', {concurrency: true}, () => {
  const boxes: Sandbox[] = []
  after(() => boxes.forEach((b) => b.cleanup()))

  it('pin, conforming and widened commits, missing/extra/retyped refused per column, --strict, re-pin, unpin', async () => {
    const s = await repoWithIP({'data/a.csv': BASE, 'notes/readme.txt': 'not pinned\n'})
    boxes.push(s)
    const b = ops(s)
    await b.branch('side')

    // Several files match: the pin needs --from; one file matches: it is the source.
    s.write('data/tmp.csv', BASE)
    const ambiguous = await refused(s, ['schema', 'pin', PIN], 2)
    assert.equal(ambiguous.error.code, 'INVALID_ARGUMENT')
    assert.match(ambiguous.error.hint, /--from/)
    fs.rmSync(s.p('data/tmp.csv'))
    const pinned = await jA(s, ['schema', 'pin', PIN])
    assert.deepEqual(pinned, {
      file: '.blschema',
      pin: {
        pattern: PIN,
        strict: false,
        columns: [
          {name: 'id', type: 'integer', nullable: false},
          {name: 'price', type: 'number', nullable: true},
          {name: 'name', type: 'string', nullable: false},
        ],
      },
      from: {path: 'data/a.csv', rev: null},
      replaced: false,
    })
    // Canonical JSON: sorted keys, two-space indent, trailing newline.
    assert.deepEqual(Object.keys(pinned), documentedKeys('schema pin'))
    const text = s.read('.blschema').toString()
    assert.equal(text, JSON.stringify({pins: [{columns: pinned.pin.columns.map((c: any) => ({name: c.name, nullable: c.nullable, type: c.type})), pattern: PIN, strict: false}], version: 1}, null, 2) + '\n')
    const st = await jA(s, ['status'])
    assert.ok(JSON.stringify(st).includes('.blschema'), 'the pin file is staged')
    await okA(s, ['commit', '-q', '-m', 'pin the data schema'])
    const listed = await jA(s, ['schema', 'pins', '--rev', 'HEAD'])
    assert.deepEqual(listed, {file: '.blschema', rev: 'HEAD', pins: [pinned.pin]})
    assert.deepEqual(Object.keys(listed), documentedKeys('schema pins'))

    // Conforming: a new table with the pinned columns; its integer prices fit the number pin.
    await stageAll(s, {'data/b.csv': 'id,price,name\n3,7,fig\n4,8,kiwi\n', 'notes/other.txt': 'anything\n'})
    await okA(s, ['commit', '-q', '-m', 'add b (integer prices)'])
    assert.equal((await jA(s, ['schema', 'HEAD:data/b.csv'])).columns[1].type, 'integer')
    const good = await b.rev('HEAD')

    // missing, extra, retyped: each refused (exit 13), one stderr line per column, data per column.
    const cases: Array<[string, string, any, string]> = [
      ['id,name\n5,plum\n', 'missing', {column: 'price', problem: 'missing', expected: 'number', actual: null}, 'schema: data/c.csv: column "price": missing (pinned number)'],
      ['id,price,name,color\n5,1.5,plum,red\n', 'extra', {column: 'color', problem: 'extra', expected: null, actual: 'string'}, 'schema: data/c.csv: column "color": extra (found string, not in the pin)'],
      ['id,price,name\n5,cheap,plum\n', 'retyped', {column: 'price', problem: 'retyped', expected: 'number', actual: 'string'}, 'schema: data/c.csv: column "price": retyped (pinned number, found string)'],
    ]
    for (const [csv, problem, data, line] of cases) {
      await stageAll(s, {'data/c.csv': csv})
      const r = await refused(s, ['commit', '-m', `c ${problem}`], 13)
      assert.equal(r.error.code, 'SCHEMA_VIOLATION')
      assert.deepEqual(r.stderr, [line, `error: 1 table does not conform to the pinned schema: ${line.slice('schema: '.length)}`, r.stderr[2]])
      assert.match(r.stderr[2]!, /^hint: .*bl schema pin/)
      assert.deepEqual(r.error.data.violations, [{path: 'data/c.csv', pattern: PIN, ...data, message: line.slice('schema: '.length)}])
      assert.equal(await revIdA(s, 'HEAD'), good, `HEAD unchanged after the ${problem} refusal`)
    }
    // Nothing was written: the refused table is still staged, not committed.
    assert.equal((await jA(s, ['log'])).length, 3)
    const staged = await jA(s, ['status'])
    assert.ok(JSON.stringify(staged).includes('data/c.csv'), JSON.stringify(staged))

    // Several problems in several tables: one refusal, a line for each.
    await stageAll(s, {'data/c.csv': 'id,name\n5,plum\n', 'data/d.csv': 'id,price,name,x\n6,1,fig,true\n'})
    const multi = await refused(s, ['commit', '-m', 'c and d'], 13)
    assert.match(multi.error.message, /^2 tables do not conform/)
    assert.deepEqual(
      multi.error.data.violations.map((v: any) => [v.path, v.column, v.problem]),
      [
        ['data/c.csv', 'price', 'missing'],
        ['data/d.csv', 'x', 'extra'],
      ],
    )
    assert.equal(multi.stderr.filter((l) => l.startsWith('schema: ')).length, 2)
    fs.rmSync(s.p('data/d.csv'))

    // Not strict: a null in a column pinned non-null is accepted.
    await stageAll(s, {'data/c.csv': 'id,price,name\n5,1.5,\n'})
    await okA(s, ['commit', '-q', '-m', 'c with a null name'])

    // A pin change is itself a commit, and it checks every matching table: c.csv breaks --strict.
    const strict = await jA(s, ['schema', 'pin', PIN, '--from', 'HEAD:data/a.csv', '--strict'])
    assert.equal(strict.replaced, true)
    assert.deepEqual(strict.from, {path: 'data/a.csv', rev: 'HEAD'})
    const before = await b.rev('HEAD')
    const nulls = await refused(s, ['commit', '-m', 'strict pin'], 13)
    assert.deepEqual(nulls.error.data.violations, [
      {path: 'data/c.csv', pattern: PIN, column: 'name', problem: 'nulls', expected: 'non-null', actual: '1 null', message: 'data/c.csv: column "name": nulls (pinned non-null, found 1 null)'},
    ])
    assert.equal(nulls.stderr[0], 'schema: data/c.csv: column "name": nulls (pinned non-null, found 1 null)')
    assert.equal(await revIdA(s, 'HEAD'), before)
    // Nulls in a nullable column stay fine under --strict.
    await stageAll(s, {'data/c.csv': 'id,price,name\n5,,plum\n'})
    await okA(s, ['commit', '-q', '-m', 'strict pin, c fixed'])
    assert.equal((await jA(s, ['schema', 'pins'])).pins[0].strict, true)
    await stageAll(s, {'data/e.csv': 'id,price,name\n,1,fig\n'})
    assert.equal((await refused(s, ['commit', '-m', 'e'], 13)).error.data.violations[0].column, 'id')

    // The commits of merge are checked too: side changed a.csv before it had the pin.
    fs.rmSync(s.p('data/e.csv'))
    await b.addAll()
    await b.switch('side')
    await stageAll(s, {'data/a.csv': 'id,price,name,extra\n1,10.5,apple,x\n'})
    await b.commit('side: extra column')
    await b.switch('main')
    const main = await b.rev('HEAD')
    const merge = await refused(s, ['merge', 'side', '-m', 'merge side'], 13)
    assert.deepEqual(merge.error.data.violations.map((v: any) => [v.path, v.column, v.problem]), [['data/a.csv', 'extra', 'extra']])
    assert.equal(await revIdA(s, 'HEAD'), main, 'the merge commit was refused')
    assert.equal(s.read('data/a.csv').toString(), BASE, 'the work tree was not touched')
    const st2 = await jA(s, ['status'])
    assert.equal(st2.clean, true)
    assert.equal(st2.operation, null, 'no merge in progress')
    // So are those of cherry-pick: refused at its first commit, nothing is left in progress.
    assert.equal((await refused(s, ['cherry-pick', 'side'], 13)).error.code, 'SCHEMA_VIOLATION')
    assert.equal(await revIdA(s, 'HEAD'), main)
    assert.equal((await jA(s, ['status'])).operation, null, 'no cherry-pick in progress')

    // Unpin: the next commit (of .blschema) no longer checks the tables.
    const un = await jA(s, ['schema', 'unpin', PIN])
    assert.equal(un.removed.pattern, PIN)
    assert.equal(un.pins, 0)
    assert.deepEqual(Object.keys(un), documentedKeys('schema unpin'))
    await stageAll(s, {'data/e.csv': 'whatever\nx\n'})
    await okA(s, ['commit', '-q', '-m', 'unpinned'])
    assert.deepEqual((await jA(s, ['schema', 'pins', '--rev', 'HEAD'])).pins, [])
    assert.equal((await refused(s, ['schema', 'unpin', PIN], 2)).error.code, 'INVALID_ARGUMENT')
  })

  it('a malformed .blschema refuses the commit with BAD_CONFIG naming the problem', async () => {
    const s = await repoWithIP({'data/a.csv': BASE})
    boxes.push(s)
    await stageAll(s, {'.blschema': JSON.stringify({version: 1, pins: [{pattern: PIN, strict: false, columns: [{name: 'id', type: 'float', nullable: false}]}]})})
    const r = await refused(s, ['commit', '-m', 'bad pins'], 2)
    assert.equal(r.error.code, 'BAD_CONFIG')
    assert.match(r.error.message, /pins\[0\]\.columns\[0\]\.type: "float" is not a column type/)
    // A file matching a pin that is no readable table is reported as `unreadable`.
    await stageAll(s, {'.blschema': JSON.stringify({version: 1, pins: [{pattern: PIN, strict: false, columns: [{name: 'id', type: 'integer', nullable: false}]}]}), 'data/broken.csv': 'id,x\n1,2,3\n'})
    const u = await refused(s, ['commit', '-m', 'broken'], 13)
    const v = u.error.data.violations.find((x: any) => x.path === 'data/broken.csv')
    assert.equal(v.problem, 'unreadable')
    assert.match(v.actual, /line 2/)
  })

  it('a commit -a or commit <paths> refused by a pin leaves the index as it was (nothing staged)', async () => {
    const s = await repoWithIP({'data/a.csv': BASE})
    boxes.push(s)
    await ops(s).schemaPin(PIN)
    await ops(s).commit('pin')
    s.write('data/a.csv', 'id,price,name\nx,1,apple\n') // id is no longer an integer
    const unstaged = [' M data/a.csv']
    assert.deepEqual(lines((await s.runAsync(['status', '--short'])).stdout), unstaged)
    for (const args of [['commit', '-a', '-m', 'bad'], ['commit', '-m', 'bad', 'data/a.csv']]) {
      const r = await refused(s, args, 13)
      assert.equal(r.error.code, 'SCHEMA_VIOLATION')
      assert.deepEqual(lines((await s.runAsync(['status', '--short'])).stdout), unstaged, `bl ${args.join(' ')} left the change unstaged`)
    }
  })

  it('bl verify reports pushed history that breaks a pin (written by a client that does not check pins)', async () => {
    const a = await repoWithIP({'data/a.csv': BASE})
    boxes.push(a)
    await ops(a).schemaPin(PIN)
    await ops(a).commit('pin')
    const remote = path.join(a.base, 'remote')
    await ops(a).remoteAdd('origin', remote)
    await okA(a, ['push', '-q', '-u', 'origin', 'main'])
    const clean = await jA(a, ['verify'])
    assert.deepEqual(clean.schema.map((b: any) => [b.branch, b.checked, b.violations.length]), [['main', 1, 0]])
    assert.deepEqual(clean.violations, [])
    assert.deepEqual(Object.keys(clean), documentedKeys('verify'))

    const b = new Sandbox()
    boxes.push(b)
    await okA(b, ['clone', '-q', remote, b.dir], {cwd: b.base})
    await stageAll(b, {'data/a.csv': 'id,price,name\n1,cheap,apple\n'})
    assert.equal((await b.runAsync(['commit', '-q', '-m', 'retype price'])).code, 13, 'this bl refuses it')
    const evil = commitUnchecked(b, 'retype price (old client)')
    await okA(b, ['push', '-q'])

    await okA(a, ['fetch', '-q'])
    // Local main does not hold the commit yet; origin/main does.
    assert.equal((await jA(a, ['verify'])).violations.length, 0)
    const r = await refused(a, ['verify', '--branch', 'origin/main'], 11)
    assert.equal(r.error.code, 'POLICY_VIOLATION')
    assert.deepEqual(r.error.data.violations, [
      {
        branch: 'main',
        commit: evil,
        rule: PIN,
        check: 'schema',
        path: 'data/a.csv',
        pattern: PIN,
        column: 'price',
        problem: 'retyped',
        expected: 'number',
        actual: 'string',
        message: 'data/a.csv: column "price": retyped (pinned number, found string)',
      },
    ])
    assert.equal(r.error.data.schema[0].checked, 2)
    assert.ok(r.stderr.some((l) => l.includes(`${evil.slice(0, 12)} main: schema (rule "${PIN}"): data/a.csv: column "price": retyped`)), r.stderr.join('\n'))
    // Fast-forwarded into the local branch, the default audit reports it too.
    await okA(a, ['merge', '-q', 'origin/main'])
    assert.equal(await revIdA(a, 'HEAD'), evil)
    const local = await refused(a, ['verify'], 11)
    assert.deepEqual(local.error.data.violations.map((v: any) => [v.commit, v.check]), [[evil, 'schema']])
  })
})
