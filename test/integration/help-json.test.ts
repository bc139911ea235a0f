/**
 * Help as JSON (docs/json.md, "Help"): `bl help [<command>] --json`, `bl <command> --help --json`
 * (or `-h`) and the root listing, built from oclif's command metadata by bl's help class; an
 * unknown command in bl's JSON error format; the text help as it was. Through the real binary.
 */
import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {stripVTControlCharacters} from 'node:util'
import {Sandbox} from './helpers.ts'

describe('help --json', () => {
  // Help needs no repository: the sandbox's work tree is a plain empty directory.
  const s = new Sandbox()
  after(() => s.cleanup())

  /** Runs bl, asserts exit 0 and nothing on stderr, and returns `result` of the {ok: true} envelope. */
  function help(args: string[]): any {
    const r = s.bl(args)
    assert.equal(r.code, 0, `bl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout.slice(0, 500)}\nstderr: ${r.stderr}`)
    assert.equal(r.stderr, '')
    const doc = r.json()
    assert.deepEqual(Object.keys(doc).sort(), ['ok', 'result'])
    assert.equal(doc.ok, true)
    return doc.result
  }

  const flag = (cmd: any, name: string) => cmd.flags.find((f: any) => f.name === name)

  it('`bl help commit --json` describes commit: summary, usage, args, flags, examples', () => {
    const c = help(['help', 'commit', '--json'])
    assert.equal(c.kind, 'command')
    assert.equal(c.id, 'commit')
    assert.equal(c.summary, 'Record the staged changes as a new commit.')
    assert.match(c.description, /BL_AUTHOR_NAME/)
    assert.equal(c.usage.length, 1)
    assert.match(c.usage[0], /^bl commit \[PATHS\.\.\.\] \[--json\] \[-q\] \[-m <value>\.\.\. \| -F <value>\] /)
    assert.deepEqual(c.aliases, [])
    assert.deepEqual(c.args, [{name: 'paths', description: 'Tracked files or directories to commit (others stay staged).', required: false, multiple: true}])
    assert.deepEqual(flag(c, 'message'), {
      name: 'message',
      char: 'm',
      description: 'Commit message (repeat for paragraphs).',
      type: 'option',
      required: false,
      multiple: true,
      default: null,
      allowNo: false,
      group: null,
      exclusive: ['file'],
    })
    assert.equal(flag(c, 'sign').char, 'S')
    assert.equal(flag(c, 'sign').type, 'boolean')
    assert.equal(flag(c, 'sign').allowNo, true)
    assert.deepEqual(flag(c, 'include').exclusive, ['only'])
    assert.equal(flag(c, 'only').exclusive, undefined, 'absent where the command defines none')
    assert.equal(flag(c, 'json').group, 'GLOBAL')
    assert.equal(flag(c, 'quiet').char, 'q')
    assert.ok(c.examples.length > 0)
    for (const e of c.examples) {
      assert.equal(e.description, null)
      assert.match(e.command, /^bl commit /, 'config.bin is expanded')
      assert.ok(!e.command.includes('<%'), e.command)
    }
    assert.deepEqual(c.commands, [])
  })

  it('options, defaults and dependsOn as the command defines them', () => {
    const status = help(['help', 'status', '--json'])
    assert.deepEqual(flag(status, 'untracked-files').options, ['normal', 'all'])
    assert.equal(flag(status, 'untracked-files').default, 'normal')
    assert.deepEqual(flag(help(['help', 'checkout', '--json']), 'lock-file').dependsOn, ['locked'])
    assert.equal(flag(help(['help', 'preview', '--json']), 'rows').default, 20)
  })

  it('`remote add` has its two required args; every way of asking gives the same document', () => {
    const c = help(['help', 'remote', 'add', '--json'])
    assert.equal(c.id, 'remote add')
    assert.deepEqual(
      c.args.map((a: any) => [a.name, a.required, a.multiple]),
      [
        ['name', true, false],
        ['url', true, false],
      ],
    )
    assert.equal(c.args[0].description, 'Remote name.')
    assert.ok(c.flags.some((f: any) => f.name === 'endpoint' && f.type === 'option'))
    assert.match(c.usage[0], /^bl remote add NAME URL /)
    for (const args of [
      ['remote', 'add', '--help', '--json'],
      ['remote', 'add', '-h', '--json'],
      ['--json', 'help', 'remote', 'add'],
      ['--json', 'remote', 'add', '--help'],
      ['remote', 'add', 'origin', 's3://b/p', '--help', '--json'],
    ]) {
      assert.deepEqual(help(args), c, `bl ${args.join(' ')}`)
    }
  })

  it('an alias gives its command; a command with commands below it lists them; a topic too', () => {
    const rm = help(['help', 'remote', 'rm', '--json'])
    assert.equal(rm.id, 'remote remove')
    assert.deepEqual(rm.aliases, ['remote rm'])

    const remote = help(['remote', '--help', '--json'])
    assert.equal(remote.kind, 'command')
    assert.deepEqual(
      remote.commands.map((c: any) => c.id),
      ['remote add', 'remote get-url', 'remote list', 'remote remove', 'remote rename', 'remote set-url'],
    )
    assert.deepEqual(remote.commands[3].aliases, ['remote rm'])

    // A topic whose bare name lists (`bl key` = `bl key list`) is a command with sub-commands.
    const key = help(['help', 'key', '--json'])
    assert.equal(key.kind, 'command')
    assert.equal(key.id, 'key')
    assert.match(key.description, /OpenPGP keys/)
    assert.ok(key.commands.some((c: any) => c.id === 'key generate' && typeof c.summary === 'string'))
    // ... and run alone it lists, so `--json` gives JSON, not the topic's text help.
    assert.deepEqual(help(['key', '--json']), help(['key', 'list', '--json']))
  })

  it('`bl help --json` and `bl --help --json`: version, topics and every command, hidden ones left out', () => {
    const root = help(['help', '--json'])
    assert.deepEqual(help(['--help', '--json']), root)
    assert.deepEqual(help(['--json', '-h']), root)
    assert.equal(root.kind, 'root')
    assert.equal(root.bin, 'bl')
    assert.equal(root.version, help(['version', '--json']).version)
    const remote = root.topics.find((t: any) => t.name === 'remote')
    assert.equal(remote.description, 'Manage the remotes this repository pushes to and fetches from.')
    const ids = root.commands.map((c: any) => c.id)
    assert.deepEqual(root.commands.find((c: any) => c.id === 'commit'), {id: 'commit', summary: 'Record the staged changes as a new commit.', aliases: []})
    assert.ok(ids.includes('remote add') && ids.includes('log') && ids.includes('help'))
    assert.ok(!ids.includes('autocomplete create') && !ids.includes('autocomplete script'), 'hidden commands are left out')
    assert.ok(!ids.includes('remote rm'), 'an alias is listed with its command, not as one')
    assert.deepEqual([...ids].sort(), ids)
  })

  it('an unknown command -> exit 2, INVALID_ARGUMENT in bl\'s JSON error format with a hint', () => {
    for (const args of [
      ['help', 'nosuch', '--json'],
      ['nosuch', '--help', '--json'],
    ]) {
      const r = s.bl(args)
      assert.equal(r.code, 2, `bl ${args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.equal(r.stderr, '')
      const doc = r.json()
      assert.deepEqual(doc, {
        ok: false,
        error: {code: 'INVALID_ARGUMENT', message: "'nosuch' is not a bl command", hint: '`bl help` lists the commands.', data: {command: 'nosuch'}},
      })
    }
    const typo = s.bl(['help', 'comit', '--json'])
    assert.equal(typo.code, 2)
    assert.match(typo.json().error.hint, /Did you mean `bl commit`\?/)
    const sub = s.bl(['help', 'remote', 'nosuch', '--json'])
    assert.equal(sub.code, 2)
    assert.equal(sub.json().error.data.command, 'remote nosuch')
  })

  it('without --json the help is oclif\'s text, as before', () => {
    const text = s.bl(['help', 'commit'])
    assert.equal(text.code, 0, text.stderr)
    const out = stripVTControlCharacters(text.stdout)
    assert.match(out, /^Record the staged changes as a new commit\.$/m)
    assert.match(out, /^USAGE\n {2}\$ bl commit \[PATHS\.\.\.\] \[--json\] \[-q\] \[-m <value>\.\.\. \| -F\s+<value>\]/m)
    assert.match(out, /^FLAGS$/m)
    assert.match(out, /^EXAMPLES$/m)
    assert.throws(() => JSON.parse(text.stdout))
    assert.equal(s.bl(['commit', '--help']).stdout, text.stdout)
    // `-h` is a help flag, as in Git (`git commit -h`).
    const short = s.bl(['commit', '-h'])
    assert.deepEqual([short.code, short.stdout], [0, text.stdout], short.stderr)
    const root = stripVTControlCharacters(s.bl(['help']).stdout)
    assert.match(root, /^TOPICS$/m)
    assert.match(root, /^COMMANDS$/m)
    // oclif's own error for an unknown command under `help`, on stderr.
    const unknown = s.bl(['help', 'nosuch'])
    assert.equal(unknown.code, 2)
    assert.equal(unknown.stdout, '')
    assert.match(unknown.stderr, /Command nosuch not found/)
  })
})
