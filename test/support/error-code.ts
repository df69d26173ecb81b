// The code of the WaltError that `fn` throws (undefined when it returns), for tests that check which
// coded error a pure check raises; anything else thrown is named, so a failing expectation shows it.
import { isWaltError } from '../../common/errors.js';

export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isWaltError(error) ? error.code : `not coded: ${String(error)}`;
  }
  return undefined;
}
