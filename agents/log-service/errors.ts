// Coded errors of the agent's log service and WalT web API. The web API's messages are WalT's own
// texts (clients such as Grafana show them as they are, `Prefer: errors=text-only`).
import { defineError } from '../../common/errors.js';

export const WebApiBadFilter = defineError(
  'WALT_ERR_WEBAPI_BAD_FILTER',
  (field: string) => `'${field}' is not a valid filtering field.`,
  400,
);

export const WebApiBadValue = defineError(
  'WALT_ERR_WEBAPI_BAD_VALUE',
  (value: string, type: string) => `cannot interpret '${value}' as a '${type}'.`,
  400,
);

export const WebApiBadLogsRange = defineError(
  'WALT_ERR_WEBAPI_BAD_LOGS_RANGE',
  (reason: string) => `${reason}.`,
  400,
);

export const LogsBadStreamName = defineError(
  'WALT_ERR_LOGS_BAD_STREAM_NAME',
  (name: string) =>
    `stream name ${JSON.stringify(name)} is invalid: use 1 to 128 letters, digits, ".", "_" or "-"`,
  400,
);

export const LogsBadParam = defineError(
  'WALT_ERR_LOGS_BAD_PARAM',
  (param: string, value: string, hint: string) => `invalid ${param} ${JSON.stringify(value)}: ${hint}`,
  400,
);

export const LogsServiceStopped = defineError(
  'WALT_ERR_LOGS_SERVICE_STOPPED',
  () => 'the log service of this agent is stopping: retry once the agent is back',
  503,
);

export const LogsRateLimited = defineError(
  'WALT_ERR_LOGS_RATE_LIMITED',
  (retryAfterS: number) =>
    `too many requests from your address to the public API of this agent: retry in ${retryAfterS} s ` +
    '(Retry-After), or send the agent token',
  429,
);

export const LogsTooManyStreams = defineError(
  'WALT_ERR_LOGS_TOO_MANY_STREAMS',
  (what: string, scope: string) =>
    `too many ${what} under way ${scope}: close one (or wait for one to end) and retry`,
  429,
);
