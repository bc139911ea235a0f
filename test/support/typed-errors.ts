/** Assertions on bl's typed errors, shared by the unit tests. */
import assert from 'node:assert/strict'
import {BlError} from '../../src/core/errors.ts'

/** `p` rejects with a BlError of `code` whose one-line message matches `message`. */
export async function rejectsTyped(p: Promise<unknown>, code: string, message: RegExp): Promise<BlError> {
  const err = await p.then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  )
  assert.ok(err instanceof BlError, `a BlError, got ${String(err)}`)
  assert.equal(err.code, code)
  assert.match(err.message, message)
  assert.doesNotMatch(err.message, /\n/)
  return err
}
