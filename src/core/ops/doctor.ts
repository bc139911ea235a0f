/**
 * bl doctor [remote]: checks what a push or fetch depends on, each with a specific fix — where
 * the credentials come from and whether they resolve, whether the endpoint answers, whether the
 * prefix can be read, written and cleaned, whether conditional writes are honoured, and the clock.
 */
import fs from 'node:fs'
import path from 'node:path'
import {BlError} from '../errors.js'
import type {Context} from '../context.js'
import {probeConditional, readBlRepo} from '../remote/remote-repo.js'
import {openTransport, parseRemoteUrl, readRemote, writeRemote} from '../remote/remotes.js'
import type {Transport} from '../remote/transport.js'
import type {Repo} from '../repo.js'

export interface DoctorCheck {
  check: 'credentials' | 'endpoint' | 'repository' | 'permissions' | 'conditional-writes' | 'clock'
  status: 'ok' | 'warn' | 'fail'
  detail: string
  hint?: string
}

export interface DoctorResult {
  remote: string
  url: string
  checks: DoctorCheck[]
  ok: boolean
}

/** Where the AWS SDK's default chain will find credentials, judged from the environment. */
function credentialSource(env: Context['env'], profile?: string): string {
  if (env.AWS_ACCESS_KEY_ID) return 'environment (AWS_ACCESS_KEY_ID)'
  if (profile) return `shared config, profile ${profile} (--profile)`
  if (env.AWS_PROFILE) return `shared config, profile ${env.AWS_PROFILE} (AWS_PROFILE)`
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return 'web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)'
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return 'container credentials endpoint'
  const home = env.HOME ?? ''
  if (home && (fs.existsSync(path.join(home, '.aws', 'credentials')) || fs.existsSync(path.join(home, '.aws', 'config')))) return 'shared config, default profile (~/.aws)'
  return 'SSO or instance metadata (nothing in the environment or ~/.aws)'
}

async function timed<T>(fn: () => Promise<T>): Promise<{value?: T; error?: string; ms: number}> {
  const t0 = Date.now()
  try {
    return {value: await fn(), ms: Date.now() - t0}
  } catch (err) {
    return {error: ((err as Error).message ?? String(err)).split('\n')[0]!, ms: Date.now() - t0}
  }
}

export async function doctor(repo: Repo, name: string): Promise<DoctorResult> {
  const r = readRemote(repo, name)
  const env = repo.ctx.env
  const t: Transport = await openTransport(r, repo.ctx.cwd)
  const checks: DoctorCheck[] = []
  try {
    const s3 = t as Partial<{checkCredentials(): Promise<{ok: boolean; message?: string}>; serverTime(): Promise<Date | undefined>}>
    const isS3 = parseRemoteUrl(r.url, repo.ctx.cwd).kind === 's3'
    if (isS3 && s3.checkCredentials) {
      const source = credentialSource(env, r.profile)
      const c = await s3.checkCredentials()
      checks.push(
        c.ok
          ? {check: 'credentials', status: 'ok', detail: `found: ${source}`}
          : {check: 'credentials', status: 'fail', detail: `none resolved (${c.message}); looked for: ${source}`, hint: 'Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or configure a profile (`aws configure` / `bl remote set-url --profile`).'},
      )
    }
    const reach = await timed(() => t.list('BLREPO'))
    // The server answered, but there is no such bucket: that is no network trouble.
    const noBucket = isS3 && reach.error !== undefined && /NoSuchBucket|bucket does not exist/i.test(reach.error)
    checks.push(
      noBucket
        ? {check: 'endpoint', status: 'fail', detail: `${t.display}: the endpoint answered that the bucket does not exist (${reach.error})`, hint: 'Create the bucket, or fix its name in the URL (`bl remote set-url`).'}
        : reach.error
          ? {check: 'endpoint', status: 'fail', detail: `${t.display} did not answer: ${reach.error}`, hint: isS3 ? 'Check --endpoint, --region and --path-style (`bl remote set-url`), the network and the bucket name.' : 'Check that the directory exists and is mounted.'}
          : {check: 'endpoint', status: 'ok', detail: `${t.display} answered in ${reach.ms} ms`},
    )
    if (reach.error) return {remote: name, url: r.url, checks, ok: false}
    const info = await timed(() => readBlRepo(t))
    checks.push(
      info.error
        ? {check: 'repository', status: 'fail', detail: info.error, hint: 'The BLREPO marker is unreadable; fix it on the remote.'}
        : info.value
          ? {check: 'repository', status: 'ok', detail: `bl repository ${info.value.id}${info.value.forkedFrom ? `, forked from ${info.value.forkedFrom}` : ''}`}
          : {check: 'repository', status: 'warn', detail: 'no bl repository here yet', hint: 'The first `bl push` creates it.'},
    )
    const probeKey = `probe/doctor-${process.pid}-${Date.now()}`
    const perms = await timed(async () => {
      await t.put(probeKey, Buffer.from('doctor\n'))
      const back = await t.get(probeKey)
      if (!back || back.body.toString() !== 'doctor\n') throw new Error('an object written could not be read back intact')
      await t.delete([probeKey])
    })
    checks.push(
      perms.error
        ? {check: 'permissions', status: 'fail', detail: `write/read/delete under the prefix failed: ${perms.error}`, hint: 'Grant s3:PutObject, s3:GetObject, s3:DeleteObject and s3:ListBucket on the prefix (or fix directory permissions).'}
        : {check: 'permissions', status: 'ok', detail: 'can write, read back and delete objects'},
    )
    if (!perms.error) {
      const cond = await timed(() => probeConditional(t))
      if (cond.error) checks.push({check: 'conditional-writes', status: 'fail', detail: cond.error, hint: 'Conditional writes failed outright; check the permissions above.'})
      else {
        repo.store.transaction(() => writeRemote(repo, {...r, conditional: cond.value}), {durable: true})
        checks.push(
          cond.value
            ? {check: 'conditional-writes', status: 'ok', detail: 'If-None-Match/If-Match honoured: concurrent pushes are safe'}
            : {check: 'conditional-writes', status: 'warn', detail: 'the store ignores preconditions: two pushes at once could overwrite each other', hint: 'Use a store with conditional writes (AWS S3, recent MinIO/R2), or push from one place at a time.'},
        )
      }
    }
    if (isS3 && s3.serverTime) {
      const server = await s3.serverTime()
      if (!server) checks.push({check: 'clock', status: 'warn', detail: 'the server sent no Date header; skew unknown'})
      else {
        const skew = Math.round((repo.ctx.now().getTime() - server.getTime()) / 1000)
        checks.push(
          Math.abs(skew) > 300
            ? {check: 'clock', status: 'fail', detail: `this machine's clock is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} the server`, hint: 'Sync the clock (NTP): S3 rejects requests signed more than 15 minutes off, and commit times would be wrong.'}
            : {check: 'clock', status: 'ok', detail: `within ${Math.abs(skew)} s of the server`},
        )
      }
    }
    return {remote: name, url: r.url, checks, ok: checks.every((c) => c.status !== 'fail')}
  } finally {
    t.close()
  }
}

/** Fails (exit 1) with every check in `data` when any check failed. */
export function requireHealthy(res: DoctorResult): DoctorResult {
  if (res.ok) return res
  const bad = res.checks.filter((c) => c.status === 'fail')
  throw new BlError('CHECKS_FAILED', `${bad.length} check${bad.length === 1 ? '' : 's'} failed for remote ${res.remote}: ${bad.map((c) => `${c.check}: ${c.detail}`).join('; ')}`, {hint: bad[0]!.hint ?? 'See the checks above.', data: {...res}})
}
