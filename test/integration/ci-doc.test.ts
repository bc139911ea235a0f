/**
 * docs/ci.md's CI script, run verbatim: a code checkout holding bl.lock clones the pinned, signed
 * data version from the S3 test server, verifies it, and fails when the data moved without a new
 * pin or the signer is not the pinned one.
 */
import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import git from 'isomorphic-git'
import {BIN, collect, inheritedEnv, jA, makeTmp, okA, rmrf, Sandbox, type RunResult} from './helpers.ts'
import {s3Env, startS3Server, type S3TestServer} from '../support/s3-server.ts'

const CI_DOC = fileURLToPath(new URL('../../docs/ci.md', import.meta.url))

/** The ```sh block after the `<!-- ci-script -->` marker. */
function ciScript(): string {
  const md = fs.readFileSync(CI_DOC, 'utf8')
  const m = /<!-- ci-script -->\s*```sh\n([\s\S]*?)```/.exec(md)
  assert.ok(m, 'docs/ci.md has a ci-script block')
  return m[1]!
}

describe('docs/ci.md', () => {
  let server: S3TestServer
  let dev: Sandbox
  let project: string
  let data: string
  let binDir: string
  let fingerprint: string
  const tmps: string[] = []

  before(async () => {
    server = await startS3Server()
    dev = new Sandbox(s3Env(server))
    project = path.join(dev.base, 'project')
    data = path.join(project, 'data')
    fs.mkdirSync(data, {recursive: true})
    // The code: a Git repository, with the data work tree inside it.
    await git.init({fs, dir: project, defaultBranch: 'main'})
    fs.writeFileSync(path.join(project, 'train.py'), 'print("train")\n')
    await git.add({fs, dir: project, filepath: 'train.py'})
    await git.commit({fs, dir: project, message: 'code', author: {name: 'Dev', email: 'dev@example.com'}})
    const inData = {cwd: data}
    await okA(dev, ['init'], inData)
    fs.writeFileSync(path.join(data, 'labels.csv'), 'id,label\n1,cat\n2,dog\n')
    fs.mkdirSync(path.join(data, 'images'))
    fs.writeFileSync(path.join(data, 'images', 'a.bin'), Buffer.alloc(300_000, 7))
    fingerprint = (await jA(dev, ['key', 'generate', '--name', 'Data Owner', '--email', 'owner@example.com', '--no-passphrase'], inData)).fingerprint
    await okA(dev, ['add', '-A'], inData)
    await okA(dev, ['commit', '-S', '-m', 'Labels v7'], inData)
    await okA(dev, ['remote', 'add', 'origin', `s3://${server.bucket}/ci-doc`, '--endpoint', server.endpoint, '--path-style'], inData)
    await okA(dev, ['push', '-u', 'origin', 'main'], inData)
    await okA(dev, ['pin'], inData)
    fs.mkdirSync(path.join(project, 'ci'))
    fs.writeFileSync(path.join(project, 'ci', 'data-signers.asc'), (await okA(dev, ['key', 'export', fingerprint], inData)).stdout)
    fs.writeFileSync(path.join(project, 'ci', 'data.sh'), ciScript())
    // `bl` on the PATH, as `npm install -g` would put it.
    binDir = makeTmp('bl-ci-bin-')
    tmps.push(binDir)
    fs.writeFileSync(path.join(binDir, 'bl'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, {mode: 0o755})
  })
  after(async () => {
    dev?.cleanup()
    for (const t of tmps) rmrf(t)
    await server?.stop()
  })

  /** A fresh CI runner: a copy of the code checkout (bl.lock, ci/), an empty keyring, the AWS environment. */
  async function runCi(edit?: (checkout: string) => void): Promise<RunResult & {checkout: string}> {
    const checkout = makeTmp('bl-ci-run-')
    tmps.push(checkout)
    for (const f of ['bl.lock', 'train.py', 'ci/data-signers.asc', 'ci/data.sh']) {
      fs.mkdirSync(path.dirname(path.join(checkout, f)), {recursive: true})
      fs.copyFileSync(path.join(project, f), path.join(checkout, f))
    }
    edit?.(checkout)
    const env: NodeJS.ProcessEnv = {...inheritedEnv(), ...s3Env(server), PATH: `${binDir}:${process.env.PATH}`, BL_CONFIG_DIR: path.join(checkout, '.bl-user'), BL_AUTHOR_NAME: 'CI', BL_AUTHOR_EMAIL: 'ci@example.com'}
    delete env.BL_KEY_PASSPHRASE
    const r = await collect(spawn('sh', ['ci/data.sh'], {cwd: checkout, env, stdio: ['ignore', 'pipe', 'pipe']}))
    return {...r, checkout}
  }

  it('clones exactly the pinned, signed data and passes', async () => {
    const lock = fs.readFileSync(path.join(project, 'bl.lock'), 'utf8')
    assert.match(lock, new RegExp(`^signed-by ${fingerprint}$`, 'm'))
    assert.match(lock, /^path data$/m)
    const r = await runCi()
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`)
    assert.equal(fs.readFileSync(path.join(r.checkout, 'data', 'labels.csv'), 'utf8'), 'id,label\n1,cat\n2,dog\n')
    assert.deepEqual(fs.readFileSync(path.join(r.checkout, 'data', 'images', 'a.bin')), Buffer.alloc(300_000, 7))
  })

  it('fails when the lock names another signer (exit 10), before any data is checked out', async () => {
    const r = await runCi((checkout) => {
      const f = path.join(checkout, 'bl.lock')
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/^signed-by .*$/m, `signed-by ${'ab'.repeat(20)}`))
    })
    assert.equal(r.code, 10, `${r.stdout}\n${r.stderr}`)
    assert.match(r.stderr, /^error: .*signed by/m)
    assert.ok(!fs.existsSync(path.join(r.checkout, 'data')), 'a refused clone leaves nothing behind')
  })

  it('fails when the data changed on the remote without a new pin (exit 1)', async () => {
    fs.writeFileSync(path.join(data, 'labels.csv'), 'id,label\n1,cat\n2,dog\n3,bird\n')
    await okA(dev, ['commit', '-a', '-S', '-m', 'Labels v8'], {cwd: data})
    await okA(dev, ['push'], {cwd: data})
    const r = await runCi()
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`)
    assert.match(r.stderr, /the data changed without a new pin/)
    // What it cloned is still the pinned version, not the newer one.
    assert.equal(fs.readFileSync(path.join(r.checkout, 'data', 'labels.csv'), 'utf8'), 'id,label\n1,cat\n2,dog\n')
    // A new pin makes the build green again.
    await okA(dev, ['pin'], {cwd: data})
    const again = await runCi()
    assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`)
    assert.equal(fs.readFileSync(path.join(again.checkout, 'data', 'labels.csv'), 'utf8'), 'id,label\n1,cat\n2,dog\n3,bird\n')
  })
})
