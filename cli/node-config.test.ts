import { isWaltError } from '../common/errors.js';
import {
  ERR_CLI_BAD_CONFIG_VALUE,
  ERR_CLI_UNKNOWN_CONFIG_KEY,
  ERR_CLI_USAGE,
  ERR_CLI_VIRTUAL_ONLY_SETTING,
} from '../client/errors.js';
import { configOf, parseAssignments, renderConfig, SETTING_KEYS, settingsPatch } from './node-config.js';
import { node } from '../test/support/fixtures/walt-objects.js';

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('parseAssignments and settingsPatch', () => {
  it('maps WalT keys and values to spec.settings', () => {
    const assignments = parseAssignments([
      'netsetup=NAT',
      'boot.timeout=none',
      'boot.retries=3',
      'kexec.allow=false',
      'mount.persist=true',
      'expose=80:8080,22:2222',
    ]);
    expect(settingsPatch(assignments, [node('pi')])).toEqual({
      spec: {
        settings: {
          netsetup: 'NAT',
          bootTimeout: 0,
          bootRetries: 3,
          kexecAllow: false,
          mountPersist: true,
          expose: ['80:8080', '22:2222'],
        },
      },
    });
    expect(settingsPatch(parseAssignments(['expose=none']), [node('pi')])).toEqual({
      spec: { settings: { expose: null } },
    });
  });

  it('maps virtual-node keys to spec.virtual, in the CRD units', () => {
    const assignments = parseAssignments(['ram=512M', 'cpu.cores=4', 'boot.delay=5']);
    expect(settingsPatch(assignments, [node('vn1', { virtual: true })])).toEqual({
      spec: { settings: {}, virtual: { memory: '512Mi', cpus: 4, bootDelay: '5s' } },
    });
    expect(parseAssignments(['ram=2Gi', 'boot.delay=none']).map((a) => a.value)).toEqual(['2Gi', null]);
  });

  it('lists every unknown key with the valid ones', () => {
    const error = errorOf(() => parseAssignments(['boot.timeout=300', 'colour=blue', 'speed=9']));
    expect(isWaltError(error, ERR_CLI_UNKNOWN_CONFIG_KEY)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('colour, speed');
    for (const key of SETTING_KEYS) expect(message).toContain(key);
  });

  it('rejects bad values with what to write, and settings without "="', () => {
    for (const bad of [
      'boot.timeout=30',
      'boot.timeout=86401',
      'netsetup=lan',
      'kexec.allow=yes',
      'ram=1T',
      'expose=80',
      'cpu.cores=0',
    ]) {
      expect({
        bad,
        ok: isWaltError(
          errorOf(() => parseAssignments([bad])),
          ERR_CLI_BAD_CONFIG_VALUE,
        ),
      }).toEqual({
        bad,
        ok: true,
      });
    }
    expect(
      isWaltError(
        errorOf(() => parseAssignments(['netsetup'])),
        ERR_CLI_USAGE,
      ),
    ).toBe(true);
  });

  it('refuses virtual-only settings on physical nodes', () => {
    const error = errorOf(() =>
      settingsPatch(parseAssignments(['ram=2G']), [node('vn1', { virtual: true }), node('pi')]),
    );
    expect(isWaltError(error, ERR_CLI_VIRTUAL_ONLY_SETTING)).toBe(true);
    expect((error as Error).message).toContain('pi');
  });
});

describe('configOf and renderConfig', () => {
  it('shows WalT keys, virtual ones for virtual nodes only', () => {
    expect(configOf(node('pi'))).toEqual({
      netsetup: 'LAN',
      'boot.timeout': '180',
      'boot.retries': '9',
      'kexec.allow': 'true',
      'mount.persist': 'true',
      expose: 'none',
    });
    expect(configOf(node('vn1', { virtual: true }))).toMatchObject({
      ram: '1Gi',
      'cpu.cores': '2',
      'boot.delay': 'none',
    });
  });

  it('groups nodes with the same settings, as WalT prints them', () => {
    const text = renderConfig([node('a'), node('b'), node('vn1', { virtual: true })]);
    const [first, second] = text.split('\n\n');
    expect(first!.split('\n')[0]).toBe('nodes a, b have the following config applied:');
    expect(first).toContain('\nboot.timeout=180');
    expect(second!.split('\n')[0]).toBe('node vn1 has the following config applied:');
    expect(second).toContain('\nram=1Gi');
  });
});
