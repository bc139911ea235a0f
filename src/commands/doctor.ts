import {Args} from '#oclif'
import {BlCommand} from '../cli/base-command.js'
import {doctor, requireHealthy, type DoctorResult} from '../core/ops/doctor.js'

const MARK = {ok: 'ok  ', warn: 'warn', fail: 'FAIL'}

export default class Doctor extends BlCommand {
  static override summary = 'Check that a remote works: credentials, endpoint, permissions, conditional writes, clock.'
  static override description = 'Each check prints ok, warn or FAIL with what was found and, when something is wrong, how to fix it. Exits 1 when a check failed (warnings do not fail).'
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor backup --json']
  static override args = {remote: Args.string({description: 'Remote name (default: origin).'})}

  async run(): Promise<DoctorResult> {
    const {args} = await this.parse(Doctor)
    const res = await doctor(this.repo(), args.remote ?? 'origin')
    for (const c of res.checks) {
      this.out(`${MARK[c.status]}  ${c.check.padEnd(18)} ${c.detail}`)
      if (c.hint && c.status !== 'ok') this.out(`      ${''.padEnd(18)} hint: ${c.hint}`)
    }
    return requireHealthy(res)
  }
}
