import { codeOf } from '../../test/support/error-code.js';
import { SaveBadRequest } from './errors.js';
import { parseSaveRequest } from './request.js';

describe('parseSaveRequest', () => {
  it('takes a tag reference, insecure and credentials', () => {
    expect(
      parseSaveRequest({
        ref: 'reg.lab:5000/me/saved:1',
        insecure: true,
        auth: { username: 'u', password: 'p' },
      }),
    ).toEqual({
      ref: { registry: 'reg.lab:5000', repository: 'me/saved', tag: '1' },
      insecure: true,
      auth: { username: 'u', password: 'p' },
    });
    expect(parseSaveRequest({ ref: 'reg.lab/me/saved' }).ref.tag).toBe('latest');
  });

  it.each([
    null,
    'reg/x:1',
    {},
    { ref: '' },
    { ref: 'Not A Ref' },
    { ref: 'reg.lab/x@sha256:' + 'a'.repeat(64) },
    { ref: 'reg.lab/x:1', insecure: 'yes' },
    { ref: 'reg.lab/x:1', auth: { username: 'u' } },
    { ref: 'reg.lab/x:1', auth: { username: 'u', password: 'p'.repeat(5000) } },
    { ref: 'r/' + 'x'.repeat(600) },
  ])('refuses %j with WALT_ERR_SAVE_BAD_REQUEST', (body) => {
    expect(codeOf(() => parseSaveRequest(body))).toBe(SaveBadRequest.code);
  });
});
