import {BlCommand} from '../cli/base-command.js'
import {versionInfo, type VersionInfo} from '../core/ops/version.js'

export default class Version extends BlCommand {
  static override summary = "Show bl's version and what it runs with."
  static override description = `Prints bl's version, the Node.js version and platform, which BLAKE3 implementation loaded (native, or the slower WebAssembly fallback) and the SQLite version. \`bl --version\` prints the first line only; \`bl --version --json\` is the same as \`bl version --json\`.`
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json']

  async run(): Promise<VersionInfo> {
    await this.parse(Version)
    const info = versionInfo({version: this.config.version, node: process.versions.node, platform: process.platform, arch: process.arch})
    this.out(`bl ${info.version}`)
    this.out(`node ${info.node} (${info.platform}-${info.arch})`)
    this.out(`blake3 ${info.blake3}`)
    this.out(`sqlite ${info.sqlite}`)
    return info
  }
}
