import { nodeLaunchOf, type NodeLaunchInput } from './components.js';
import { nodeDirs } from './layout.js';

const input: NodeLaunchInput = {
  dirs: nodeDirs('/w', '/run/wk'),
  network: { bridge: 'waltkn-br0', podCidr: '172.30.77.0/24', nodeIp: '172.30.78.1' },
  ports: {
    kubelet: 20250,
    kubeletHealthz: 20248,
    scheduler: 20259,
    proxyHealthz: 20256,
    proxyMetrics: 20249,
  },
  nodeName: 'n1',
  binDir: '/bin-dir',
  containerdBinary: '/usr/bin/containerd',
};

describe('node command lines', () => {
  it('names the kubelet after the node, on its private address and its own root dir', () => {
    const { binary, args, healthUrl } = nodeLaunchOf('kubelet', input);
    expect(binary).toBe('/bin-dir/kubelet');
    expect(args).toEqual(
      expect.arrayContaining(['--hostname-override=n1', '--node-ip=172.30.78.1', '--root-dir=/w/kubelet']),
    );
    expect(healthUrl).toBe('http://127.0.0.1:20248/healthz');
  });

  it('leaves conntrack sysctls alone and opens NodePorts on the node address only', () => {
    const { args } = nodeLaunchOf('kube-proxy', input);
    expect(args).toEqual(
      expect.arrayContaining([
        '--proxy-mode=iptables',
        '--conntrack-max-per-core=0',
        '--nodeport-addresses=172.30.78.1/32',
        '--cluster-cidr=172.30.77.0/24',
      ]),
    );
  });

  it('runs one scheduler on loopback, without leader election', () => {
    const { args } = nodeLaunchOf('kube-scheduler', input);
    expect(args).toEqual(
      expect.arrayContaining(['--bind-address=127.0.0.1', '--secure-port=20259', '--leader-elect=false']),
    );
  });

  it('starts containerd from its own config', () => {
    expect(nodeLaunchOf('containerd', input).args).toEqual([
      '--config',
      '/w/config/containerd.toml',
      '--log-level',
      'warn',
    ]);
  });
});
