import { codeOf } from '../../test/support/error-code.js';
import { discoveryScript } from './discovery-script.js';

describe('discoveryScript', () => {
  const script = discoveryScript({
    retryUrl: 'http://10.0.0.1/ipxe/boot.ipxe?mac=52:54:00:aa:bb:01',
    delaySeconds: 7,
  });
  const lines = script.split('\n');

  it('learns the model, announces it as the user class, asks DHCP again and chains the node script', () => {
    expect(lines[0]).toBe('#!ipxe');
    const at = (prefix: string): number => lines.findIndex((l) => l.startsWith(prefix));
    expect(lines).toContain(
      'cpuid --ext 29 && set walt_model pc-x86-64 || echo walt: no long mode reported by cpuid',
    );
    expect(lines).toContain('set user-class walt.node.${walt_model}');
    expect(at('set walt_model pc-x86-32')).toBeLessThan(at('cpuid'));
    expect(at('cpuid')).toBeLessThan(at('set user-class'));
    expect(at('set user-class')).toBeLessThan(at('dhcp'));
    expect(at('dhcp')).toBeLessThan(at('chain http://10.0.0.1/ipxe/boot.ipxe?mac=52:54:00:aa:bb:01'));
    // Boots nothing by itself
    expect(lines.filter((l) => /^(kernel|initrd|boot|imgexec)\b/.test(l))).toEqual([]);
  });

  it('waits before asking again when the machine comes back unregistered', () => {
    expect(lines).toContain('isset ${walt_discovery} && sleep 7 || set walt_discovery 1');
  });

  it('refuses a retry URL iPXE would not read as one token', () => {
    expect(codeOf(() => discoveryScript({ retryUrl: 'http://x/ && shell' }))).toBe(
      'WALT_ERR_HTTP_UNSAFE_SCRIPT_VALUE',
    );
  });
});
