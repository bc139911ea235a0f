/**
 * The remote's audit log (remote-repo.ts): entries one process writes read back newest first in
 * the order written, also when they share the second and the millisecond (several refs of one
 * push, or pushes made within one millisecond).
 */
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {DirTransport} from '../../src/core/remote/dir-transport.ts'
import {appendAudit, readAudit, type AuditEntry} from '../../src/core/remote/remote-repo.ts'

describe('audit log order', () => {
  it('entries with the same time and the same millisecond read back in the order written', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-audit-'))
    try {
      const t = new DirTransport(dir)
      const entry = (n: number): AuditEntry => ({ref: 'refs/heads/main', old: null, new: null, name: `push ${n}`, email: 'a@x', time: 1_700_000_000, forced: false, signed: false})
      for (let n = 0; n < 12; n++) await appendAudit(t, entry(n), 1_700_000_000_123)
      const names = (await readAudit(t)).map((e) => e.name)
      assert.deepEqual(names, Array.from({length: 12}, (_, i) => `push ${11 - i}`))
    } finally {
      fs.rmSync(dir, {recursive: true, force: true})
    }
  })
})
