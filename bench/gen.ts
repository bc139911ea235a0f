/**
 * Deterministic benchmark data. Random bytes come from AES-128-CTR of a fixed key over zeros with
 * a per-file IV (fast: ~GB/s with AES-NI); the CSV comes from a seeded sfc32 PRNG. Nothing uses
 * Math.random, so every machine generates byte-identical data for a given GEN_VERSION.
 *
 * Layout under the data root (reused between runs when markers/<id>.json matches GEN_VERSION):
 *   D1/f0000.bin ..            1,000 files x 1 MiB random
 *   D2/d000/f00000.bin ..      50,000 files x 4 KiB random in 500 directories
 *   D3/data.csv                one ~512 MiB CSV
 *   D3.aux/append.csv          rows appended to data.csv for the 1% append step
 *   D3.aux/edit.json           one row in the middle and its same-length / different-length edits
 *   BIG/big.bin                one 4 GiB random file
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {GiB, KiB, MiB, dirBytes, manifest, rmrf} from './util.js'

export const GEN_VERSION = 1

export type DatasetId = 'D1' | 'D2' | 'D3' | 'BIG'

export interface DatasetInfo {
  id: DatasetId
  description: string
  /** the source tree: what is committed / copied */
  dir: string
  files: number
  bytes: number
  aux?: {appendFile: string; appendBytes: number; edit: EditSpec}
}

export interface EditSpec {
  /** byte offset of the edited row in data.csv after the append */
  offset: number
  oldRow: string
  /** same length as oldRow (digits of the amount column rotated) */
  sameRow: string
  /** sameRow with a longer comment: replaces sameRow, so the file grows by a few bytes */
  diffRow: string
}

const KEY = crypto.createHash('sha256').update('blacklake-bench-key').digest().subarray(0, 16)

function iv(ns: string, index: number): Buffer {
  return crypto.createHash('sha256').update(`${ns}:${index}`).digest().subarray(0, 16)
}

/** `size` pseudo-random bytes, fully determined by (ns, index). */
export function randomBlock(ns: string, index: number, size: number): Buffer {
  const c = crypto.createCipheriv('aes-128-ctr', KEY, iv(ns, index))
  return Buffer.concat([c.update(Buffer.alloc(size)), c.final()])
}

/** Write a large random file in 16 MiB blocks (bounded memory). */
function writeRandomFile(file: string, ns: string, index: number, size: number): void {
  const c = crypto.createCipheriv('aes-128-ctr', KEY, iv(ns, index))
  const zeros = Buffer.alloc(16 * MiB)
  const fd = fs.openSync(file, 'w')
  try {
    let left = size
    while (left > 0) {
      const n = Math.min(left, zeros.length)
      const block = c.update(n === zeros.length ? zeros : zeros.subarray(0, n))
      fs.writeSync(fd, block)
      left -= n
    }
  } finally {
    fs.closeSync(fd)
  }
}

// ------------------------------------------------------------------ dataset parameters

const D1_FILES = 1000
const D1_SIZE = 1 * MiB
const D2_DIRS = 500
const D2_PER_DIR = 100
const D2_SIZE = 4 * KiB
const D3_TARGET = 512 * MiB
const D3_APPEND_FRACTION = 0.01
const BIG_SIZE = 4 * GiB

export const D1_FILE_SIZE = D1_SIZE
export const D2_FILE_SIZE = D2_SIZE

export function d1Name(i: number): string {
  return `f${String(i).padStart(4, '0')}.bin`
}

export function d2Name(i: number): string {
  return `d${String(Math.floor(i / D2_PER_DIR)).padStart(3, '0')}/f${String(i).padStart(5, '0')}.bin`
}

export const D2_DIR_COUNT = D2_DIRS

const DESCRIPTIONS: Record<DatasetId, string> = {
  D1: `${D1_FILES} files x 1 MiB random`,
  D2: `${D2_DIRS * D2_PER_DIR} files x 4 KiB random in ${D2_DIRS} directories`,
  D3: 'one 512 MiB CSV, then a 1% append, then one-row edits',
  BIG: 'one 4 GiB random file',
}

/** Bytes the generator needs on disk (to decide whether BIG fits). */
export function datasetFootprint(id: DatasetId): number {
  return {D1: D1_FILES * D1_SIZE, D2: D2_DIRS * D2_PER_DIR * D2_SIZE, D3: D3_TARGET * 1.02, BIG: BIG_SIZE}[id]
}

interface Marker {
  version: number
  id: DatasetId
  files: number
  bytes: number
  aux?: DatasetInfo['aux']
  createdAt: string
  genSeconds: number
}

export function datasetPaths(root: string, id: DatasetId): {dir: string; aux: string; marker: string} {
  return {dir: path.join(root, id), aux: path.join(root, `${id}.aux`), marker: path.join(root, 'markers', `${id}.json`)}
}

/** Reuse the data set when its marker matches, else (re)generate it. */
export function ensureDataset(root: string, id: DatasetId, log: (msg: string) => void): DatasetInfo & {generated: boolean; genSeconds: number} {
  const p = datasetPaths(root, id)
  const marker = readMarker(p.marker)
  if (marker && marker.version === GEN_VERSION && marker.id === id) {
    // cheap consistency check: same number of files and bytes as when generated
    const m = manifest(p.dir)
    let bytes = 0
    for (const e of m.values()) bytes += e.size
    const auxOk = !marker.aux || (fs.existsSync(marker.aux.appendFile) && fs.statSync(marker.aux.appendFile).size === marker.aux.appendBytes)
    if (m.size === marker.files && bytes === marker.bytes && auxOk) {
      return {id, description: DESCRIPTIONS[id], dir: p.dir, files: marker.files, bytes: marker.bytes, aux: marker.aux, generated: false, genSeconds: marker.genSeconds}
    }
    log(`  ${id}: data on disk does not match its marker; regenerating`)
  }
  rmrf(p.marker)
  rmrf(p.dir)
  rmrf(p.aux)
  fs.mkdirSync(p.dir, {recursive: true})
  fs.mkdirSync(path.dirname(p.marker), {recursive: true})
  log(`  ${id}: generating ${DESCRIPTIONS[id]} under ${p.dir} ...`)
  const t0 = performance.now()
  let aux: DatasetInfo['aux']
  if (id === 'D1') genD1(p.dir)
  else if (id === 'D2') genD2(p.dir)
  else if (id === 'D3') aux = genD3(p.dir, p.aux)
  else writeRandomFile(path.join(p.dir, 'big.bin'), 'BIG', 0, BIG_SIZE)
  const genSeconds = (performance.now() - t0) / 1000
  const m = manifest(p.dir)
  const bytes = dirBytes(p.dir)
  const mk: Marker = {version: GEN_VERSION, id, files: m.size, bytes, aux, createdAt: new Date().toISOString(), genSeconds}
  fs.writeFileSync(p.marker, JSON.stringify(mk, null, 2) + '\n')
  log(`  ${id}: generated ${m.size} files, ${bytes} bytes in ${genSeconds.toFixed(1)} s`)
  return {id, description: DESCRIPTIONS[id], dir: p.dir, files: m.size, bytes, aux, generated: true, genSeconds}
}

function readMarker(file: string): Marker | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Marker
  } catch {
    return null
  }
}

function genD1(dir: string): void {
  for (let i = 0; i < D1_FILES; i++) fs.writeFileSync(path.join(dir, d1Name(i)), randomBlock('D1', i, D1_SIZE))
}

function genD2(dir: string): void {
  for (let d = 0; d < D2_DIRS; d++) {
    fs.mkdirSync(path.join(dir, d2Name(d * D2_PER_DIR).split('/')[0]!))
    const block = randomBlock('D2', d, D2_PER_DIR * D2_SIZE)
    for (let j = 0; j < D2_PER_DIR; j++) {
      const i = d * D2_PER_DIR + j
      fs.writeFileSync(path.join(dir, d2Name(i)), block.subarray(j * D2_SIZE, (j + 1) * D2_SIZE))
    }
  }
}

// ------------------------------------------------------------------ CSV

/** sfc32: small, fast, well-distributed 32-bit PRNG; returns floats in [0, 1). */
export function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0
    b |= 0
    c |= 0
    d |= 0
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
}

const CATEGORIES = ['grocery', 'electronics', 'apparel', 'home', 'garden', 'toys', 'sports', 'books', 'beauty', 'automotive', 'pharmacy', 'travel']
const WORDS = (
  'the a sensor reading was stable after calibration drift noted near inlet valve pressure spike ' +
  'customer reported late delivery package damaged refund issued within two days quality check ' +
  'passed failed pending review by operator night shift morning batch line north south east west ' +
  'warehouse forecast demand seasonal promo discount applied loyalty member new returning order ' +
  'cancelled shipped backordered supplier delay weather storm heat wave cold snap humidity high low ' +
  'normal anomaly detected threshold exceeded alarm cleared manual override firmware update restart ' +
  'battery replaced cable loose antenna signal weak strong retry succeeded timeout error recovered'
).split(' ')

export const CSV_HEADER = 'id,timestamp,sensor_id,temperature_c,humidity_pct,pressure_hpa,amount,category,comment\n'

class CsvRows {
  private readonly r = sfc32(0x9e3779b9, 0x243f6a88, 0xb7e15162, 0x1234567)
  private id = 0
  private t = Date.UTC(2023, 0, 1)
  private day = -1
  private dayPrefix = ''

  /** Same text as new Date(t).toISOString(), with the date part cached (it is the slow part). */
  private iso(): string {
    const t = this.t
    const day = Math.floor(t / 86_400_000)
    if (day !== this.day) {
      this.day = day
      this.dayPrefix = new Date(day * 86_400_000).toISOString().slice(0, 11)
    }
    let ms = t - day * 86_400_000
    const h = Math.floor(ms / 3_600_000)
    ms -= h * 3_600_000
    const m = Math.floor(ms / 60_000)
    ms -= m * 60_000
    const sec = Math.floor(ms / 1000)
    ms -= sec * 1000
    return `${this.dayPrefix}${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${sec < 10 ? '0' : ''}${sec}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`
  }

  next(): string {
    const r = this.r
    this.id++
    this.t += Math.floor(r() * 2000)
    const n = 3 + Math.floor(r() * 12)
    let comment = WORDS[Math.floor(r() * WORDS.length)]!
    for (let i = 1; i < n; i++) comment += (r() < 0.08 ? ', ' : ' ') + WORDS[Math.floor(r() * WORDS.length)]!
    return (
      `${this.id},${this.iso()},${1 + Math.floor(r() * 5000)},` +
      `${(r() * 65 - 20).toFixed(2)},${(r() * 100).toFixed(1)},${(950 + r() * 100).toFixed(2)},` +
      `${(r() * 10000).toFixed(2)},${CATEGORIES[Math.floor(r() * CATEGORIES.length)]!},"${comment}"\n`
    )
  }
}

/** Copies each (ASCII) string into a preallocated buffer at once: no long-lived strings, little GC. */
class BufferedWriter {
  private readonly buf = Buffer.allocUnsafe(8 * MiB)
  private pos = 0
  bytes = 0
  private readonly fd: number
  constructor(file: string) {
    this.fd = fs.openSync(file, 'w')
  }
  write(s: string): void {
    if (this.pos + s.length > this.buf.length) this.flush()
    if (s.length > this.buf.length) {
      fs.writeSync(this.fd, s, null, 'latin1')
    } else {
      this.pos += this.buf.write(s, this.pos, 'latin1')
    }
    this.bytes += s.length // ASCII only
  }
  flush(): void {
    if (this.pos) fs.writeSync(this.fd, this.buf, 0, this.pos)
    this.pos = 0
  }
  close(): void {
    this.flush()
    fs.closeSync(this.fd)
  }
}

function genD3(dir: string, auxDir: string): NonNullable<DatasetInfo['aux']> {
  fs.mkdirSync(auxDir, {recursive: true})
  const rows = new CsvRows()
  // the edited row sits in the middle of the file after the append
  const editTarget = Math.floor((D3_TARGET * (1 + D3_APPEND_FRACTION)) / 2)
  let editOffset = -1
  let oldRow = ''
  const w = new BufferedWriter(path.join(dir, 'data.csv'))
  w.write(CSV_HEADER)
  for (;;) {
    const row = rows.next()
    if (w.bytes + row.length > D3_TARGET) {
      w.close()
      break
    }
    if (editOffset < 0 && w.bytes >= editTarget) {
      editOffset = w.bytes
      oldRow = row
    }
    w.write(row)
  }
  const base = w.bytes
  const a = new BufferedWriter(path.join(auxDir, 'append.csv'))
  const want = Math.ceil(base * D3_APPEND_FRACTION)
  while (a.bytes < want) a.write(rows.next())
  a.close()

  const edit: EditSpec = {offset: editOffset, oldRow, sameRow: sameLengthEdit(oldRow), diffRow: ''}
  edit.diffRow = edit.sameRow.replace(/"\n$/, ' (corrected by analyst, see ticket 4711)"\n')
  if (edit.sameRow.length !== oldRow.length || edit.sameRow === oldRow || edit.diffRow.length <= oldRow.length) throw new Error('bad D3 edit spec')
  fs.writeFileSync(path.join(auxDir, 'edit.json'), JSON.stringify(edit, null, 2) + '\n')
  return {appendFile: path.join(auxDir, 'append.csv'), appendBytes: a.bytes, edit}
}

/** Rotate every digit of the amount column (7th field): same length, different value. */
function sameLengthEdit(row: string): string {
  let start = 0
  for (let i = 0; i < 6; i++) start = row.indexOf(',', start) + 1
  const end = row.indexOf(',', start)
  const amount = row.slice(start, end).replace(/\d/g, (d) => String((Number(d) + 1) % 10))
  return row.slice(0, start) + amount + row.slice(end)
}

/**
 * The D3 one-row edit, same length, in place: checks that `expected` (the row as it stands) is at
 * its offset, then overwrites it with `replacement` of the same length. Returns the bytes written.
 */
export function editRowInPlace(file: string, offset: number, expected: string, replacement: string): number {
  if (expected.length !== replacement.length) throw new Error('D3 edit: in-place edit needs rows of the same length')
  const fd = fs.openSync(file, 'r+')
  try {
    const cur = Buffer.alloc(expected.length)
    fs.readSync(fd, cur, 0, cur.length, offset)
    if (cur.toString('latin1') !== expected) throw new Error('D3 edit: row not found at its offset')
    fs.writeSync(fd, Buffer.from(replacement, 'latin1'), 0, replacement.length, offset)
  } finally {
    fs.closeSync(fd)
  }
  return replacement.length
}
