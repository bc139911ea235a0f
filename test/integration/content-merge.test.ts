/**
 * Merging the content of files both sides changed, through the real binary: edits of different
 * rows merge (small files and multi-chunk ones), the same row conflicts with Git's markers
 * (byte-identical to `git merge-file`), conflict styles, -X per stretch, binaries still conflict
 * whole, a file moved and edited on one side takes the other side's edit, cherry-pick, revert and
 * stash apply merge the same way, and a thin clone fetches what the merge needs.
 */
import {after, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {BIN, makeTmp, rmrf, Sandbox, withJson, initRepo} from './helpers.ts'
import {commitFiles, repoWithIP, setup, withRepo} from './inproc.ts'
import {mergeOps, scenario} from './inproc-merge.ts'
import {cherryPick} from '../../src/core/ops/sequence.ts'
import {stashApply, stashPush} from '../../src/core/ops/stash.ts'
import {StagedFiles} from '../../src/core/worktree/staged-files.ts'
import type {Oid} from '../../src/core/hash.ts'

const sandboxes: Sandbox[] = []
function track(s: Sandbox): Sandbox {
  sandboxes.push(s)
  return s
}
const tmp = makeTmp('bl-cm-git-')
after(() => {
  for (const s of sandboxes) s.cleanup()
  rmrf(tmp)
})

/** `git merge-file -p` of the three versions with the labels bl uses: the expected merged bytes. */
function gitMerge(base: string | Buffer, ours: string | Buffer, theirs: string | Buffer, labels: [string, string, string], flags: string[] = []): Buffer {
  for (const [n, v] of Object.entries({b: base, o: ours, t: theirs})) fs.writeFileSync(path.join(tmp, n), v)
  try {
    return execFileSync('git', ['merge-file', '-p', ...flags, '-L', labels[0], '-L', labels[1], '-L', labels[2], 'o', 'b', 't'], {cwd: tmp, maxBuffer: 1 << 28})
  } catch (err) {
    return (err as {stdout: Buffer}).stdout
  }
}

const rows = (n: number, edit: Record<number, string> = {}): string => {
  let out = 'id,name,value\n'
  for (let i = 0; i < n; i++) out += edit[i] !== undefined ? edit[i] : `${i},name-${(i * 7919) % 100003},${(i * 31) % 997}\n`
  return out
}

describe('merge by content', () => {
  it('merges edits of different rows of a CSV; the same row conflicts with Git\'s markers; resolving and continuing commits', async () => {
    const base = rows(30)
    const ours = rows(30, {3: '3,OURS,1\n', 20: '20,OURS,2\n'})
    const theirs = rows(30, {12: '12,THEIRS,1\n', 20: '20,THEIRS,2\n'})
    const s = track(await scenario({'t.csv': base, 'other.txt': 'o\n'}, {'t.csv': ours}, {'t.csv': theirs}))
    const r = s.bl(withJson(['merge', 'theirs']))
    assert.equal(r.code, 3, r.stdout + r.stderr)
    const conflicts = r.json().error.data.conflicts
    assert.deepEqual(conflicts.map((c: any) => [c.path, c.kind, c.markers]), [['t.csv', 'both-modified', 1]])
    const label = s.ok(['rev-parse', 'main~1']).stdout.trim().slice(0, 12)
    const expected = gitMerge(base, ours, theirs, ['HEAD', label, 'theirs'])
    assert.ok(expected.includes('<<<<<<< HEAD\n20,OURS,2\n=======\n20,THEIRS,2\n>>>>>>> theirs\n'))
    assert.deepEqual(s.read('t.csv'), expected, 'the work tree holds the merge with markers, as git merge-file writes it')
    // The other side's version is still one command away, and the merged one comes back by editing.
    assert.equal(s.ok(['checkout', '--ours', 't.csv']).code, 0)
    assert.equal(s.read('t.csv').toString(), ours)
    const resolved = rows(30, {3: '3,OURS,1\n', 12: '12,THEIRS,1\n', 20: '20,BOTH,2\n'})
    s.write('t.csv', resolved)
    s.ok(['add', 't.csv'])
    const done = s.j(['merge', '--continue'])
    assert.equal(done.parents.length, 2)
    assert.equal(s.ok(['show', 'HEAD:t.csv']).stdout, resolved)

    // Without the conflicting row the same merge is clean: one commit, both sides' rows.
    const c = track(await scenario({'t.csv': base}, {'t.csv': rows(30, {3: '3,OURS,1\n'})}, {'t.csv': rows(30, {12: '12,THEIRS,1\n', 29: '29,THEIRS,9\n'})}))
    const m = c.j(['merge', 'theirs'])
    assert.equal(m.status, 'merged')
    assert.equal(c.read('t.csv').toString(), rows(30, {3: '3,OURS,1\n', 12: '12,THEIRS,1\n', 29: '29,THEIRS,9\n'}))
    assert.equal(c.j(['status']).clean, true)
  })

  it('writes diff3 and zdiff3 conflicts as Git does (merge.conflictStyle); a bad style is refused before anything changes', async () => {
    const base = 'h\na\nb\nc\n'
    const ours = 'h\nx\nb\nC1\n'
    const theirs = 'h\nx\nb\nC2\n'
    const s = track(await scenario({'f.txt': base}, {'f.txt': ours}, {'f.txt': theirs}))
    const label = s.ok(['rev-parse', 'main~1']).stdout.trim().slice(0, 12)
    s.ok(['config', 'merge.conflictStyle', 'diff3'])
    assert.equal(s.bl(['merge', 'theirs']).code, 3)
    assert.deepEqual(s.read('f.txt'), gitMerge(base, ours, theirs, ['HEAD', label, 'theirs'], ['--diff3']))
    assert.ok(s.read('f.txt').includes(`||||||| ${label}\n`))
    s.ok(['merge', '--abort'])
    s.ok(['config', 'merge.conflictstyle', 'bogus'])
    s.ok(['config', 'merge.conflictStyle', 'zdiff3'])
    assert.equal(s.bl(['merge', 'theirs']).code, 3)
    assert.deepEqual(s.read('f.txt'), gitMerge(base, ours, theirs, ['HEAD', label, 'theirs'], ['--zdiff3']))
    s.ok(['merge', '--abort'])
    s.ok(['config', 'merge.conflictStyle', 'bogus'])
    const r = s.bl(withJson(['merge', 'theirs']))
    assert.equal(r.code, 2)
    assert.equal(r.json().error.code, 'BAD_CONFIG')
    assert.equal(s.read('f.txt').toString(), ours, 'nothing changed')
    assert.equal(s.j(['status']).operation ?? null, null)
  })

  it('-X ours|theirs settles only the conflicting stretches: the other side\'s other edits are kept', async () => {
    const base = rows(12)
    const ours = rows(12, {1: '1,OURS\n', 8: '8,OURS\n'})
    const theirs = rows(12, {5: '5,THEIRS\n', 8: '8,THEIRS\n'})
    for (const favor of ['ours', 'theirs'] as const) {
      const s = track(await scenario({'t.csv': base}, {'t.csv': ours}, {'t.csv': theirs}))
      const m = s.j(['merge', '-X', favor, 'theirs'])
      assert.equal(m.status, 'merged')
      assert.equal(m.favored, 1)
      assert.equal(s.read('t.csv').toString(), rows(12, {1: '1,OURS\n', 5: '5,THEIRS\n', 8: favor === 'ours' ? '8,OURS\n' : '8,THEIRS\n'}))
    }
  })

  it('a binary file both sides changed still conflicts as a whole, ours kept in place; so does any file with merge.content false', async () => {
    const s = track(await scenario({'m.bin': 'x\0base\n'}, {'m.bin': 'x\0ours\n'}, {'m.bin': 'x\0theirs\n'}))
    const r = s.bl(withJson(['merge', 'theirs']))
    assert.equal(r.code, 3)
    const [c] = r.json().error.data.conflicts
    assert.equal(c.kind, 'both-modified')
    assert.equal(c.markers, undefined)
    assert.equal(s.read('m.bin').toString(), 'x\0ours\n')

    const ours = rows(10, {1: '1,OURS\n'})
    const t = track(await scenario({'t.csv': rows(10)}, {'t.csv': ours}, {'t.csv': rows(10, {8: '8,THEIRS\n'})}))
    t.ok(['config', 'merge.content', 'false'])
    const w = t.bl(withJson(['merge', 'theirs']))
    assert.equal(w.code, 3)
    assert.deepEqual(w.json().error.data.conflicts.map((x: any) => [x.path, x.kind, x.markers]), [['t.csv', 'both-modified', undefined]])
    assert.equal(t.read('t.csv').toString(), ours)
  })

  it('.blattributes picks the merge: merge=union keeps both sides\' rows, -merge conflicts whole, merge merges text with a NUL, !merge unsets', async () => {
    const attrs = '# how tables merge\n*.csv merge=union\nstrict/*.csv !merge\n*.log -merge\nraw.txt merge\n'
    const base = 'id,label\n1,cat\n'
    const ours = 'id,label\n1,cat\n2,ours\n'
    const theirs = 'id,label\n1,cat\n3,theirs\n'
    const s = track(
      await scenario(
        {'.blattributes': attrs, 'labels.csv': base, 'strict/t.csv': base, 'run.log': 'a\nb\nc\n', 'raw.txt': 'x\0\nb\nc\n'},
        {'labels.csv': ours, 'strict/t.csv': ours, 'run.log': 'A\nb\nc\n', 'raw.txt': 'X\0\nb\nc\n'},
        {'labels.csv': theirs, 'strict/t.csv': theirs, 'run.log': 'a\nb\nC\n', 'raw.txt': 'x\0\nb\nC\n'},
      ),
    )
    const r = s.bl(withJson(['merge', 'theirs']))
    assert.equal(r.code, 3)
    assert.deepEqual(r.json().error.data.conflicts.map((x: any) => [x.path, x.markers]), [['run.log', undefined], ['strict/t.csv', 1]])
    assert.equal(s.read('labels.csv').toString(), 'id,label\n1,cat\n2,ours\n3,theirs\n', 'union: ours then theirs')
    assert.deepEqual(s.read('labels.csv'), gitMerge(base, ours, theirs, ['HEAD', 'b', 'theirs'], ['--union']))
    assert.equal(s.read('run.log').toString(), 'A\nb\nc\n', '-merge: a whole-file conflict, ours kept')
    assert.equal(s.read('raw.txt').toString(), 'X\0\nb\nC\n', 'merge: merged by lines despite the NUL')
    assert.ok(s.read('strict/t.csv').includes('<<<<<<< HEAD\n2,ours\n=======\n3,theirs\n>>>>>>> theirs\n'))
  })

  it('merges a CSV/TSV row both sides edited in different cells, cell by cell (by column name when a side added a column), and a JSONL record field by field; the same cell still conflicts; merge=text keeps Git\'s lines', async () => {
    const base = 'id,label,score\n1,cat,0.5\n2,"dog, big",0.7\n3,bird,0.1\n'
    const ours = 'id,label,score\n1,cat,0.5\n2,"dog, small",0.7\n3,bird,0.2\n'
    const theirs = 'id,label,score\n1,cat,0.5\n2,"dog, big",0.9\n3,bird,0.3\n'
    const tsv = (x: string): string => x.replace(/"dog, (\w+)"/g, 'dog $1').replaceAll(',', '\t')
    const jsonl = (label: string, score: string): string => `{"id": 1, "label": "cat"}\n{"id": 2, "label": "${label}", "score": ${score}}\n`
    const s = track(
      await scenario(
        {'t.csv': base, 'cells.tsv': tsv(base.replace('0.1', '0.1')), 'r.jsonl': jsonl('dog', '0.7'), 'cols.csv': rows(40)},
        // Ours adds a column to every row; theirs fixes two values: merged by column name.
        {'t.csv': ours, 'cells.tsv': tsv(ours.replace('0.2', '0.1')), 'r.jsonl': jsonl('puppy', '0.7'), 'cols.csv': rows(40).replace(/\n/g, (_, at: number) => (at === 13 ? ',split\n' : `,${at % 2 ? 'train' : 'test'}\n`))},
        {'t.csv': theirs, 'cells.tsv': tsv(theirs.replace('0.3', '0.1')), 'r.jsonl': jsonl('dog', '0.9'), 'cols.csv': rows(40, {5: '5,FIXED,1\n', 30: '30,name-x,2\n'})},
      ),
    )
    const r = s.bl(withJson(['merge', 'theirs']))
    assert.equal(r.code, 3, r.stdout)
    assert.deepEqual(r.json().error.data.conflicts.map((x: any) => [x.path, x.markers]), [['t.csv', 1]])
    // Row 2: label from ours, score from theirs (the quoted comma stays one cell); row 3: one cell both changed.
    assert.equal(s.read('t.csv').toString(), 'id,label,score\n1,cat,0.5\n2,"dog, small",0.9\n<<<<<<< HEAD\n3,bird,0.2\n=======\n3,bird,0.3\n>>>>>>> theirs\n')
    assert.equal(s.read('cells.tsv').toString(), tsv('id,label,score\n1,cat,0.5\n2,"dog, small",0.9\n3,bird,0.1\n'))
    assert.equal(s.read('r.jsonl').toString(), jsonl('puppy', '0.9'))
    const split = rows(40, {5: '5,FIXED,1\n', 30: '30,name-x,2\n'}).split('\n').slice(0, -1)
    const want = split.map((l, k) => `${l},${k === 0 ? 'split' : /* the offset of that newline in the base */ rows(40).split('\n').slice(0, k + 1).join('\n').length % 2 ? 'train' : 'test'}\n`).join('')
    assert.equal(s.read('cols.csv').toString(), want)
    // Git's line merge alone conflicts on row 2: merge=text asks for exactly that.
    const g = track(await scenario({'.blattributes': '*.csv merge=text\n', 't.csv': base}, {'t.csv': ours.replace('0.2', '0.1')}, {'t.csv': theirs.replace('0.3', '0.1')}))
    assert.equal(g.bl(['merge', 'theirs']).code, 3)
    assert.ok(g.read('t.csv').includes('<<<<<<< HEAD\n2,"dog, small",0.7\n=======\n2,"dog, big",0.9\n>>>>>>> theirs\n'))
  })

  it('merges a file both sides added against an empty base, as Git does (add/add)', async () => {
    const ours = 'id,label\n1,cat\n2,dog\n'
    const theirs = 'id,label\n1,cat\n2,bird\n'
    const s = track(await scenario({'keep.txt': 'k\n'}, {'new.csv': ours}, {'new.csv': theirs}))
    const r = s.bl(withJson(['merge', 'theirs']))
    assert.equal(r.code, 3)
    assert.deepEqual(r.json().error.data.conflicts.map((x: any) => [x.path, x.kind, x.markers]), [['new.csv', 'both-added', 1]])
    const label = s.ok(['rev-parse', 'main~1']).stdout.trim().slice(0, 12)
    assert.deepEqual(s.read('new.csv'), gitMerge('', ours, theirs, ['HEAD', label, 'theirs']))
    assert.equal(s.read('new.csv').toString(), 'id,label\n1,cat\n<<<<<<< HEAD\n2,dog\n=======\n2,bird\n>>>>>>> theirs\n')
    s.ok(['merge', '--abort'])
    assert.equal(s.j(['merge', '-X', 'theirs', 'theirs']).favored, 1)
    assert.equal(s.read('new.csv').toString(), theirs)
  })

  it('merges a multi-chunk file by its chunks: far-apart edits, edits in one chunk, and a conflict, as git merge-file would', async () => {
    // Over 2 MiB: several content-defined chunks (1 MiB at most each).
    const n = 120_000
    const base = rows(n)
    const ours = rows(n, {10: '10,OURS\n', 45_000: '45000,OURS\n', 45_010: '45010,OURS\n', 70_000: '70000,OURS\n'})
    const theirs = rows(n, {45_005: '45005,THEIRS\n', 70_000: '70000,THEIRS\n', 119_990: '119990,THEIRS\n'})
    const s = track(await scenario({'big.csv': base}, {'big.csv': ours}, {'big.csv': theirs}))
    const blobs = s.j(['ls-tree', '-l', 'main~1'])
    assert.ok(blobs[0].size > 2 << 20, `${blobs[0].size}`)
    const r = s.bl(withJson(['merge', 'theirs']))
    assert.equal(r.code, 3)
    assert.equal(r.json().error.data.conflicts[0].markers, 1)
    const label = s.ok(['rev-parse', 'main~1']).stdout.trim().slice(0, 12)
    const got = s.read('big.csv')
    assert.ok(got.equals(gitMerge(base, ours, theirs, ['HEAD', label, 'theirs'])), 'identical to git merge-file')
    for (const row of ['10,OURS', '45000,OURS', '45005,THEIRS', '45010,OURS', '119990,THEIRS']) assert.ok(got.includes(`\n${row}\n`), row)
    assert.equal(s.j(['fsck']).ok, true)
  })

  it('follows a file moved and edited on one side (a rename by similarity) with the other side\'s edit', async () => {
    const base = rows(40)
    const s = track(await scenario({'raw/t.csv': base}, {'clean/t.csv': rows(40, {2: '2,MOVED-AND-EDITED\n'}), 'raw/t.csv': null}, {'raw/t.csv': rows(40, {30: '30,THEIRS\n'})}))
    const m = s.j(['merge', 'theirs'])
    assert.equal(m.status, 'merged')
    assert.equal(s.exists('raw/t.csv'), false)
    assert.equal(s.read('clean/t.csv').toString(), rows(40, {2: '2,MOVED-AND-EDITED\n', 30: '30,THEIRS\n'}))
    // And when the other side's edit conflicts, the markers are at the new path.
    const c = track(await scenario({'raw/t.csv': base}, {'clean/t.csv': rows(40, {2: '2,OURS\n'}), 'raw/t.csv': null}, {'raw/t.csv': rows(40, {2: '2,THEIRS\n'})}))
    const r = c.bl(withJson(['merge', 'theirs']))
    assert.equal(r.code, 3)
    assert.deepEqual(r.json().error.data.conflicts.map((x: any) => [x.path, x.ours.path, x.theirs.path]), [['clean/t.csv', 'clean/t.csv', 'raw/t.csv']])
    assert.ok(c.read('clean/t.csv').includes('<<<<<<< HEAD\n2,OURS\n=======\n2,THEIRS\n>>>>>>> theirs\n'))
    assert.equal(c.exists('raw/t.csv'), false)
    // Theirs moved it: taking ours keeps their move (Git's), ours' rows at the new path.
    const m2 = track(await scenario({'raw/t.csv': base}, {'raw/t.csv': rows(40, {2: '2,OURS\n'})}, {'clean/t.csv': rows(40, {2: '2,THEIRS\n'}), 'raw/t.csv': null}))
    assert.equal(m2.bl(['merge', 'theirs']).code, 3)
    m2.ok(['checkout', '--ours', 'clean/t.csv'])
    assert.equal(m2.read('clean/t.csv').toString(), rows(40, {2: '2,OURS\n'}))
    assert.equal(m2.exists('raw/t.csv'), false)
  })

  it('conflicts where Git would on a line longer than a chunk, with markers at the line\'s start', async () => {
    // One 3 MB line (minified JSON, a FASTA sequence): edits at both ends are one line changed twice.
    const line = (head: string, tail: string): string => `${head}${'ACGT'.repeat(750_000)}${tail}\n`
    const [base, ours, theirs] = [line('>seq', 'end'), line('>SEQ', 'end'), line('>seq', 'END')]
    const s = track(await scenario({'g.fa': base, 'small.txt': 'x\n'}, {'g.fa': ours}, {'g.fa': theirs}))
    const r = s.bl(withJson(['merge', 'theirs']))
    assert.equal(r.code, 3)
    const label = s.ok(['rev-parse', 'main~1']).stdout.trim().slice(0, 12)
    assert.ok(s.read('g.fa').subarray(0, 12).equals(Buffer.from('<<<<<<< HEAD')))
    assert.ok(s.read('g.fa').equals(gitMerge(base, ours, theirs, ['HEAD', label, 'theirs'])))
  })

  it('a criss-cross merge keeps a file its bases merged with markers in the virtual base: only the bases\' own conflict conflicts', async () => {
    const s = track(await repoWithIP({'f.csv': rows(60)}, 'A'))
    const b = setup(s)
    await b.branch('y')
    await commitFiles(s, {'f.csv': rows(60, {1: '1,X\n'})}, 'X1')
    await b.branch('x1')
    await b.switch('y')
    await commitFiles(s, {'f.csv': rows(60, {1: '1,Y\n'})}, 'Y1')
    await b.branch('y1')
    await b.switch('main')
    s.ok(['merge', '-q', '-X', 'ours', 'y1'])
    await commitFiles(s, {'f.csv': rows(60, {1: '1,X\n', 50: '50,X3\n'})}, 'X3')
    await b.switch('y')
    s.ok(['merge', '-q', '-X', 'ours', 'x1'])
    await commitFiles(s, {'f.csv': rows(60, {1: '1,Y\n', 55: '55,Y3\n'})}, 'Y3')
    await b.switch('main')
    const r = s.bl(withJson(['merge', 'y']))
    assert.equal(r.code, 3)
    assert.deepEqual(r.json().error.data.conflicts.map((x: any) => [x.path, x.kind, x.markers]), [['f.csv', 'both-modified', 1]])
    const got = s.read('f.csv').toString()
    assert.ok(got.includes('<<<<<<< HEAD\n1,X\n=======\n1,Y\n>>>>>>> y\n'), got.slice(0, 300))
    assert.ok(got.includes('\n50,X3\n') && got.includes('\n55,Y3\n'), 'both sides\' later rows are merged')
  })

  it('cherry-pick, revert and stash apply merge content too', async () => {
    const s = track(await scenario({'t.csv': rows(20)}, {'t.csv': rows(20, {1: '1,OURS\n'})}, {'t.csv': rows(20, {15: '15,THEIRS\n'})}))
    assert.match(s.ok(['cherry-pick', 'theirs']).stdout, /^Auto-merging t\.csv\n\[[0-9a-f]{12}\] from [0-9a-f]{12}\n$/)
    assert.equal(s.read('t.csv').toString(), rows(20, {1: '1,OURS\n', 15: '15,THEIRS\n'}))
    s.ok(['revert', 'HEAD~1'])
    assert.equal(s.read('t.csv').toString(), rows(20, {15: '15,THEIRS\n'}), 'reverting ours keeps the picked row')
    s.write('t.csv', rows(20, {15: '15,THEIRS\n', 19: '19,STASHED\n'}))
    s.ok(['stash'])
    await commitFiles(s, {'t.csv': rows(20, {0: '0,HEAD\n', 15: '15,THEIRS\n'})}, 'head moves on')
    s.ok(['stash', 'pop'])
    assert.equal(s.read('t.csv').toString(), rows(20, {0: '0,HEAD\n', 15: '15,THEIRS\n', 19: '19,STASHED\n'}))
    // A conflicting pick is marked with the commit it came from, as Git labels it.
    const c = track(await scenario({'t.csv': rows(5)}, {'t.csv': rows(5, {2: '2,OURS\n'})}, {'t.csv': rows(5, {2: '2,THEIRS\n'})}))
    await setup(c).switch('theirs')
    await commitFiles(c, {'t.csv': rows(5, {2: '2,THEIRS2\n'})}, 'Étiquettes 修正 🎉')
    await setup(c).switch('main')
    const id = c.ok(['rev-parse', 'theirs']).stdout.trim().slice(0, 12)
    const pick = c.bl(['cherry-pick', 'theirs'])
    assert.equal(pick.code, 3)
    assert.equal(pick.stdout, `Auto-merging t.csv\nCONFLICT (content): Merge conflict in t.csv\n`, 'each path reported as Git reports it')
    assert.ok(c.read('t.csv').toString('utf8').includes(`=======\n2,THEIRS2\n>>>>>>> ${id} (Étiquettes 修正 🎉)\n`), c.read('t.csv').toString())
  })

  it('writes each merged file once: merge, cherry-pick and stash apply rename what the merge wrote into place, and leave no stage behind', async () => {
    // The files the move took from the stage instead of writing them from the store.
    const taken: string[] = []
    const take = StagedFiles.prototype.take
    StagedFiles.prototype.take = function (this: StagedFiles, id: Oid, dest: string, exec: boolean): boolean {
      const ok = take.call(this, id, dest, exec)
      if (ok) taken.push(path.basename(dest))
      return ok
    }
    const script = (edit: Record<number, string>): string => ['#!/bin/sh', ...[1, 2, 3, 4, 5, 6].map((n) => edit[n] ?? `echo ${n}`)].join('\n') + '\n'
    try {
      const s = track(await repoWithIP({'t.csv': rows(20), 'c.csv': rows(5), 'run.sh': script({})}, 'base'))
      const b = setup(s)
      await b.branch('theirs')
      const side = async (name: string, files: Record<string, string>): Promise<void> => {
        for (const [p, v] of Object.entries(files)) s.write(p, v)
        fs.chmodSync(s.p('run.sh'), 0o755)
        await b.commitAll(name)
      }
      await side('ours', {'t.csv': rows(20, {1: '1,OURS\n'}), 'c.csv': rows(5, {2: '2,OURS\n'}), 'run.sh': script({1: 'echo one'})})
      await b.switch('theirs')
      await side('theirs', {'t.csv': rows(20, {15: '15,THEIRS\n'}), 'c.csv': rows(5, {2: '2,THEIRS\n'}), 'run.sh': script({6: 'echo six'})})
      await b.switch('main')
      await assert.rejects(mergeOps(s).merge('theirs'), (e: any) => e.code === 'MERGE_CONFLICT')
      assert.deepEqual(taken.sort(), ['c.csv', 'run.sh', 't.csv'], 'the clean merges and the one with markers')
      assert.equal(s.read('t.csv').toString(), rows(20, {1: '1,OURS\n', 15: '15,THEIRS\n'}))
      assert.equal(s.read('run.sh').toString(), script({1: 'echo one', 6: 'echo six'}))
      assert.ok(fs.statSync(s.p('run.sh')).mode & 0o100, 'still executable')
      assert.match(s.read('c.csv').toString(), /<<<<<<< HEAD\n2,OURS\n=======\n2,THEIRS\n>>>>>>> theirs\n/)
      assert.deepEqual(fs.readdirSync(s.p('.bl')).filter((n) => n.startsWith('stage-')), [])
      // The index records the renamed files as they are: staged, as Git shows a stopped merge, unchanged in the work tree.
      assert.deepEqual(s.ok(['status', '--porcelain']).stdout.trim().split('\n'), ['UU c.csv', 'M  run.sh', 'M  t.csv'])

      taken.length = 0
      const p = track(await scenario({'t.csv': rows(20)}, {'t.csv': rows(20, {1: '1,OURS\n'})}, {'t.csv': rows(20, {15: '15,THEIRS\n'})}))
      await withRepo(p, (r) => cherryPick(r, {revs: ['theirs']}))
      assert.equal(p.read('t.csv').toString(), rows(20, {1: '1,OURS\n', 15: '15,THEIRS\n'}))
      p.write('t.csv', rows(20, {1: '1,OURS\n', 15: '15,THEIRS\n', 19: '19,STASHED\n'}))
      await withRepo(p, (r) => stashPush(r))
      await commitFiles(p, {'t.csv': rows(20, {0: '0,HEAD\n', 1: '1,OURS\n', 15: '15,THEIRS\n'})}, 'head moves on')
      await withRepo(p, (r) => stashApply(r, {pop: true}))
      assert.equal(p.read('t.csv').toString(), rows(20, {0: '0,HEAD\n', 1: '1,OURS\n', 15: '15,THEIRS\n', 19: '19,STASHED\n'}))
      assert.deepEqual(taken, ['t.csv', 't.csv'], 'the cherry-pick and the stash apply each took the merged file')
      assert.deepEqual(fs.readdirSync(p.p('.bl')).filter((n) => n.startsWith('stage-')), [])
    } finally {
      StagedFiles.prototype.take = take
    }
  })

  it('checkout -m|--conflict=<style> merges a conflicted file again with markers, as git checkout does; other paths and conflict kinds are refused', async () => {
    const base = rows(30)
    const ours = rows(30, {3: '3,OURS,1\n', 20: '20,OURS,2\n'})
    const theirs = rows(30, {12: '12,THEIRS,1\n', 20: '20,THEIRS,2\n'})
    const s = track(await scenario({'t.csv': base, 'g.txt': 'g\n', 'o.txt': 'o\n'}, {'t.csv': ours, 'g.txt': null}, {'t.csv': theirs, 'g.txt': 'g2\n'}))
    const none = s.bl(withJson(['checkout', '-m', 't.csv']))
    assert.deepEqual([none.code, none.json().error.code], [5, 'NO_OPERATION'])
    await assert.rejects(mergeOps(s).merge('theirs'), (e: any) => e.code === 'MERGE_CONFLICT')
    // A resolution gone wrong, then the merge back in diff3 style: Git's bytes, labelled as git checkout labels them.
    s.write('t.csv', 'botched\n')
    assert.equal(s.ok(['checkout', '--conflict=diff3', 't.csv']).stdout, 'Recreated 1 merge conflict\n')
    assert.deepEqual(s.read('t.csv'), gitMerge(base, ours, theirs, ['ours', 'base', 'theirs'], ['--diff3']))
    const r = s.j(['checkout', '-m', '--', 't.csv'])
    assert.deepEqual(r, {style: 'merge', recreated: [{path: 't.csv', kind: 'both-modified', markers: 1}]})
    assert.deepEqual(s.read('t.csv'), gitMerge(base, ours, theirs, ['ours', 'base', 'theirs']))
    // The index holds the file written: nothing shows as changed beyond the conflicts.
    assert.deepEqual(s.ok(['status', '--porcelain']).stdout.trim().split('\n'), ['DU g.txt', 'UU t.csv'])
    assert.equal(s.ok(['ls-files', '-m']).stdout, '', 'the index holds the re-created file')
    const gone = s.bl(withJson(['checkout', '-m', 'g.txt']))
    assert.deepEqual([gone.code, gone.json().error.code, gone.json().error.data.kind], [2, 'INVALID_ARGUMENT', 'deleted-by-us'])
    const stray = s.bl(withJson(['checkout', '-m', 'o.txt']))
    assert.deepEqual([stray.code, stray.json().error.code], [4, 'PATHSPEC_NO_MATCH'])
    s.ok(['add', 't.csv'])
    assert.equal(s.bl(['checkout', '-m', 't.csv']).code, 4, 'a resolved file is no longer in conflict')

    // Moved to different paths on each side: no one file to merge (Git has no stages for it either).
    const apart = track(await scenario({'f.txt': 'a\nb\nc\nd\ne\nf\n'}, {'f.txt': null, 'o.txt': 'a\nb\nc\nd\nE1\nf\n'}, {'f.txt': null, 't.txt': 'a\nb\nc\nd\nE2\nf\n'}))
    await assert.rejects(mergeOps(apart).merge('theirs'), (e: any) => e.code === 'MERGE_CONFLICT')
    const before = apart.read('o.txt')
    const refusedApart = apart.bl(withJson(['checkout', '-m', 't.txt']))
    assert.deepEqual([refusedApart.code, refusedApart.json().error.code], [2, 'INVALID_ARGUMENT'], refusedApart.stdout)
    assert.deepEqual(apart.read('o.txt'), before)

    // Theirs moved the table to a name that is no table: the merge used ours' name (a CSV merged by
    // cells), and so does checkout -m.
    const moved = track(
      await scenario(
        {'a.csv': 'id,x,y\n1,a,b\n2,c,d\n3,e,f\n4,g,h\n5,i,j\n'},
        {'a.csv': 'id,x,y\n1,A,b\n2,c,d\n3,e,f\n4,G1,h\n5,i,j\n'},
        {'a.csv': null, 'a.txt': 'id,x,y\n1,a,B\n2,c,d\n3,e,f\n4,G2,h\n5,i,j\n'},
      ),
    )
    await assert.rejects(mergeOps(moved).merge('theirs'), (e: any) => e.code === 'MERGE_CONFLICT')
    assert.match(moved.read('a.txt').toString(), /^id,x,y\n1,A,B\n/)
    moved.ok(['checkout', '-m', 'a.txt'])
    assert.equal(moved.read('a.txt').toString(), 'id,x,y\n1,A,B\n2,c,d\n3,e,f\n<<<<<<< ours\n4,G1,h\n=======\n4,G2,h\n>>>>>>> theirs\n5,i,j\n')
  })

  it('in a thin clone, fetches the versions the merge needs instead of giving up on them, and finds renames as a full clone does', async () => {
    const a = track(new Sandbox())
    initRepo(a)
    await commitFiles(a, {'t.csv': rows(25), 'notes.csv': rows(12)}, 'base')
    const b = setup(a)
    await b.branch('feat')
    await commitFiles(a, {'t.csv': rows(25, {1: '1,MAIN\n'}), 'notes.csv': rows(12, {1: '1,MAIN\n'})}, 'main edit')
    await b.switch('feat')
    // Moved and edited on feat: paired by similarity, which reads both small versions.
    fs.rmSync(a.p('notes.csv'))
    await commitFiles(a, {'t.csv': rows(25, {20: '20,FEAT\n'}), 'old/notes.csv': rows(12, {10: '10,FEAT\n'})}, 'feat edit')
    await b.switch('main')
    const remote = path.join(a.base, 'remote')
    a.ok(['remote', 'add', 'origin', remote])
    a.ok(['push', '-q', 'origin', 'main', 'feat'])
    const c = track(new Sandbox())
    c.ok(['clone', '-q', '--filter=blob:none', remote, c.dir], {cwd: c.base})
    assert.ok(c.j(['fsck']).promised > 0, 'the clone is thin')
    const m = c.j(['merge', 'origin/feat'])
    assert.equal(m.status, 'merged')
    assert.deepEqual(m.automerged, ['old/notes.csv', 't.csv'])
    assert.equal(c.read('t.csv').toString(), rows(25, {1: '1,MAIN\n', 20: '20,FEAT\n'}))
    assert.equal(c.read('old/notes.csv').toString(), rows(12, {1: '1,MAIN\n', 10: '10,FEAT\n'}))
    assert.ok(!fs.existsSync(c.p('notes.csv')))
    c.ok(['reset', '-q', '--hard', 'HEAD~1'])
    await commitFiles(c, {'t.csv': rows(25, {1: '1,MAIN\n', 20: '20,LOCAL\n'})}, 'local edit')
    // Offline, a merge that needs content it cannot fetch fails before it changes anything: no
    // merge is left in progress.
    c.ok(['gc', '-q', '--evict'])
    fs.renameSync(remote, remote + '.away')
    const noNet = c.bl(withJson(['merge', 'origin/feat']))
    assert.deepEqual([noNet.code, noNet.json().error.code], [9, 'REMOTE_ERROR'], noNet.stdout)
    assert.equal(c.j(['status']).operation, null)
    fs.renameSync(remote + '.away', remote)
    assert.equal(c.bl(['merge', 'origin/feat']).code, 3)
    // Offline, checkout -m cannot fetch what it merges: it fails, and leaves the file as it was.
    c.ok(['gc', '-q', '--evict'])
    fs.renameSync(remote, remote + '.away')
    const marked = c.read('t.csv')
    const offline = c.bl(withJson(['checkout', '--conflict=diff3', 't.csv']))
    assert.deepEqual([offline.code, offline.json().error.code], [9, 'REMOTE_ERROR'], offline.stdout)
    assert.deepEqual(c.read('t.csv'), marked)
  })

  it('merge-file merges three files as git merge-file does (in place, -p, styles, labels, -X), tables below lines, and serves Git as a merge driver', () => {
    const s = track(new Sandbox())
    const base = 'a\nb\nc\nd\ne\nf\ng\n'
    const ours = 'a\nB\nc\nd\ne\nf\ng\n'
    const theirs = 'a\nX\nc\nd\ne\nf\nG\n'
    for (const [n, v] of Object.entries({cur: ours, base, other: theirs})) s.write(n, v)
    fs.chmodSync(s.p('cur'), 0o755)
    const r = s.bl(['merge-file', '-L', 'mine', '-L', 'old', '-L', 'yours', 'cur', 'base', 'other'])
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', ''], 'conflicts left: exit 1, nothing printed')
    assert.deepEqual(s.read('cur'), gitMerge(base, ours, theirs, ['mine', 'old', 'yours']))
    assert.equal(fs.statSync(s.p('cur')).mode & 0o777, 0o755, 'the mode of <current> is kept')
    s.write('cur', ours)
    for (const flags of [['--diff3'], ['--zdiff3'], ['--theirs'], ['--union']]) {
      const p = s.bl(['merge-file', '-p', ...flags, 'cur', 'base', 'other'])
      assert.deepEqual(p.stdoutBuf, gitMerge(base, ours, theirs, ['cur', 'base', 'other'], flags), flags.join(' '))
    }
    assert.equal(s.read('cur').toString(), ours, '-p leaves <current> alone')
    assert.deepEqual(s.j(['merge-file', 'cur', 'base', 'cur']), {conflicts: 0, written: 'cur'})
    // Tables: the extension of --path picks the merge below lines (a driver's temporary files have none).
    s.write('t1', 'id,label\n1,cat\n2,dog\n')
    s.write('t0', 'id,label\n1,cat\n2,cow\n')
    s.write('t2', 'id,label,split\n1,cat,train\n2,cow,test\n')
    assert.deepEqual(s.j(['merge-file', '--path', 'labels.csv', 't1', 't0', 't2']), {conflicts: 0, written: 't1'})
    assert.equal(s.read('t1').toString(), 'id,label,split\n1,cat,train\n2,dog,test\n')
    // Bad input: a clear error, <current> untouched.
    const missing = s.bl(withJson(['merge-file', 'cur', 'nope', 'other']))
    assert.deepEqual([missing.code, missing.json().error.code], [4, 'PATH_NOT_FOUND'])
    s.write('bin', Buffer.from('x\0y'))
    const binary = s.bl(withJson(['merge-file', 'cur', 'bin', 'other']))
    assert.deepEqual([binary.code, binary.json().error.code], [2, 'INVALID_ARGUMENT'])
    assert.equal(s.read('cur').toString(), ours)

    // As Git's merge driver for CSVs: a column added on one branch, a label fixed on the other.
    const g = path.join(s.base, 'git')
    fs.mkdirSync(g)
    const git = (...args: string[]) => execFileSync('git', args, {cwd: g, env: {...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: s.home}, encoding: 'utf8'})
    git('init', '-q', '-b', 'main')
    git('config', 'user.name', 'a')
    git('config', 'user.email', 'a@b')
    git('config', 'merge.bl.driver', `"${process.execPath}" "${BIN}" merge-file --path %P -L ours -L base -L theirs %A %O %B`)
    fs.writeFileSync(path.join(g, '.gitattributes'), '*.csv merge=bl\n')
    fs.writeFileSync(path.join(g, 't.csv'), 'id,label\n1,cat\n2,dog\n')
    git('add', '-A')
    git('commit', '-q', '-m', 'base')
    git('branch', 'other')
    fs.writeFileSync(path.join(g, 't.csv'), 'id,label,split\n1,cat,train\n2,dog,test\n')
    git('commit', '-q', '-a', '-m', 'ours')
    git('switch', '-q', 'other')
    fs.writeFileSync(path.join(g, 't.csv'), 'id,label\n1,cat\n2,wolf\n')
    git('commit', '-q', '-a', '-m', 'theirs')
    git('switch', '-q', 'main')
    git('merge', '-q', '--no-edit', 'other')
    assert.equal(fs.readFileSync(path.join(g, 't.csv'), 'utf8'), 'id,label,split\n1,cat,train\n2,wolf,test\n')
  })
})
