/** All of standard input, read through `process.stdin` (a synchronous read of fd 0 races the stream other code may have opened on it). */
export async function readStdin(): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const b of process.stdin) parts.push(b as Buffer)
  return Buffer.concat(parts)
}
