import { ERR_SNMP_AUTH, ERR_SNMP_REFUSED, ERR_SNMP_TIMEOUT } from './errors.js';
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
    expect(snmpError('sw:161', 2, new Error('getaddrinfo ENOTFOUND'))).toMatchObject({
      code: ERR_SNMP_REFUSED.code,
    });
  });
});
