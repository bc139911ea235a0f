/**
 * Typed errors. Every failure a user can cause or meet is a BlError with a stable `code`, structured
 * `data`, a one-line message and a hint. The command layer formats them in one place and maps the
 * exit code from `exitCodeFor` (documented in docs/exit-codes.md).
 */
export type ErrorCode =
  | 'NOT_A_REPOSITORY'
  | 'ALREADY_A_REPOSITORY'
  | 'UNKNOWN_REVISION'
  | 'AMBIGUOUS_REVISION'
  | 'BAD_REVISION'
  | 'PATH_OUTSIDE_REPO'
  | 'PATH_NOT_FOUND'
  | 'PATHSPEC_NO_MATCH'
  | 'BAD_PATH_NAME'
  | 'FILE_CHANGED_DURING_READ'
  | 'FILE_UNREADABLE'
  | 'NOTHING_TO_COMMIT'
  | 'MERGE_TOO_COMPLEX'
  | 'IDENTITY_UNKNOWN'
  | 'REF_EXISTS'
  | 'REF_NOT_FOUND'
  | 'BAD_REF_NAME'
  | 'REF_CHANGED'
  | 'BRANCH_NOT_MERGED'
  | 'CURRENT_BRANCH'
  | 'LOCAL_CHANGES'
  | 'CORRUPT_OBJECT'
  | 'UNSAFE_PATH'
  | 'MISSING_OBJECT'
  | 'CORRUPT_DATABASE'
  | 'REPOSITORY_BUSY'
  | 'UNSUPPORTED_FORMAT'
  | 'BAD_CONFIG'
  | 'INVALID_ARGUMENT'
  | 'IO_ERROR'
  | 'DISK_FULL'
  | 'READ_ONLY'
  | 'INTERNAL_ERROR'
  | 'CONFIG_NOT_SET'
  | 'MERGE_CONFLICT'
  | 'STASH_CONFLICT'
  | 'UNRESOLVED_CONFLICTS'
  | 'OPERATION_IN_PROGRESS'
  | 'NO_OPERATION'
  | 'NO_MERGE_BASE'
  | 'NO_TAG'
  | 'BISECT_RUN_FAILED'
  | 'EXEC_FAILED'
  | 'NOT_AN_ANCESTOR'
  | 'NOT_FAST_FORWARD'
  | 'CORRUPT_REMOTE'
  | 'REMOTE_ERROR'
  | 'FETCH_FIRST'
  | 'REMOTE_NOT_FOUND'
  | 'REMOTE_EXISTS'
  | 'NOT_A_BL_REMOTE'
  | 'BAD_REMOTE_URL'
  | 'CHECKS_FAILED'
  // OpenPGP keys and signed commits (docs/signing.md)
  | 'KEY_NOT_FOUND'
  | 'AMBIGUOUS_KEY'
  | 'INVALID_KEY'
  | 'KEY_HAS_SECRET'
  | 'NO_SIGNING_KEY'
  | 'KEY_UNUSABLE'
  | 'PASSPHRASE_REQUIRED'
  | 'BAD_PASSPHRASE'
  | 'UNSIGNED_COMMIT'
  | 'BAD_SIGNATURE'
  | 'UNKNOWN_SIGNING_KEY'
  | 'EXPIRED_SIGNING_KEY'
  | 'REVOKED_SIGNING_KEY'
  // Branch protection, trusted signers and the owner-signed policy (docs/signing.md)
  | 'PROTECTED_BRANCH'
  | 'POLICY_VIOLATION'
  | 'NOT_POLICY_OWNER'
  | 'POLICY_CONFLICT'
  | 'BAD_POLICY'
  // Pinned data versions (bl.lock, docs/git-link.md)
  | 'LOCK_NOT_FOUND'
  | 'BAD_LOCK'
  | 'PIN_MISMATCH'
  | 'NOT_PUSHED'
  // tables (issue 7)
  | 'NOT_A_TABLE'
  | 'NOT_A_TERMINAL'
  | 'BAD_TABLE'
  | 'DUPLICATE_KEY'
  | 'SCHEMA_VIOLATION'

export class BlError extends Error {
  readonly code: ErrorCode
  readonly hint: string | undefined
  readonly data: Record<string, unknown>

  constructor(code: ErrorCode, message: string, opts: {hint?: string; data?: Record<string, unknown>; cause?: unknown} = {}) {
    super(message, opts.cause === undefined ? undefined : {cause: opts.cause})
    this.name = 'BlError'
    this.code = code
    this.hint = opts.hint
    this.data = opts.data ?? {}
  }
}

/** Exit codes (docs/exit-codes.md). 1 = generic failure, 2 = usage, 3 = stopped on conflicts. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  CONFLICT: 3,
  NOT_FOUND: 4,
  REJECTED: 5,
  CORRUPT: 6,
  BUSY: 7,
  IO: 8,
  REMOTE: 9,
  /** A commit's signature is missing, bad, or by an unknown, expired or revoked key. */
  SIGNATURE: 10,
  /** A protection rule refused the operation, or commits on a protected branch break one. */
  PROTECTED: 11,
  /** A table's content is malformed (ragged rows, invalid UTF-8, truncated Parquet, duplicate keys). */
  BAD_DATA: 12,
  /** Tables do not conform to the schema pinned for them. */
  SCHEMA: 13,
} as const

const exitByCode: Partial<Record<ErrorCode, number>> = {
  NOT_A_REPOSITORY: EXIT.NOT_FOUND,
  UNKNOWN_REVISION: EXIT.NOT_FOUND,
  AMBIGUOUS_REVISION: EXIT.USAGE,
  BAD_REVISION: EXIT.USAGE,
  PATH_NOT_FOUND: EXIT.NOT_FOUND,
  PATHSPEC_NO_MATCH: EXIT.NOT_FOUND,
  REF_NOT_FOUND: EXIT.NOT_FOUND,
  NO_TAG: EXIT.NOT_FOUND,
  BISECT_RUN_FAILED: EXIT.FAILURE,
  EXEC_FAILED: EXIT.FAILURE,
  PATH_OUTSIDE_REPO: EXIT.USAGE,
  STASH_CONFLICT: EXIT.REJECTED,
  BAD_PATH_NAME: EXIT.REJECTED,
  BAD_REF_NAME: EXIT.USAGE,
  INVALID_ARGUMENT: EXIT.USAGE,
  BAD_CONFIG: EXIT.USAGE,
  REF_EXISTS: EXIT.REJECTED,
  REF_CHANGED: EXIT.REJECTED,
  BRANCH_NOT_MERGED: EXIT.REJECTED,
  CURRENT_BRANCH: EXIT.REJECTED,
  LOCAL_CHANGES: EXIT.REJECTED,
  NOTHING_TO_COMMIT: EXIT.FAILURE,
  MERGE_TOO_COMPLEX: EXIT.FAILURE,
  IDENTITY_UNKNOWN: EXIT.FAILURE,
  ALREADY_A_REPOSITORY: EXIT.FAILURE,
  CORRUPT_OBJECT: EXIT.CORRUPT,
  UNSAFE_PATH: EXIT.CORRUPT,
  MISSING_OBJECT: EXIT.CORRUPT,
  CORRUPT_DATABASE: EXIT.CORRUPT,
  UNSUPPORTED_FORMAT: EXIT.CORRUPT,
  REPOSITORY_BUSY: EXIT.BUSY,
  FILE_CHANGED_DURING_READ: EXIT.IO,
  FILE_UNREADABLE: EXIT.IO,
  IO_ERROR: EXIT.IO,
  DISK_FULL: EXIT.IO,
  READ_ONLY: EXIT.IO,
  MERGE_CONFLICT: EXIT.CONFLICT,
  UNRESOLVED_CONFLICTS: EXIT.CONFLICT,
  OPERATION_IN_PROGRESS: EXIT.REJECTED,
  NO_OPERATION: EXIT.REJECTED,
  NO_MERGE_BASE: EXIT.REJECTED,
  NOT_AN_ANCESTOR: EXIT.FAILURE,
  NOT_FAST_FORWARD: EXIT.REJECTED,
  CORRUPT_REMOTE: EXIT.CORRUPT,
  REMOTE_ERROR: EXIT.REMOTE,
  FETCH_FIRST: EXIT.REJECTED,
  REMOTE_NOT_FOUND: EXIT.NOT_FOUND,
  REMOTE_EXISTS: EXIT.REJECTED,
  NOT_A_BL_REMOTE: EXIT.NOT_FOUND,
  BAD_REMOTE_URL: EXIT.USAGE,
  KEY_NOT_FOUND: EXIT.NOT_FOUND,
  AMBIGUOUS_KEY: EXIT.USAGE,
  INVALID_KEY: EXIT.USAGE,
  KEY_HAS_SECRET: EXIT.REJECTED,
  NO_SIGNING_KEY: EXIT.FAILURE,
  KEY_UNUSABLE: EXIT.REJECTED,
  PASSPHRASE_REQUIRED: EXIT.FAILURE,
  BAD_PASSPHRASE: EXIT.FAILURE,
  UNSIGNED_COMMIT: EXIT.SIGNATURE,
  BAD_SIGNATURE: EXIT.SIGNATURE,
  UNKNOWN_SIGNING_KEY: EXIT.SIGNATURE,
  EXPIRED_SIGNING_KEY: EXIT.SIGNATURE,
  REVOKED_SIGNING_KEY: EXIT.SIGNATURE,
  PROTECTED_BRANCH: EXIT.PROTECTED,
  POLICY_VIOLATION: EXIT.PROTECTED,
  NOT_POLICY_OWNER: EXIT.PROTECTED,
  POLICY_CONFLICT: EXIT.REJECTED,
  BAD_POLICY: EXIT.CORRUPT,
  LOCK_NOT_FOUND: EXIT.NOT_FOUND,
  BAD_LOCK: EXIT.USAGE,
  PIN_MISMATCH: EXIT.FAILURE,
  NOT_PUSHED: EXIT.REJECTED,
  NOT_A_TABLE: EXIT.USAGE,
  NOT_A_TERMINAL: EXIT.USAGE,
  BAD_TABLE: EXIT.BAD_DATA,
  DUPLICATE_KEY: EXIT.BAD_DATA,
  SCHEMA_VIOLATION: EXIT.SCHEMA,
}

export function exitCodeFor(code: ErrorCode): number {
  return exitByCode[code] ?? EXIT.FAILURE
}

/**
 * `s` made safe for a one-line message: control characters (newlines, terminal escapes) become
 * JSON-style escapes. For text a message quotes from files or remotes.
 */
export function printable(s: string, max = 200): string {
  const t = s.length > max ? s.slice(0, max) + '…' : s
  return t.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}

/** A JSON value read from untrusted input, for a message (String() on `{"toString":1}` throws). */
export function describeJson(v: unknown): string {
  return printable(JSON.stringify(v) ?? String(v), 40)
}

export function isBlError(e: unknown): e is BlError {
  return e instanceof BlError
}

/** Turns a Node system error on `path` into a typed error; anything else is rethrown as is. */
export function fsError(err: unknown, path: string, action: string): BlError {
  const e = err as NodeJS.ErrnoException
  if (e instanceof BlError) return e
  switch (e?.code) {
    case 'ENOENT':
      return new BlError('FILE_CHANGED_DURING_READ', `${path}: vanished while bl was ${action} it`, {hint: 'Run the command again once the file is stable.', data: {path}, cause: e})
    case 'EACCES':
    case 'EPERM':
      return new BlError('FILE_UNREADABLE', `${path}: permission denied while ${action}`, {hint: 'Fix the file permissions, or add the path to .blignore.', data: {path}, cause: e})
    case 'ENOSPC':
    case 'EDQUOT':
      return diskFull(`while ${action} ${path}`, e, {path})
    case 'EROFS':
      return readOnly(`${path}: read-only file system (while ${action})`, e, {path})
    default:
      return new BlError('IO_ERROR', `${path}: ${e?.message ?? String(e)} (while ${action})`, {hint: 'Check the file system and run the command again.', data: {path, errno: e?.code}, cause: e})
  }
}

/** No space left (ENOSPC, a quota, SQLITE_FULL): nothing was half-written, so the same command can run again. */
export function diskFull(where: string, cause: unknown, data: Record<string, unknown> = {}): BlError {
  return new BlError('DISK_FULL', `no space left on the device ${where}`, {hint: 'Free disk space (`bl gc` drops unreachable objects) and run the command again; nothing was half-written.', data, cause})
}

/** The file system or the repository database can't be written (EROFS, SQLITE_READONLY). */
export function readOnly(message: string, cause: unknown, data: Record<string, unknown> = {}): BlError {
  return new BlError('READ_ONLY', message, {hint: 'Remount the file system read-write or fix the permissions of .bl/, then run the command again; nothing was changed.', data, cause})
}
