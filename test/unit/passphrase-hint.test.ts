/**
 * BAD_PASSPHRASE names where the wrong passphrase came from: BL_KEY_PASSPHRASE, or the terminal
 * (three attempts), whose user has no variable to check.
 */
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {BlError} from '../../src/core/errors.ts'
import {commitSigner, keyGenerate} from '../../src/core/ops/keys.ts'
import {openRepo} from '../../src/core/repo.ts'
import {tempRepo} from '../support/temp-repo.ts'

test('a wrong passphrase typed at the terminal gets a hint about typing it, not about BL_KEY_PASSPHRASE', async (t) => {
  const {ctx} = tempRepo(t, {env: {BL_AUTHOR_NAME: 'Unit', BL_AUTHOR_EMAIL: 'unit@example.com', BL_KEY_PASSPHRASE: 'right'}})
  await keyGenerate(ctx, {name: 'Unit', email: 'unit@example.com'})
  const viaEnv = openRepo({...ctx, env: {...ctx.env, BL_KEY_PASSPHRASE: 'wrong'}})
  const typed = openRepo({...ctx, env: {BL_AUTHOR_NAME: 'Unit', BL_AUTHOR_EMAIL: 'unit@example.com'}})
  t.after(() => {
    viaEnv.close()
    typed.close()
  })
  let asked = 0
  const prompt = async (): Promise<string> => `wrong ${++asked}`
  const fromTerminal = await commitSigner(typed, {sign: true, prompt}).then(
    () => assert.fail('unlocked with a wrong passphrase'),
    (err: unknown) => err as BlError,
  )
  assert.equal(asked, 3)
  assert.equal(fromTerminal.code, 'BAD_PASSPHRASE')
  assert.doesNotMatch(fromTerminal.hint ?? '', /BL_KEY_PASSPHRASE/)
  assert.match(fromTerminal.hint ?? '', /Run the command again/)
  const fromEnv = await commitSigner(viaEnv, {sign: true, prompt}).then(
    () => assert.fail('unlocked with a wrong passphrase'),
    (err: unknown) => err as BlError,
  )
  assert.equal(fromEnv.code, 'BAD_PASSPHRASE')
  assert.match(fromEnv.hint ?? '', /Check BL_KEY_PASSPHRASE/)
  assert.equal(asked, 3, 'the terminal is not asked when the variable is set')
})
