import { ERR_SNMP_AUTH, ERR_SNMP_REFUSED, ERR_SNMP_TIMEOUT, ERR_SNMP_UNREACHABLE } from './errors.js';
import { openSnmp } from './session.js';
import { snmpError } from './session.js';

describe('snmpError', () => {
  it("turns net-snmp's errors into our codes", () => {
    const named = (name: string): Error => Object.assign(new Error('x'), { name });
    expect(snmpError('sw:161', 2, named('RequestTimedOutError'))).toMatchObject({
      code: ERR_SNMP_TIMEOUT.code,
    });
    expect(snmpError('sw:161', 2, named('ResponseInvalidError'))).toMatchObject({ code: ERR_SNMP_AUTH.code });
    expect(snmpError('sw:161', 2, named('RequestFailedError'))).toMatchObject({
      code: ERR_SNMP_REFUSED.code,
    });
    expect(snmpError('sw:161', 2, new Error('bad'))).toMatchObject({ code: ERR_SNMP_REFUSED.code });
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND sw'), { code: 'ENOTFOUND' });
    expect(snmpError('sw:161', 2, dns)).toMatchObject({ code: ERR_SNMP_UNREACHABLE.code });
  });

  it('fails a request to a name that does not resolve, without throwing out of the session', async () => {
    const client = openSnmp({
      host: 'no-such-switch.invalid',
      credentials: { version: '2c', community: 'x' },
      timeoutMs: 200,
      retries: 0,
    });
    try {
      const error = await client.setInteger('1.3.6.1.2.1.105.1.1.1.3.1.1', 2).then(
        () => undefined,
        (e: unknown) => e,
      );
      // UNREACHABLE where the resolver answers; TIMEOUT where it cannot be asked in time.
      expect((error as { code?: string } | undefined)?.code).toMatch(/^WALT_ERR_SNMP_(UNREACHABLE|TIMEOUT)$/);
    } finally {
      client.close();
    }
  });
});
