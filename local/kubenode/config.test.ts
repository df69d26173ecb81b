import { parse } from 'yaml';
import { cniConflist, containerdConfig, kubeletConfig, registryHostsToml } from './config.js';
import { nodeDirs } from './layout.js';

const dirs = nodeDirs('/w', '/run/wk');
const network = { bridge: 'waltkn-br0', podCidr: '172.30.77.0/24', nodeIp: '172.30.78.1' };

describe('containerd config', () => {
  const toml = containerdConfig(dirs, 'walt.local/pause:v1');

  it('carries the fixes this host needs: no oom_score_adj lowering, cgroupfs, Debian CNI dir', () => {
    expect(toml).toContain('restrict_oom_score_adj = true');
    expect(toml).toContain('SystemdCgroup = false');
    expect(toml).toContain('bin_dir = "/usr/lib/cni"');
    expect(toml).toContain('sandbox_image = "walt.local/pause:v1"');
  });

  it('keeps every path of its own: root, state, socket, netns, registry hosts', () => {
    expect(toml).toContain('root = "/w/containerd"');
    expect(toml).toContain('state = "/run/wk/containerd"');
    expect(toml).toContain('address = "/run/wk/containerd.sock"');
    expect(toml).toContain('netns_mounts_under_state_dir = true');
    expect(toml).toContain('config_path = "/w/config/registry-hosts"');
  });
});

describe('registry hosts', () => {
  it('pulls from the registry over plain HTTP', () => {
    const hosts = registryHostsToml('127.0.0.1:5123');
    expect(hosts).toContain('server = "http://127.0.0.1:5123"');
    expect(hosts).toContain('[host."http://127.0.0.1:5123"]');
    expect(hosts).toContain('capabilities = ["pull", "resolve"]');
  });
});

describe('CNI conflist', () => {
  it('bridges pods on a private /24 without masquerade, leases kept in the node dir', () => {
    const conf = JSON.parse(cniConflist(network, dirs)) as {
      plugins: {
        type: string;
        bridge?: string;
        ipMasq?: boolean;
        ipam?: { dataDir: string; ranges: unknown };
      }[];
    };
    const bridge = conf.plugins.find((p) => p.type === 'bridge');
    expect(bridge).toMatchObject({ bridge: 'waltkn-br0', ipMasq: false });
    expect(bridge?.ipam).toMatchObject({ dataDir: '/w/cni-ipam', ranges: [[{ subnet: '172.30.77.0/24' }]] });
  });
});

describe('kubelet config', () => {
  it('runs on cgroup v1 with cgroupfs, serves on the node address, authenticates the apiserver', () => {
    const config = parse(
      kubeletConfig(dirs, network, { caCert: '/ca.crt', port: 10250, healthzPort: 10248 }),
    ) as Record<string, unknown>;
    expect(config).toMatchObject({
      kind: 'KubeletConfiguration',
      failCgroupV1: false,
      cgroupDriver: 'cgroupfs',
      failSwapOn: false,
      address: '172.30.78.1',
      readOnlyPort: 0,
      containerRuntimeEndpoint: 'unix:///run/wk/containerd.sock',
      podLogsDir: '/w/pod-logs',
      authentication: { anonymous: { enabled: false }, x509: { clientCAFile: '/ca.crt' } },
      authorization: { mode: 'Webhook' },
    });
  });
});
