import { AgentHealthOnLab, checkHealthHost, DEFAULT_HEALTH_HOST } from './health-host.js';

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe('checkHealthHost', () => {
  it('lets the default, loopback, be bound in boot mode', () => {
    expect(
      codeOf(() => checkHealthHost(DEFAULT_HEALTH_HOST, { boot: true, segmentAddress: '10.0.0.1' })),
    ).toBe(undefined);
  });

  it.each(['0.0.0.0', '::', '', '10.0.0.1'])('refuses %j in boot mode (on the lab network)', (host) => {
    expect(codeOf(() => checkHealthHost(host, { boot: true, segmentAddress: '10.0.0.1' }))).toBe(
      AgentHealthOnLab.code,
    );
  });

  it('allows any address outside boot mode (no lab interface in the namespace)', () => {
    expect(codeOf(() => checkHealthHost('0.0.0.0', { boot: false }))).toBeUndefined();
  });
});
