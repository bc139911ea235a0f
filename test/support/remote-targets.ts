/**
 * The remotes the transport test suites run against: a directory remote and the S3-compatible test
 * server (started once per test file). Shared so every remote suite runs over both alike.
 */
import {after, before} from 'node:test'
import path from 'node:path'
import {makeTmp, rmrf} from '../integration/helpers.ts'
import {s3Env, startS3Server, type S3TestServer} from './s3-server.ts'

export interface Target {
  name: 'directory' | 's3'
  /** `bl remote add <name> <url> ...extra` arguments. */
  url(prefix: string): string[]
  env(): Record<string, string>
}

export interface RemoteTargets {
  dir: Target
  s3: Target
  /** The running S3 test server (inside a test). */
  readonly server: S3TestServer
}

/** Registers the file's before/after hooks: starts the S3 server, removes directory remotes afterwards. */
export function useRemoteTargets(tmpPrefix: string): RemoteTargets {
  let server: S3TestServer | undefined
  const tmps: string[] = []
  before(async () => {
    server = await startS3Server()
  })
  after(async () => {
    await server?.stop()
    for (const t of tmps) rmrf(t)
  })
  const targets: RemoteTargets = {
    get server(): S3TestServer {
      if (!server) throw new Error('the S3 test server is not running (use it inside a test)')
      return server
    },
    dir: {
      name: 'directory',
      url(prefix) {
        const base = makeTmp(tmpPrefix)
        tmps.push(base)
        return [path.join(base, prefix)]
      },
      env: () => ({}),
    },
    s3: {
      name: 's3',
      url: (prefix) => [`s3://${targets.server.bucket}/${prefix}`, '--endpoint', targets.server.endpoint, '--path-style'],
      env: () => s3Env(targets.server),
    },
  }
  return targets
}
