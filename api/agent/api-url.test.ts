import { isWaltError } from '../../common/errors.js';
import { agentUrlPolicyFromEnv, checkAgentApiUrl, ERR_AGENT_URL_REFUSED } from './api-url.js';

const lab = { name: 'lab', serverAddress: '192.168.152.1' };

function refused(url: string, policy = {}): boolean {
  try {
    checkAgentApiUrl(url, lab, policy);
    return false;
  } catch (error) {
    return isWaltError(error, ERR_AGENT_URL_REFUSED);
  }
}

describe('checkAgentApiUrl', () => {
  it.each([
    ['http://192.168.152.1', 'http://192.168.152.1'],
    ['http://192.168.152.1/', 'http://192.168.152.1'],
    ['https://192.168.152.1:8443/', 'https://192.168.152.1:8443'],
    ['http://192.168.152.1:80', 'http://192.168.152.1'],
    ['http://walt-agent-lab.walt-system.svc:8080', 'http://walt-agent-lab.walt-system.svc:8080'],
    [
      'http://walt-agent-lab.walt-system.svc.cluster.local',
      'http://walt-agent-lab.walt-system.svc.cluster.local',
    ],
    // The WHATWG parser reads this octal form as 192.168.152.1: the same host.
    ['http://0300.0250.0230.01', 'http://192.168.152.1'],
    ['HTTP://WALT-AGENT-LAB.WALT-SYSTEM.SVC', 'http://walt-agent-lab.walt-system.svc'],
  ])('given %s, sends to %s', (url, base) => {
    expect(checkAgentApiUrl(url, lab)).toBe(base);
  });

  it.each([
    // another address, or one that only looks like the server's
    'http://192.168.152.2',
    'http://192.168.152.1.evil.example',
    'http://10.0.0.1',
    'http://evil.example',
    // the Service of another segment, another namespace, another cluster domain, or outside the cluster
    'http://walt-agent-other.walt-system.svc',
    'http://walt-agent-lab.default.svc',
    'http://walt-agent-lab.walt-system.svc.evil.example',
    'http://walt-agent-lab.walt-system',
    // not a base URL, or credentials, or another scheme
    'http://192.168.152.1/api',
    'http://192.168.152.1/?x=1',
    'http://192.168.152.1/#x',
    'http://user:pw@192.168.152.1',
    'ftp://192.168.152.1',
    'file:///etc/passwd',
    'not a url',
    '',
    // loopback without the opt-in
    'http://127.0.0.1:8080',
    'http://127.1.2.3',
    'http://[::1]:8080',
    'http://2130706433', // 127.0.0.1 written as one number
  ])('refuses %s', (url) => {
    expect(refused(url)).toBe(true);
  });

  it('refuses a URL past 2048 characters before parsing it', () => {
    expect(refused(`http://192.168.152.1/${'a'.repeat(3000)}`)).toBe(true);
  });

  it('accepts loopback only when the caller opts in', () => {
    expect(checkAgentApiUrl('http://127.0.0.1:8080/', lab, { allowLoopback: true })).toBe(
      'http://127.0.0.1:8080',
    );
    expect(checkAgentApiUrl('http://[::1]:81', lab, { allowLoopback: true })).toBe('http://[::1]:81');
    expect(refused('http://localhost:8080', { allowLoopback: true })).toBe(true);
  });

  it('takes the namespace and cluster domain of the Service from the policy', () => {
    const policy = { namespace: 'walt', clusterDomain: 'lab.internal' };
    expect(checkAgentApiUrl('http://walt-agent-lab.walt.svc.lab.internal', lab, policy)).toBe(
      'http://walt-agent-lab.walt.svc.lab.internal',
    );
    expect(refused('http://walt-agent-lab.walt-system.svc', policy)).toBe(true);
  });

  it("accepts a cluster IP only when the caller read it from the agent's Service", () => {
    expect(refused('http://10.96.0.42:8080')).toBe(true);
    expect(checkAgentApiUrl('http://10.96.0.42:8080', lab, { serviceIp: '10.96.0.42' })).toBe(
      'http://10.96.0.42:8080',
    );
    expect(refused('http://10.96.0.43:8080', { serviceIp: '10.96.0.42' })).toBe(true);
  });

  it('reads the policy from the environment', () => {
    expect(agentUrlPolicyFromEnv({ WALT_AGENT_URL_ALLOW_LOOPBACK: '1', WALT_SYSTEM_NAMESPACE: 'w' })).toEqual(
      {
        allowLoopback: true,
        namespace: 'w',
      },
    );
    expect(agentUrlPolicyFromEnv({ WALT_AGENT_URL_ALLOW_LOOPBACK: 'yes' })).toEqual({ allowLoopback: false });
  });
});
