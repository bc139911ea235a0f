/**
 * Every strict decoder of bl, as a fuzz target: seeds made with bl's own encoders (so mutation
 * starts from valid bytes), the call that decodes, and the typed errors it documents.
 */
import * as openpgp from 'openpgp'
import {MAX_OBJECT, PackWriter, decodeIdx, encodeIdx, entryBytes} from '../../src/core/remote/pack.ts'
import {compress, decompress} from '../../src/core/compress.ts'
import {decodeUserConfig, encodeUserConfig, envConfig, parseConfigKey} from '../../src/core/config.ts'
import {hashHex, type Oid} from '../../src/core/hash.ts'
import {BlError} from '../../src/core/errors.ts'
import {buildTree, compareNames, decodeBlob, decodeCommit, decodeTreeNode, encodeBlob, encodeCommit, type Commit, type TreeEntry} from '../../src/core/objects/index.ts'
import {decodeOperation, encodeOperation, type OperationState} from '../../src/core/ops/operation-state.ts'
import {decodeLock, encodeLock} from '../../src/core/pin/lock-file.ts'
import {policySignatureProblem} from '../../src/core/protect/chain.ts'
import {decodePolicy, encodePolicy, policyPayload, type SignedPolicy} from '../../src/core/protect/policy.ts'
import {checkCommitShape, rulesFor, signatureViolations, signerTrust} from '../../src/core/protect/rules.ts'
import {checkBranchName} from '../../src/core/refs/refs.ts'
import {decodeAuditEntry, decodeBlRepo, decodeRemoteRef, encodeAuditEntry, encodeBlRepo, encodeRemoteRef} from '../../src/core/remote/remote-repo.ts'
import {parseRemoteUrl} from '../../src/core/remote/remotes.ts'
import {Keyring} from '../../src/core/signing/keyring.ts'
import {defaultSigner} from '../../src/core/signing/signer.ts'
import {verifySignature} from '../../src/core/signing/verify.ts'
import {decodeIndex, encodeIndex} from '../../src/core/store/index-codec.ts'
import {decodeSparse, encodeSparse} from '../../src/core/worktree/sparse.ts'
import {parquetWriteBuffer} from 'hyparquet-writer'
import {openTable} from '../../src/core/tables/open.ts'
import {computeStats} from '../../src/core/tables/stats.ts'
import type {FuzzTarget} from './fuzz-engine.ts'

const A = hashHex(Buffer.from('a'))
const B = hashHex(Buffer.from('b'))
const C = hashHex(Buffer.from('c'))
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8')
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8')
/** A zstd frame expands at most ~32768x (a 4-byte RLE block makes 128 KiB): allocations up to that are honest. */
const zstdAlloc = (n: number): number => (1 << 20) + 32768 * n

// ---- seeds ------------------------------------------------------------------------------------

const sig = {name: 'Ada Lovelace', email: 'ada@example.com', time: 1_700_000_000, tz: 60}

function commits(): Commit[] {
  const base: Commit = {tree: A, parents: [B], author: sig, committer: {...sig, tz: -300}, message: 'Add data\n', meta: {'git.commit': 'deadbeef', 'git.dirty': 'false'}}
  return [
    base,
    {...base, signature: Buffer.from(Array.from({length: 119}, (_, i) => (i * 37) & 0xff))},
    {...base, parents: [], meta: {}, message: ''},
    {...base, parents: [A, B, C], message: 'Merge: données été 😀\n\nbody\n', meta: {'bl.source': 's3://bucket/x'}},
  ]
}

function treeEntries(): TreeEntry[] {
  const e = (name: string, kind: TreeEntry['kind'], extra: Partial<TreeEntry> = {}): TreeEntry => ({name, kind, exec: false, size: 10, files: 1, id: A, ...extra})
  return [e('a.csv', 'file'), e('run.sh', 'file', {exec: true}), e('data', 'dir', {size: 1000, files: 7, id: B}), e('link', 'symlink', {size: 5, id: C}), e('é', 'file'), e('😀.bin', 'file')].sort((x, y) => compareNames(x.name, y.name))
}

function treeSeeds(): Buffer[] {
  const paged = buildTree(Array.from({length: 1100}, (_, i) => ({name: `f${String(i).padStart(5, '0')}`, kind: 'file' as const, exec: false, size: i, files: 1, id: A})))
  return [buildTree(treeEntries())[0]!.bytes, buildTree([])[0]!.bytes, paged.at(-1)!.bytes]
}

function pack(): {idx: Buffer; pack: Buffer} {
  const w = new PackWriter()
  const csv = utf8(Array.from({length: 200}, (_, i) => `${i},row ${i},${i * 3.5}\n`).join(''))
  const noise = Buffer.from(Array.from({length: 700}, (_, i) => (i * 2654435761) >>> 24))
  w.add('chunk', hashHex(csv), csv)
  w.add('chunk', hashHex(noise), noise)
  const tree = buildTree(treeEntries())[0]!
  w.add('tree', tree.id, tree.bytes)
  const commit = encodeCommit(commits()[0]!)
  w.add('commit', hashHex(commit), commit)
  const file = Buffer.concat([csv, noise])
  w.add('blob', hashHex(file), encodeBlob({size: file.length, chunks: [{id: hashHex(csv), len: csv.length}, {id: hashHex(noise), len: noise.length}]}), true)
  const {bytes, index} = w.finish()
  return {idx: encodeIdx(index), pack: bytes}
}

/** The pack-entries input: u32le(index length), the index, the pack. */
function framePack(p: {idx: Buffer; pack: Buffer}): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt32LE(p.idx.length)
  return Buffer.concat([head, p.idx, p.pack])
}

const FPR1 = '1'.repeat(40)
const FPR2 = 'ab'.repeat(32)
const ARMOR = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxjMEZQ==\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n'

function policies(): SignedPolicy[] {
  const rule = {pattern: 'main', since: 1_700_000_000, base: [A, B].sort() as Oid[], requireSigned: true, noForcePush: true, noDelete: true, linear: true, mergeOnly: false, maxFileSize: 1 << 30, maxCommitSize: null, messagePattern: '^[A-Z][^\\n]+'}
  return [
    {seq: 1, prev: null, time: 1_700_000_000, owners: [FPR1], signers: [], rules: [], keys: {[FPR1]: ARMOR}, signedBy: FPR1, signature: Buffer.alloc(64, 7)},
    {
      seq: 3,
      prev: C,
      time: 1_700_000_500,
      owners: [FPR1],
      signers: [{fingerprint: FPR2, name: 'CI bot', branches: ['main', 'release/*'], validFrom: 1_700_000_000, validUntil: 1_800_000_000}],
      rules: [rule, {...rule, pattern: 'release/**', base: [], linear: false, mergeOnly: true, maxFileSize: null, maxCommitSize: 1 << 20, messagePattern: null}],
      keys: {[FPR1]: ARMOR, [FPR2]: ARMOR},
      signedBy: FPR1,
      signature: Buffer.alloc(70, 9),
    },
  ]
}

const BRANCHES = ['main', 'release/1.0', 'release/1/2', 'feature/a/b', 'a'.repeat(300), 'x/'.repeat(100) + 'y']
const NOW = new Date(1_750_000_000 * 1000)

/** Everything a decoded policy drives without a store: rule matching, signer trust, commit shape. */
function evaluatePolicy(p: SignedPolicy): void {
  const commit = commits()[3]!
  for (const branch of BRANCHES) {
    const rules = rulesFor(p, branch)
    checkCommitShape(null as never, rules.map((r) => ({...r, maxFileSize: null, maxCommitSize: null})), branch, A, commit, {firstParent: true, parentTree: null})
    for (const s of p.signers) {
      for (const at of [0, (s.validFrom ?? 0) - 1, (s.validUntil ?? 0) + 1, 1_750_000_000]) {
        signerTrust(p, branch, s.fingerprint, at)
        signatureViolations(p, rules, branch, A, {status: 'good', keyId: null, fingerprint: s.fingerprint, signingKey: null, userId: null, created: at, keyExpires: null, keyRevocation: null, reason: null, notes: []})
      }
    }
  }
}

function operations(): OperationState[] {
  const side = (path: string, id: Oid) => ({path, kind: 'file' as const, exec: false, size: 12, id})
  return [
    {kind: 'merge', origHead: A, origBranch: 'main', theirs: B, theirsLabel: "branch 'feature'", message: "Merge branch 'feature'\n", conflicts: [{path: 'a.csv', kind: 'both-modified', base: side('a.csv', A), ours: side('a.csv', B), theirs: side('a.csv', C)}, {path: 'd', kind: 'file-directory', ours: side('d', A)}], todo: []},
    {kind: 'rebase', origHead: A, origBranch: null, theirs: C, theirsLabel: C.slice(0, 12), message: 'Pick\n', author: sig, conflicts: [], todo: [A, B], onto: B, noCommit: false, resultTree: C},
  ]
}

// ---- OpenPGP fixtures (one key, generated once) -------------------------------------------------

async function openPgpFixtures() {
  const signer = await defaultSigner()
  const date = new Date(1_700_000_000 * 1000)
  const key = await signer.generateKey({name: 'Fuzz Owner', email: 'owner@example.com', passphrase: null, date})
  const fpr = key.info.fingerprint
  const unlocked = await signer.unlock(key.secretArmored!, {date, passphrase: async () => '', maxAttempts: 1})
  const body = {seq: 1, prev: null, time: 1_700_000_000, owners: [fpr], signers: [], rules: [], keys: {[fpr]: key.publicArmored}, signedBy: fpr}
  const payload = policyPayload(body)
  const signature = Buffer.from(await unlocked.sign(payload, date))
  const policy = encodePolicy({...body, signature})
  const binaryKey = Buffer.from((await openpgp.readKey({armoredKey: key.publicArmored})).write())
  const keyring = await Keyring.fromCertificates([key.publicArmored], signer, () => NOW)
  return {signer, key, payload, signature, policy, binaryKey, keyring}
}

/** A verification that is not good fails as `verify-commit` does, so the harness counts it as rejected. */
async function verdict(v: ReturnType<typeof verifySignature>): Promise<void> {
  const r = await v
  if (r.status !== 'good') throw new BlError('BAD_SIGNATURE', `signature ${r.status}: ${r.reason ?? ''}`)
}

// ---- the targets ------------------------------------------------------------------------------

export async function fuzzTargets(): Promise<FuzzTarget[]> {
  const p = pack()
  const pgp = await openPgpFixtures()
  const zstdSeeds = [utf8('id,name\n'.repeat(512)), Buffer.alloc(100_000), utf8('x')].map((raw) => {
    const head = Buffer.alloc(4)
    head.writeUInt32LE(raw.length)
    return Buffer.concat([head, compress(raw) ?? raw])
  })
  return [
    {name: 'blob record', format: 'binary', codes: ['CORRUPT_OBJECT'], decode: decodeBlob, seeds: [encodeBlob({size: 0, chunks: []}), encodeBlob({size: 10, chunks: [{id: A, len: 10}]}), encodeBlob({size: 3 + (1 << 20), chunks: [{id: A, len: 1}, {id: B, len: 1 << 20}, {id: C, len: 2}]})]},
    {name: 'tree node', format: 'binary', codes: ['CORRUPT_OBJECT'], decode: decodeTreeNode, seeds: treeSeeds()},
    {name: 'commit', format: 'binary', codes: ['CORRUPT_OBJECT'], decode: decodeCommit, seeds: commits().map(encodeCommit)},
    {name: 'pack index', format: 'binary', codes: ['CORRUPT_REMOTE'], decode: (b) => decodeIdx(b, 'packs/x.idx'), seeds: [p.idx, encodeIdx({pack: A, packSize: 5, entries: []})]},
    {
      name: 'pack entries',
      format: 'binary',
      codes: ['CORRUPT_REMOTE'],
      maxAlloc: zstdAlloc,
      seeds: [framePack(p)],
      // As a fetch reads them: the index, then each entry's stored bytes sliced from the pack.
      decode(bytes) {
        const b = Buffer.from(bytes)
        if (b.length < 4 || b.readUInt32LE(0) > b.length - 4) return // the harness's own framing
        const n = b.readUInt32LE(0)
        const idx = decodeIdx(b.subarray(4, 4 + n), 'packs/x.idx')
        const packBytes = b.subarray(4 + n)
        for (const e of idx.entries) entryBytes(e, packBytes.subarray(e.offset, e.offset + e.storedLen))
      },
    },
    {
      name: 'zstd frame',
      format: 'binary',
      codes: ['CORRUPT_OBJECT'],
      maxAlloc: zstdAlloc,
      seeds: zstdSeeds,
      // u32le(declared raw length) then the frame; the length is bounded like a pack index bounds it.
      decode(bytes) {
        const b = Buffer.from(bytes)
        if (b.length < 4) return
        decompress(b.subarray(4), b.readUInt32LE(0) % (MAX_OBJECT + 1))
      },
    },
    {name: 'remote ref', format: 'json', codes: ['CORRUPT_REMOTE'], decode: (b) => decodeRemoteRef('refs/heads/main', Buffer.from(b), '"etag"'), seeds: [encodeRemoteRef(A, 'a1b2c3d4e5f6a1b2c3d4e5f6'), utf8(`{"commit":"${B}"}`)]},
    {name: 'BLREPO', format: 'json', codes: ['CORRUPT_REMOTE', 'UNSUPPORTED_FORMAT'], decode: (b) => decodeBlRepo(Buffer.from(b)), seeds: [encodeBlRepo({format: 1, id: '0b7e6f0e-4f3b-4c55-9b1a-2f4f1c1d2e3f', defaultBranch: 'main', forkedFrom: null}), encodeBlRepo({format: 1, id: 'x', defaultBranch: null, forkedFrom: 's3://up/stream'})]},
    {
      name: 'audit entry',
      format: 'json',
      codes: ['CORRUPT_REMOTE'],
      decode: (b) => decodeAuditEntry('log/000001700000-abc.json', Buffer.from(b)),
      seeds: [encodeAuditEntry({ref: 'refs/heads/main', old: A, new: B, name: 'Ada', email: 'ada@example.com', time: 1_700_000_000, forced: false, signed: true}), encodeAuditEntry({ref: 'refs/tags/v1', old: null, new: C, name: '', email: '', time: 0, forced: true, signed: false})],
    },
    {name: 'protection policy', format: 'json', codes: ['BAD_POLICY', 'UNSUPPORTED_FORMAT'], decode: decodePolicy, seeds: policies().map(encodePolicy)},
    {name: 'protection rules', format: 'json', codes: ['BAD_POLICY', 'UNSUPPORTED_FORMAT'], decode: (b) => evaluatePolicy(decodePolicy(b)), seeds: policies().map(encodePolicy)},
    {
      name: 'policy chain',
      format: 'json',
      codes: ['BAD_POLICY', 'UNSUPPORTED_FORMAT', 'INVALID_KEY'],
      weight: 0.2,
      seeds: [pgp.policy],
      // A first version must be signed by one of its own owners (chain.ts, verifyChain).
      decode: async (b) => {
        const policy = decodePolicy(b)
        return policySignatureProblem(policy, policy, NOW)
      },
    },
    {name: 'OpenPGP signature', format: 'binary', codes: ['BAD_SIGNATURE'], weight: 0.2, seeds: [pgp.signature], decode: (b) => verdict(verifySignature(pgp.keyring, pgp.payload, b, NOW))},
    {name: 'OpenPGP key', format: 'binary', codes: ['INVALID_KEY'], weight: 0.1, seeds: [utf8(pgp.key.publicArmored), pgp.binaryKey], decode: (b) => pgp.signer.readKeys(b)},
    {
      name: 'bl.lock',
      format: 'text',
      codes: ['BAD_LOCK'],
      decode: (b) => decodeLock(text(b)),
      seeds: [
        utf8(encodeLock({remote: 's3://bucket/data', endpoint: 'http://localhost:9000', region: 'eu-west-1', pathStyle: true, branch: 'main', commit: A, path: 'data', signedBy: FPR2})),
        utf8(encodeLock({remote: '../remote', endpoint: null, region: null, pathStyle: null, branch: 'release/1', commit: B, path: '.', signedBy: null})),
      ],
    },
    {name: 'operation state', format: 'json', codes: ['CORRUPT_DATABASE'], decode: (b) => decodeOperation(text(b)), seeds: operations().map((o) => utf8(encodeOperation(o)))},
    {name: 'sparse state', format: 'json', codes: ['CORRUPT_DATABASE'], decode: (b) => decodeSparse(text(b)), seeds: [utf8(encodeSparse({include: ['data/raw', '*.csv']})), utf8(encodeSparse({include: []}))]},
    {
      name: 'store index',
      format: 'binary',
      codes: ['CORRUPT_DATABASE'],
      decode: (b) => decodeIndex(Buffer.from(b)),
      seeds: [encodeIndex([]), encodeIndex([{path: 'a.csv', kind: 'file', exec: false, size: 10, id: A, mtime: 1.7e12, ctime: 1.7e12, ino: 42, checked: 1.7e12 + 5000}, {path: 'dir/é.bin', kind: 'symlink', exec: false, size: 3, id: B, mtime: 0, ctime: 0, ino: 0, checked: 0}])],
    },
    {name: 'user config', format: 'json', codes: ['BAD_CONFIG'], decode: (b) => decodeUserConfig(text(b), 'config.json'), seeds: [utf8(encodeUserConfig({'user.email': 'ada@example.com', 'user.name': 'Ada'})), utf8(encodeUserConfig({}))]},
    {
      name: 'config from env',
      format: 'text',
      codes: ['BAD_CONFIG'],
      // One NAME=value per line, as a CI job would set them.
      decode(b) {
        const env: Record<string, string> = {}
        for (const line of text(b).split('\n')) {
          const i = line.indexOf('=')
          if (i > 0) env[line.slice(0, i)] = line.slice(i + 1)
        }
        return envConfig(env)
      },
      seeds: [utf8('BL_CONFIG_COUNT=2\nBL_CONFIG_KEY_0=user.name\nBL_CONFIG_VALUE_0=CI\nBL_CONFIG_KEY_1=remote.origin.promisor\nBL_CONFIG_VALUE_1=true\n')],
    },
    {name: 'config key', format: 'text', codes: ['BAD_CONFIG'], decode: (b) => parseConfigKey(text(b)), seeds: ['user.email', 'remote.origin.url', 'branch.feature/x.remote', 'protect.release/*.x-y'].map(utf8)},
    {name: 'remote URL', format: 'text', codes: ['BAD_REMOTE_URL'], decode: (b) => parseRemoteUrl(text(b), '/work/repo'), seeds: ['s3://bucket/prefix/x', 'file:///srv/remote', '../remote', 's3://b'].map(utf8)},
    {name: 'branch name', format: 'text', codes: ['BAD_REF_NAME'], decode: (b) => checkBranchName(text(b)), seeds: ['main', 'feature/x-1', 'release/1.0'].map(utf8)},
    // Tables (issue 7): opened by name as bl preview/stats do, every row read, statistics computed.
    {name: 'CSV table', format: 'text', codes: TABLE_CODES, decode: (b) => readTable(b, 't.csv'), seeds: ['id,name,price\n1,"Smith, J.",2.5\n2,"say ""hi""\nbye",\n', 'a;b\n1;2\n', '1,2,3\n4,5,6\n'].map(utf8)},
    {name: 'JSONL table', format: 'text', codes: TABLE_CODES, decode: (b) => readTable(b, 't.jsonl'), seeds: ['{"id":1,"tags":["a"],"n":null}\n{"id":2,"x":{"y":true}}\n'].map(utf8)},
    {name: 'Parquet table', format: 'binary', codes: TABLE_CODES, weight: 0.3, decode: (b) => readTable(b, 't.parquet'), seeds: parquetSeeds()},
    {name: 'JSON table', format: 'json', codes: TABLE_CODES, decode: (b) => readTable(b, 't.json'), seeds: ['[{"id":1,"v":"a"},{"id":2,"v":null,"w":[1]}]', '{"meta":1,"rows":[[1,2],[3,4]]}'].map(utf8)},
  ]
}

const TABLE_CODES = ['BAD_TABLE', 'NOT_A_TABLE'] as const

function parquetSeeds(): Buffer[] {
  const n = 40
  return [
    Buffer.from(
      parquetWriteBuffer({
        columnData: [
          {name: 'id', data: Array.from({length: n}, (_, i) => i), type: 'INT32'},
          {name: 'big', data: Array.from({length: n}, (_, i) => BigInt(i) << 40n), type: 'INT64'},
          {name: 's', data: Array.from({length: n}, (_, i) => (i % 4 ? `v${i}` : null)), type: 'STRING'},
          {name: 'f', data: Array.from({length: n}, (_, i) => i / 3), type: 'DOUBLE'},
          {name: 'b', data: Array.from({length: n}, (_, i) => i % 2 === 0), type: 'BOOLEAN'},
        ],
        rowGroupSize: 16,
      }),
    ),
  ]
}

async function readTable(bytes: Uint8Array, name: string): Promise<void> {
  const buf = Buffer.from(bytes)
  const src = {name, size: buf.length, async *stream() { yield buf }, read: async (s: number, e: number) => buf.subarray(s, e)}
  await computeStats(await openTable(src, name))
}
