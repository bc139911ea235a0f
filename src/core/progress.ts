/**
 * Progress callbacks of long work on files (add, commit -a, checkout, restore). Plain functions
 * passed in options: core reports what it did and never draws; the CLI turns them into a view.
 */
export interface FileProgress {
  /** The files about to be processed and their total size, once known (after the scan or tree diff). */
  onTotals?(files: number, bytes: number): void
  /** One file done (stored, or written to the work tree); `bytes` is its size. */
  onFile?(path: string, bytes: number): void
}
