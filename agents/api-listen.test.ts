import { AgentApiListenInvalid, AgentApiListenOnLab, checkApiListen, parseApiListen } from './api-listen.js';
import { codeOf } from '../test/support/error-code.js';

describe('parseApiListen', () => {
  it('reads an IPv4 and a bracketed IPv6 address with a port', () => {
    expect(parseApiListen('10.244.0.7:8080')).toEqual({ host: '10.244.0.7', port: 8080 });
    expect(parseApiListen('[fd00::7]:8080')).toEqual({ host: 'fd00::7', port: 8080 });
  });

  it.each([
    '8080',
    'pod:8080',
    '10.0.0.1',
    '10.0.0.1:0',
    '10.0.0.1:65536',
    '999.1.1.1:80',
    ':80',
    '$(POD_IP):8080',
  ])('refuses %j', (value) => {
    expect(codeOf(() => parseApiListen(value))).toBe(AgentApiListenInvalid.code);
  });
});

describe('checkApiListen', () => {
  it('lets the pod address be bound', () => {
    expect(codeOf(() => checkApiListen({ host: '10.244.0.7', port: 8080 }, '192.168.152.1'))).toBeUndefined();
  });

  it.each(['0.0.0.0', '::', '192.168.152.1'])('refuses %j (the lab network would reach it)', (host) => {
    expect(codeOf(() => checkApiListen({ host, port: 8080 }, '192.168.152.1'))).toBe(
      AgentApiListenOnLab.code,
    );
  });
});
