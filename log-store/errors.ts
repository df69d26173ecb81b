// Coded errors of the log store. Query errors are the caller's (400/404/409): the web API and the CLI
// pass the message through, so each says what to change.
import { defineError } from '../common/errors.js';

export const LogsBadRegex = defineError(
  'WALT_ERR_LOGS_BAD_REGEX',
  (field: string, pattern: string, reason: string) =>
    `${field} "${pattern}" is not a valid regular expression (${reason}): fix the pattern ` +
    '(JavaScript syntax, Unicode mode; escape literal characters such as ( [ { . * + ? with a backslash)',
  400,
);

export const LogsRegexUnsupported = defineError(
  'WALT_ERR_LOGS_REGEX_UNSUPPORTED',
  (field: string, pattern: string, what: string) =>
    `${field} "${pattern}" uses ${what}, which the linear-time regex engine (RE2) cannot run: ` +
    'rewrite it without back-references or lookaround (filter the answer further on your side)',
  400,
);

export const LogsRegexTooLarge = defineError(
  'WALT_ERR_LOGS_REGEX_TOO_LARGE',
  (field: string, pattern: string, what: string) =>
    `${field} "${pattern}" is too large (${what}): use a shorter pattern with smaller repetition counts`,
  400,
);

export const LogsBadTimeRange = defineError(
  'WALT_ERR_LOGS_BAD_TIME_RANGE',
  (reason: string) => `invalid time range: ${reason}`,
  400,
);

export const LogsBadLimit = defineError(
  'WALT_ERR_LOGS_BAD_LIMIT',
  (limit: unknown) => `limit ${String(limit)} is not a positive integer: give a whole number ≥ 1 or no limit`,
  400,
);

export const LogsBadQuery = defineError(
  'WALT_ERR_LOGS_BAD_QUERY',
  (reason: string) => `invalid log query: ${reason}`,
  400,
);

export const LogsBadLine = defineError(
  'WALT_ERR_LOGS_BAD_LINE',
  (index: number, reason: string) =>
    `log line #${index} of the batch is invalid (${reason}): nothing of the batch was stored`,
  400,
);

export const LogsBadCheckpointName = defineError(
  'WALT_ERR_LOGS_BAD_CHECKPOINT_NAME',
  (name: string) =>
    `"${name}" is not a valid checkpoint name: use letters, digits and dashes, at least 2 characters, ` +
    'not starting with a dash',
  400,
);

export const LogsUnknownCheckpoint = defineError(
  'WALT_ERR_LOGS_UNKNOWN_CHECKPOINT',
  (name: string, owner: string) =>
    `no checkpoint "${name}"${owner === '' ? '' : ` for ${owner}`}: list them with listCheckpoints (walt log list-checkpoints)`,
  404,
);

export const LogsCheckpointExists = defineError(
  'WALT_ERR_LOGS_CHECKPOINT_EXISTS',
  (name: string, owner: string) =>
    `checkpoint "${name}"${owner === '' ? '' : ` of ${owner}`} already exists: remove it first or pick another name`,
  409,
);

export const LogsBadRetention = defineError(
  'WALT_ERR_LOGS_BAD_RETENTION',
  (reason: string) => `invalid retention policy: ${reason}`,
  400,
);

export const LogsBadReadOptions = defineError(
  'WALT_ERR_LOGS_BAD_READ_OPTIONS',
  (reason: string) => `invalid read options: ${reason}`,
  400,
);

export const LogsStoreClosed = defineError(
  'WALT_ERR_LOGS_STORE_CLOSED',
  () => 'the log store is closed: open a new one with createLogStore()',
  500,
);
