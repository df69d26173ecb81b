import { ipv4ToInt } from './cel-ipv4.js';

describe('ipv4ToInt', () => {
  // The expression is also valid JavaScript once CEL's int() becomes Number(): evaluate it that way.
  const evaluate = (ip: string): number =>
    Function('self', `return ${ipv4ToInt('self.a').replaceAll('int(', 'Number(')}`)({ a: ip }) as number;

  it('gives the integer value of a dotted address', () => {
    expect(evaluate('192.168.152.1')).toBe(3232274433);
    expect(evaluate('0.0.0.0')).toBe(0);
  });

  it('orders addresses across octet boundaries', () => {
    expect(evaluate('10.0.0.255')).toBeLessThan(evaluate('10.0.1.0'));
  });
});
