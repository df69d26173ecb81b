import * as k8s from '@kubernetes/client-node';
import { isWaltError } from '../common/errors.js';
import { translateApiError } from '../client/api-errors.js';
import { EXIT, exitCodeOf } from './exit-codes.js';

const call = { verb: 'create', object: 'WaltNode vn2', server: 'https://127.0.0.1:6443' };

function apiError(code: number, body: unknown): k8s.ApiException<unknown> {
  return new k8s.ApiException(code, 'HTTP error', body, {});
}

describe('translateApiError', () => {
  it('maps API statuses to coded errors and exit codes', () => {
    const cases: Array<[k8s.ApiException<unknown>, number]> = [
      [apiError(404, { reason: 'NotFound' }), EXIT.notFound],
      [apiError(409, JSON.stringify({ reason: 'AlreadyExists', message: 'exists' })), EXIT.conflict],
      [apiError(422, { reason: 'Invalid', message: 'spec.mac: must be a MAC address' }), EXIT.usage],
      [apiError(403, { message: 'forbidden' }), EXIT.forbidden],
      [apiError(503, 'unavailable'), EXIT.unreachable],
      [apiError(500, 'boom'), EXIT.failure],
    ];
    for (const [error, exit] of cases) {
      expect({ code: error.code, exit: exitCodeOf(translateApiError(error, call)) }).toEqual({
        code: error.code,
        exit,
      });
    }
  });

  it("keeps the API server's explanation", () => {
    const error = translateApiError(apiError(422, { message: 'spec.mac: must be a MAC address' }), call);
    expect(error.message).toContain('spec.mac: must be a MAC address');
    expect(error.message).toContain('create WaltNode vn2');
  });

  it('calls a refused connection unreachable, naming the server', () => {
    const refused = Object.assign(new Error('request failed'), { code: 'ECONNREFUSED', type: 'system' });
    const error = translateApiError(refused, call);
    expect(exitCodeOf(error)).toBe(EXIT.unreachable);
    expect(error.message).toContain('https://127.0.0.1:6443');
  });

  it('passes coded errors and unknown errors through', () => {
    const plain = new Error('odd');
    expect(translateApiError(plain, call)).toBe(plain);
    expect(isWaltError(translateApiError(plain, call))).toBe(false);
    expect(exitCodeOf(plain)).toBe(EXIT.failure);
  });
});
