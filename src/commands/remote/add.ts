import {Args} from '#oclif'
import {BlCommand} from '../../cli/base-command.js'
import {remoteFlags, remoteOptionsFrom} from '../../cli/remote-flags.js'
import {remoteAdd, type RemoteView} from '../../core/ops/remote.js'

export default class RemoteAdd extends BlCommand {
  static override summary = 'Add a remote: s3://bucket/prefix, file:///path or a directory.'
  static override description = 'Credentials are never stored: S3 remotes use the AWS SDK default chain (environment, shared config/profiles, SSO, instance metadata).'
  static override examples = [
    '<%= config.bin %> remote add origin s3://my-bucket/datasets/images',
    '<%= config.bin %> remote add minio s3://data/repo --endpoint http://localhost:9000 --path-style',
    '<%= config.bin %> remote add backup /mnt/shared/bl/repo',
  ]
  static override args = {name: Args.string({required: true, description: 'Remote name.'}), url: Args.string({required: true, description: 'Remote URL.'})}
  static override flags = remoteFlags

  async run(): Promise<RemoteView> {
    const {args, flags} = await this.parse(RemoteAdd)
    return remoteAdd(this.repo(), args.name, args.url, remoteOptionsFrom(flags))
  }
}
