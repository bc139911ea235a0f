/** Human-readable sizes, shared by core messages and every command's text output. */

/** 1023 B, 1.5 KiB, 12 MiB: one decimal below 10, none above (binary units, as `ls -h`). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}
