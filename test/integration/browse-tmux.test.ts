/**
 * `bl browse` end to end in a real terminal: tmux runs the real binary on a fixture repository,
 * the test sends keys and reads the screen with `tmux capture-pane`, and checks the terminal is
 * given back exactly (main screen, cursor shown, title untouched) after q and after SIGTERM.
 * Without a terminal, or with --json, browse fails with NOT_A_TERMINAL.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import {BIN, failsWith, repoWith, revId, sleep, type Sandbox} from './helpers.ts'

const SOCKET = `bl-browse-${process.pid}`

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], {encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

/** Processes whose parent is `pid` (from /proc, so no procps is needed). */
function childrenOf(pid: number): number[] {
  const out: number[] = []
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      // The command name may hold spaces or parentheses: the fields after the last ')' are fixed.
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d))
    } catch {
      // gone meanwhile
    }
  }
  return out
}

const screen = (): string => tmux('capture-pane', '-p', '-t', 't')
const paneFlag = (f: string): string => tmux('display-message', '-p', '-t', 't', `#{${f}}`).trim()

async function waitScreen(check: (s: string) => boolean, what: string, ms = 15_000): Promise<string> {
  const until = Date.now() + ms
  for (;;) {
    const s = screen()
    if (check(s)) return s
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}; screen:\n${s}`)
    await sleep(50)
  }
}

const shows = (text: string): Promise<string> => waitScreen((s) => s.includes(text), JSON.stringify(text))

/** Sends tmux key names (`Enter`, `Tab`, `Escape`) or literal characters, one at a time. */
async function keys(...ks: string[]): Promise<void> {
  for (const k of ks) {
    tmux('send-keys', '-t', 't', ...(k.length === 1 ? ['-l', k] : [k]))
    await sleep(60)
  }
}

describe('bl browse in a real terminal (tmux)', () => {
  let s: Sandbox
  let shellCmd: string
  before(() => {
    s = repoWith({'README.md': '# Pets\nDogs only.\n', 'data/table.csv': 'id,label,width,height\n1,cat,640,480\n2,dog,800,600\n', 'data/notes.json': '{"a":[1,2],"b":{"c":"d"}}'}, 'Initial import')
    s.write('README.md', '# Pets\nCats and dogs.\n')
    // A message that would set the terminal title if it reached the terminal unfiltered.
    s.ok(['commit', '-q', '-a', '-m', 'Cats too \x1b]2;pwned\x07\x1b[31m'])
    const env = s.env()
    const exports = ['BL_CONFIG_DIR', 'BL_AUTHOR_NAME', 'BL_AUTHOR_EMAIL', 'PATH', 'HOME'].map((k) => `${k}='${env[k] ?? ''}'`).join(' ')
    shellCmd = `${exports} ${process.execPath} ${BIN} browse`
    tmux('new-session', '-d', '-s', 't', '-x', '80', '-y', '24', '-c', s.dir, 'env', '-u', 'CI', 'TERM=xterm-256color', 'PS1=$ ', 'sh')
    tmux('set-option', '-g', 'escape-time', '0')
    tmux('set-option', '-g', 'set-titles', 'off')
    tmux('select-pane', '-t', 't', '-T', 'before-browse')
  })
  after(() => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server'])
    s.cleanup()
  })

  test('keys drive the panes, previews, diff and help; q gives the terminal back exactly', async () => {
    tmux('send-keys', '-t', 't', 'echo BEFORE-BROWSE', 'Enter')
    await shows('BEFORE-BROWSE\n')
    tmux('send-keys', '-t', 't', shellCmd, 'Enter')
    await shows('Commits HEAD (2)')
    let scr = await shows('README.md')
    assert.equal(paneFlag('alternate_on'), '1')
    assert.ok(scr.includes('Cats too') && scr.includes('Initial import') && scr.includes('README.md') && scr.includes('data/'), scr)
    // Fits 80x24: the top border on the first line, exactly 80 columns wide, the status line on the 23rd.
    const drawn = scr.split('\n')
    assert.match(drawn[0]!, /^╭─*╮╭─*╮$/)
    assert.equal([...drawn[0]!].length, 80)
    assert.match(drawn[22]!, /^bl browse HEAD/)
    assert.ok(!scr.includes('pwned') && !scr.includes(']2;'), scr)
    // The second commit in the list, its detail.
    await keys('j')
    await shows(`commit ${revId(s, 'HEAD~1').slice(0, 20)}`)
    await keys('k', 'Tab', 'Enter')
    await shows(':/data')
    await shows('table.csv')
    await keys('G', 'Enter')
    scr = await shows('CSV table, 4 columns, 2 rows shown')
    const header = scr.split('\n').find((l) => l.includes('label'))!
    const row = scr.split('\n').find((l) => l.includes('dog'))!
    assert.equal(header.indexOf('width'), row.indexOf('800'))
    await keys('Escape', 'g', 'Enter')
    await shows('"b": {')
    await keys('Escape', 'BSpace')
    await waitScreen((x) => x.includes('README.md') && !x.includes(':/data'), 'the root of the tree')
    // d: the commit's changes; Enter: its changed lines.
    await keys('d')
    scr = await shows('M README.md')
    await keys('Enter')
    scr = await shows('+Cats and dogs.')
    assert.ok(scr.includes('-Dogs only.'), scr)
    await keys('Escape', 'Escape', '?')
    await shows('bl browse: keys')
    await keys('x')
    await waitScreen((x) => !x.includes('bl browse: keys') && x.includes('Refs'), 'the help closed')
    // Re-lays out on resize.
    tmux('resize-window', '-t', 't', '-x', '110', '-y', '30')
    await waitScreen((x) => x.split('\n').some((l) => [...l].length > 100 && l.includes('Detail')), 'a 110-column layout')
    tmux('resize-window', '-t', 't', '-x', '80', '-y', '24')
    // tmux crops what is wider: the right border at column 80 shows the layout is 80 wide again.
    await waitScreen((x) => /^╭─*╮╭─*╮$/.test(x.split('\n')[0]!) && [...x.split('\n')[0]!].length === 80 && x.includes('Detail'), 'an 80-column layout')
    await keys('q')
    scr = await waitScreen((x) => x.includes('BEFORE-BROWSE') && !x.includes('Refs'), 'the shell again')
    assert.equal(paneFlag('alternate_on'), '0')
    assert.equal(paneFlag('cursor_flag'), '1')
    assert.equal(paneFlag('pane_title'), 'before-browse')
    tmux('send-keys', '-t', 't', 'echo EXIT=$?', 'Enter')
    await shows('EXIT=0')
  })

  test('SIGTERM also restores the terminal, exiting 143', async () => {
    tmux('send-keys', '-t', 't', 'clear', 'Enter')
    tmux('send-keys', '-t', 't', shellCmd, 'Enter')
    await shows('Commits HEAD (2)')
    const shellPid = paneFlag('pane_pid')
    const children = childrenOf(Number(shellPid))
    assert.equal(children.length, 1, `one child of the shell: ${children}`)
    process.kill(children[0]!, 'SIGTERM')
    await waitScreen((x) => !x.includes('Refs'), 'browse gone')
    tmux('send-keys', '-t', 't', 'echo EXIT=$?', 'Enter')
    await shows('EXIT=143')
    assert.equal(paneFlag('alternate_on'), '0')
    assert.equal(paneFlag('cursor_flag'), '1')
  })

  test('without a terminal, or with --json, it fails with NOT_A_TERMINAL and points to log/ls-tree/show', () => {
    const err = failsWith(s, ['browse'], 2, 'NOT_A_TERMINAL')
    assert.match(err.hint, /bl log.*bl ls-tree.*bl show/)
  })
})
