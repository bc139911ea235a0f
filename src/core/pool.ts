/**
 * A bounded worker pool over a list. The first failure stops the other workers from taking new
 * items (the ones in flight finish), and is what the pool rejects with, so a failed transfer does
 * not keep downloading or writing after the command has reported the error.
 */
export async function runPool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  let failure: {err: unknown} | undefined
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const i = next++
      try {
        await fn(items[i]!, i)
      } catch (err) {
        failure ??= {err}
      }
    }
  }
  await Promise.all(Array.from({length: Math.max(1, Math.min(concurrency, items.length))}, worker))
  if (failure) throw failure.err
}
