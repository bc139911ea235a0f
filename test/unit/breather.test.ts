import {test} from 'node:test'
import assert from 'node:assert/strict'
import {breather, yieldOftenUntil} from '../../src/core/breather.ts'

function busy(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end);
}

test('a breather yields once its interval of work has passed, and every ~1 ms while an awaited import is pending', async () => {
  const breathe = breather(1000)
  busy(5)
  assert.equal(breathe(), undefined, 'no turn after 5 ms of a 1 s interval')
  busy(1000)
  const turn = breathe()
  assert.ok(turn instanceof Promise, 'a turn once the interval passed')
  await turn
  let settle!: () => void
  const loading = new Promise<void>((resolve) => (settle = resolve))
  yieldOftenUntil(loading)
  busy(5)
  const urgent = breathe()
  assert.ok(urgent instanceof Promise, 'a turn after 5 ms while the import is pending')
  await urgent
  settle()
  await loading
  await new Promise((r) => setImmediate(r))
  busy(5)
  assert.equal(breathe(), undefined, 'back to its own interval once the import settled')
})
