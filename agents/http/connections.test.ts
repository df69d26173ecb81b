import { ConnectionCounter } from './connections.js';
import { HttpTooManyConnections } from './errors.js';

describe('ConnectionCounter', () => {
  it('refuses a client past its own cap, and counts it again once one closes', () => {
    const counter = new ConnectionCounter({ maxConnections: 10, maxConnectionsPerClient: 2 });
    expect(counter.open('10.0.0.2')).toBeUndefined();
    expect(counter.open('10.0.0.2')).toBeUndefined();
    expect(counter.open('10.0.0.2')).toMatchObject({ code: HttpTooManyConnections.code, statusCode: 503 });
    expect(counter.open('10.0.0.3')).toBeUndefined();
    expect(counter.count).toBe(3);
    counter.close('10.0.0.2');
    expect(counter.open('10.0.0.2')).toBeUndefined();
  });

  it('refuses everyone past the total cap', () => {
    const counter = new ConnectionCounter({ maxConnections: 2, maxConnectionsPerClient: 2 });
    expect(counter.open('a')).toBeUndefined();
    expect(counter.open('b')).toBeUndefined();
    expect(counter.open('c')?.code).toBe(HttpTooManyConnections.code);
    counter.close('a');
    expect(counter.open('c')).toBeUndefined();
  });

  it('ignores the close of a connection it never counted', () => {
    const counter = new ConnectionCounter({ maxConnections: 2, maxConnectionsPerClient: 1 });
    counter.close('nobody');
    expect(counter.count).toBe(0);
  });
});
