/** Flags that describe how to reach an S3-compatible remote (remote add/set-url, clone). */
import {Flags} from '#oclif'

export const remoteFlags = {
  endpoint: Flags.string({description: 'S3-compatible endpoint URL (MinIO, Ceph, R2, ...).'}),
  region: Flags.string({description: 'S3 region (default: from the AWS configuration, else us-east-1).'}),
  profile: Flags.string({description: 'AWS shared-config profile whose credentials to use.'}),
  'path-style': Flags.boolean({description: 'Address buckets as endpoint/bucket (needed by most S3-compatible servers).', allowNo: true}),
  concurrency: Flags.integer({description: 'Parallel transfers (default 8).', min: 1, max: 64}),
}

export function remoteOptionsFrom(flags: {endpoint?: string; region?: string; profile?: string; 'path-style'?: boolean; concurrency?: number}) {
  return {endpoint: flags.endpoint, region: flags.region, profile: flags.profile, pathStyle: flags['path-style'], concurrency: flags.concurrency}
}
