import { DEFAULT_AGENT_API_PORT } from '../../../api/agent/workload.js';
import { agentDeployConfig } from './config.js';
import { AgentConfigInvalid } from './errors.js';
import { codeOf } from '../../../test/support/error-code.js';

describe('agentDeployConfig', () => {
  it('manages no agents without WALT_AGENT_IMAGE', () => {
    expect(agentDeployConfig({})).toBeUndefined();
    expect(agentDeployConfig({ WALT_AGENT_IMAGE: ' ' })).toBeUndefined();
  });

  it('takes the defaults of the brief: SQLite, /var/lib/walt/agent, port 8080, no tolerations', () => {
    expect(agentDeployConfig({ WALT_AGENT_IMAGE: 'r:5000/walt-agent:1' })).toEqual({
      image: 'r:5000/walt-agent:1',
      cacheHostPath: '/var/lib/walt/agent',
      logStore: { kind: 'sqlite' },
      tolerations: [],
      apiPort: DEFAULT_AGENT_API_PORT,
    });
  });

  it('reads every variable the chart sets', () => {
    const config = agentDeployConfig({
      WALT_AGENT_IMAGE: 'r:5000/walt-agent:1',
      WALT_AGENT_IMAGE_PULL_POLICY: 'Always',
      WALT_AGENT_CACHE_HOST_PATH: '/srv/walt/',
      WALT_AGENT_LOG_STORE: 'secret:walt-logs/dsn',
      WALT_AGENT_TOLERATIONS: '[{"key":"lab","operator":"Exists","effect":"NoSchedule"}]',
      WALT_AGENT_RESOURCES: '{"requests":{"cpu":"100m"},"limits":{"memory":"1Gi"}}',
      WALT_AGENT_API_PORT: '9000',
      WALT_AGENT_QEMU_ACCEL: 'tcg',
    });
    expect(config).toEqual({
      image: 'r:5000/walt-agent:1',
      pullPolicy: 'Always',
      cacheHostPath: '/srv/walt',
      logStore: { kind: 'postgres', secret: { name: 'walt-logs', key: 'dsn' } },
      tolerations: [{ key: 'lab', operator: 'Exists', effect: 'NoSchedule' }],
      resources: { requests: { cpu: '100m' }, limits: { memory: '1Gi' } },
      apiPort: 9000,
      qemuAccel: 'tcg',
    });
  });

  it.each([
    ['WALT_AGENT_IMAGE_PULL_POLICY', 'Sometimes'],
    ['WALT_AGENT_CACHE_HOST_PATH', 'relative/dir'],
    ['WALT_AGENT_CACHE_HOST_PATH', '/var/../etc'],
    ['WALT_AGENT_LOG_STORE', 'postgres://u:p@h/db'],
    ['WALT_AGENT_LOG_STORE', 'secret:Bad_Name/dsn'],
    ['WALT_AGENT_TOLERATIONS', '{"key":"x"}'],
    ['WALT_AGENT_TOLERATIONS', '[1]'],
    ['WALT_AGENT_TOLERATIONS', `[${'{},'.repeat(6000)}{}]`],
    ['WALT_AGENT_RESOURCES', '{"cpu":"1"}'],
    ['WALT_AGENT_RESOURCES', 'not json'],
    ['WALT_AGENT_API_PORT', '0'],
    ['WALT_AGENT_API_PORT', '80.5'],
    ['WALT_AGENT_QEMU_ACCEL', 'hvf'],
  ])('refuses %s=%j with a coded error', (variable, value) => {
    const env = { WALT_AGENT_IMAGE: 'r:5000/walt-agent:1', [variable]: value };
    expect(codeOf(() => agentDeployConfig(env))).toBe(AgentConfigInvalid.code);
  });
});
