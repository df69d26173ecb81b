import { isWaltError } from '../../../common/errors.js';
import { ERR_COPY_SOURCE, ERR_UNKNOWN_TARGET } from './errors.js';
import {
  fetchedConfigMapName,
  parseConfigMapSource,
  splitDestination,
  stepKind,
  stepTargets,
  taskDeadlineMs,
  type Step,
} from './steps.js';

const run: Step = { name: 'uname', run: { command: ['uname'], expectExitCode: 0, timeout: '1m' } };

describe('steps', () => {
  it('knows a step kind and its targets', () => {
    expect(stepKind(run)).toBe('run');
    expect(stepKind({ name: 'c', checkpoint: { name: 'cp' } })).toBe('checkpoint');
    expect(stepTargets(run, ['vn1', 'vn2'])).toEqual(['vn1', 'vn2']);
    expect(stepTargets({ ...run, run: { ...run.run!, nodes: ['vn2'] } }, ['vn1', 'vn2'])).toEqual(['vn2']);
  });

  it('refuses targets the experiment did not claim', () => {
    let error: unknown;
    try {
      stepTargets({ name: 'r', reboot: { hard: true, nodes: ['vn9'] } }, ['vn1']);
    } catch (e) {
      error = e;
    }
    expect(isWaltError(error, ERR_UNKNOWN_TARGET)).toBe(true);
  });

  it('gives a run step its timeout plus the connect wait and slack', () => {
    expect(taskDeadlineMs(run)).toBe(60_000 + 120_000 + 30_000);
    expect(taskDeadlineMs({ name: 'c', checkpoint: { name: 'cp' } })).toBe(300_000);
  });

  it('parses configmap sources and destinations', () => {
    expect(parseConfigMapSource('configmap:app-config/settings.json')).toEqual({
      name: 'app-config',
      key: 'settings.json',
    });
    expect(() => parseConfigMapSource('/etc/passwd')).toThrow(
      expect.objectContaining({ code: ERR_COPY_SOURCE.code }) as Error,
    );
    expect(splitDestination('/etc/app//conf.json')).toEqual({ dir: '/etc/app', file: 'conf.json' });
  });

  it('names what it creates', () => {
    expect(fetchedConfigMapName('exp', 'fetch', 'vn1')).toBe('exp-fetch-vn1');
  });
});
