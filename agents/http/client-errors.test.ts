import { clientErrorOf, rawAnswer } from './client-errors.js';

const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

describe('answers to node:http client errors', () => {
  it.each([
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'WALT_ERR_HTTP_REQUEST_TIMEOUT'],
    ['HPE_HEADER_OVERFLOW', 431, 'WALT_ERR_HTTP_HEADERS_TOO_LARGE'],
    ['HPE_INVALID_METHOD', 400, 'WALT_ERR_HTTP_INVALID_REQUEST'],
  ])('%s → %i %s', (code, status, walt) => {
    expect(clientErrorOf(err(code), 8192)).toMatchObject({ statusCode: status, code: walt });
  });

  it('answers nobody whose connection is gone', () => {
    expect(clientErrorOf(err('ECONNRESET'), 8192)).toBeUndefined();
  });

  it('writes a whole HTTP answer with a JSON body and Connection: close', () => {
    const text = rawAnswer(clientErrorOf(err('HPE_HEADER_OVERFLOW'), 8192)!);
    const [head, body] = text.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(head).toContain('Connection: close');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body!)}`);
    expect(JSON.parse(body!)).toMatchObject({ error: 'WALT_ERR_HTTP_HEADERS_TOO_LARGE' });
  });
});
