// Coded errors, in the style of fastify's catalogue: a stable code, a message that says what to do,
// and an HTTP-like status for the web API. Each module declares its codes with defineError() in its own
// errors.ts; tests assert on codes, never on message text.

export class WaltError extends Error {
  readonly code: string;
  readonly statusCode: number;

  constructor(code: string, message: string, statusCode: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WaltError';
    this.code = code;
    this.statusCode = statusCode;
  }
}

export type ErrorFactory<A extends unknown[]> = ((...args: A) => WaltError) & { code: string };

/**
 * Declares an error code. `message` builds the text from the arguments given where the error is raised.
 * Example: `defineError('WALT_ERR_IMAGE_DIGEST_MISMATCH', (want: string, got: string) => ..., 502)`.
 */
export function defineError<A extends unknown[]>(
  code: `WALT_ERR_${string}`,
  message: (...args: A) => string,
  statusCode = 500,
): ErrorFactory<A> {
  const factory = (...args: A): WaltError => new WaltError(code, message(...args), statusCode);
  return Object.assign(factory, { code });
}

export function isWaltError(error: unknown, factory?: { code: string }): error is WaltError {
  return error instanceof WaltError && (factory === undefined || error.code === factory.code);
}
