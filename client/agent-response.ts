// What an agent's HTTP answer means (pure): an error body `{ error: "WALT_ERR_…", message }` becomes a
// WaltError with the agent's code and HTTP status, so callers (and the CLI's exit codes) see the same
// error the agent raised; a failed request (connection refused, DNS, reset) becomes
// WALT_ERR_AGENT_UNREACHABLE naming the URL.
import { WaltError, isWaltError } from '../common/errors.js';
import { ERR_AGENT_FAILED, ERR_AGENT_UNREACHABLE } from './errors.js';

const CODE = /^WALT_ERR_[A-Z0-9_]+$/;

interface ErrorBody {
  error?: unknown;
  message?: unknown;
}

function parseBody(text: string): ErrorBody | undefined {
  try {
    const body = JSON.parse(text) as ErrorBody | null;
    return body !== null && typeof body === 'object' ? body : undefined;
  } catch {
    return undefined;
  }
}

/** The error for a non-2xx answer, from its status and body text. */
export function errorFromResponse(status: number, text: string, url: string): WaltError {
  const body = parseBody(text);
  const message = typeof body?.message === 'string' ? body.message : undefined;
  if (typeof body?.error === 'string' && CODE.test(body.error)) {
    return new WaltError(body.error, message ?? `${body.error} (HTTP ${status})`, status);
  }
  const detail = message ?? (text.trim().slice(0, 300) || 'no details');
  return ERR_AGENT_FAILED(url, status, detail);
}

/** The errno-like code of a fetch failure (undici puts it on the cause). */
function causeOf(error: unknown): string {
  const e = error as { cause?: { code?: unknown; message?: unknown }; message?: unknown } | undefined;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  if (typeof e?.cause?.message === 'string') return e.cause.message;
  return typeof e?.message === 'string' ? e.message : String(error);
}

/** The error for a request that got no answer; coded errors and aborts pass through. */
export function transportError(error: unknown, segment: string, url: string): Error {
  if (isWaltError(error)) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  return ERR_AGENT_UNREACHABLE(segment, url, causeOf(error));
}
