/**
 * The certificate authorities bl's TLS connections (S3 over https, and the AWS SDK's own SSO and
 * STS clients) trust: Node's bundled roots plus the PEM file the user named in
 * NODE_EXTRA_CA_CERTS.
 *
 * Why bl adds them itself: Node reads and parses NODE_EXTRA_CA_CERTS when every process starts,
 * ~40 ms for a system bundle of ~150 certificates, paid by every `bl status` although only a
 * transfer over https needs them. bin/run.js moves the variable aside before Node starts and
 * puts it back for child processes; the CLI then names the file here, and it is read when the
 * first TLS context is made. (Run as `node bin/run.js`, Node has loaded the file itself; adding
 * the same certificates again changes nothing.)
 */
import fs from 'node:fs'
import type tls from 'node:tls'

let extraFile: string | undefined
let cached: string[] | undefined

/** Names the PEM file of extra certificate authorities (undefined or '': none). */
export function useExtraCaCertificates(file: string | undefined): void {
  extraFile = file || undefined
  cached = undefined
}

/** Node's bundled roots plus the named file; a file that cannot be read adds nothing, as with Node. */
function trusted(roots: readonly string[]): string[] {
  if (!cached) {
    let extra: string[] = []
    try {
      extra = [fs.readFileSync(extraFile!, 'utf8')]
    } catch {
      // unreadable: Node's own behaviour is to go on with its bundled roots (it also warns)
    }
    cached = [...roots, ...extra]
  }
  return cached
}

const patched = new WeakSet<object>()

/**
 * Makes every TLS context made without a `ca` of its own trust the extra certificates too, which
 * is what Node does with NODE_EXTRA_CA_CERTS when it reads it at start-up: one place covers every
 * client in the process, including the SDK's bare agents for `Expect: 100-continue` uploads and
 * its SSO and STS clients. `node:tls` is passed in (loaded only by commands that connect). Call
 * before connecting; idempotent, and a no-op when no file is named.
 */
export function trustExtraCertificates(tlsModule: typeof tls): void {
  if (!extraFile || patched.has(tlsModule)) return
  patched.add(tlsModule)
  const make = tlsModule.createSecureContext
  tlsModule.createSecureContext = (options) => make(options?.ca !== undefined ? options : {...options, ca: trusted(tlsModule.rootCertificates)})
}
