/**
 * The certificate authorities bl's own TLS connections (S3 over https) trust: Node's bundled roots
 * plus the PEM file the user named in NODE_EXTRA_CA_CERTS.
 *
 * Why bl adds them itself: Node reads and parses NODE_EXTRA_CA_CERTS when every process starts,
 * ~40 ms for a system bundle of ~150 certificates, paid by every `bl status` although only a
 * transfer over https needs them. bin/run.js moves the variable aside before Node starts and
 * puts it back for child processes; the CLI then names the file here, and it is read when a
 * connection first needs it. (Run as `node bin/run.js`, Node has loaded the file itself; adding
 * the same certificates again changes nothing.)
 */
import fs from 'node:fs'

let extraFile: string | undefined
let cached: string[] | undefined

/** Names the PEM file of extra certificate authorities (undefined or '': none). */
export function useExtraCaCertificates(file: string | undefined): void {
  extraFile = file || undefined
  cached = undefined
}

/**
 * The `ca` list for a TLS connection, given Node's bundled `tls.rootCertificates` (passed in: this
 * module is loaded by every command, node:tls only by those that connect): undefined (Node's
 * defaults) when no extra file is named. A file that cannot be read adds nothing, as Node ignores
 * it (Node also printed a warning).
 */
export function trustedCertificates(roots: readonly string[]): string[] | undefined {
  if (!extraFile) return undefined
  if (!cached) {
    let extra: string[] = []
    try {
      extra = [fs.readFileSync(extraFile, 'utf8')]
    } catch {
      // unreadable: Node's own behaviour is to go on with its bundled roots
    }
    cached = [...roots, ...extra]
  }
  return cached
}
