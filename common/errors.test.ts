import { defineError, isWaltError, WaltError } from './errors.js';

const NotFound = defineError(
  'WALT_ERR_TEST_NOT_FOUND',
  (what: string) => `${what} does not exist: create it first`,
  404,
);

describe('defineError', () => {
  it('builds coded errors that callers can recognise by code', () => {
    const error = NotFound('image lab/debian');
    expect(error).toBeInstanceOf(WaltError);
    expect(error).toMatchObject({ code: 'WALT_ERR_TEST_NOT_FOUND', statusCode: 404 });
    expect(error.message).toContain('lab/debian');
    expect(isWaltError(error, NotFound)).toBe(true);
    expect(isWaltError(new Error('x'), NotFound)).toBe(false);
    expect(NotFound.code).toBe('WALT_ERR_TEST_NOT_FOUND');
  });
});
