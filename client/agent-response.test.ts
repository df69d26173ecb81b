import { WaltError } from '../common/errors.js';
import { errorFromResponse, transportError } from './agent-response.js';

describe('agent answers', () => {
  it("keeps the agent's code and status", () => {
    const error = errorFromResponse(
      409,
      JSON.stringify({ error: 'WALT_ERR_NODE_NOT_CONNECTED', message: 'vn1 is not connected' }),
      'http://agent/x',
    );
    expect(error).toBeInstanceOf(WaltError);
    expect(error).toMatchObject({
      code: 'WALT_ERR_NODE_NOT_CONNECTED',
      statusCode: 409,
      message: 'vn1 is not connected',
    });
  });

  it('codes answers without a WalT error body', () => {
    expect(errorFromResponse(502, 'Bad Gateway', 'http://agent/x')).toMatchObject({
      code: 'WALT_ERR_AGENT_FAILED',
      statusCode: 502,
    });
    expect(errorFromResponse(500, JSON.stringify({ message: 'boom' }), 'u').message).toContain('boom');
  });

  it('turns a failed connection into WALT_ERR_AGENT_UNREACHABLE naming the URL', () => {
    const failure = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
    });
    const error = transportError(failure, 'lab', 'http://10.0.0.1:8080/api/v1/logs/query');
    expect(error).toMatchObject({ code: 'WALT_ERR_AGENT_UNREACHABLE', statusCode: 503 });
    expect(error.message).toContain('http://10.0.0.1:8080/api/v1/logs/query');
    expect(error.message).toContain('ECONNREFUSED');
  });
});
