/**
 * Runs the S3 test server (test/support/s3-server.ts) in a process of its own for the REMOTE bench
 * step: the bench's Runner waits for each command synchronously, which would freeze a server
 * living in the bench's own event loop.
 *
 *   node --import tsx bench/s3-serve.ts
 *
 * Prints one JSON line {endpoint, bucket, directory, accessKeyId, secretAccessKey, region} once
 * the server listens, then serves until stdin closes or SIGTERM/SIGINT arrives, and stops (which
 * removes its data directory). Set TMPDIR to choose where the data lives.
 */
import {startS3Server} from '../test/support/s3-server.js'

const server = await startS3Server({bucket: process.env.BENCH_S3_BUCKET || 'bl-bench'})
const {endpoint, bucket, directory, accessKeyId, secretAccessKey, region} = server
process.stdout.write(JSON.stringify({endpoint, bucket, directory, accessKeyId, secretAccessKey, region}) + '\n')

let stopping = false
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  await server.stop()
  process.exit(0)
}
process.stdin.on('end', () => void stop())
process.stdin.on('error', () => void stop())
process.stdin.resume()
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
