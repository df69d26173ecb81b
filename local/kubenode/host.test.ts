import { chainNames, jumpRulesTo, mountPointsUnder } from './host.js';

describe('mount points under a dir', () => {
  const mountinfo = [
    '22 1 8:1 / / rw - ext4 /dev/vda rw',
    '90 22 0:50 / /w/kubelet/pods/a/volumes/kubernetes.io~projected/kube-api-access rw - tmpfs tmpfs rw',
    '91 22 0:51 / /w/kubelet rw shared:1 - ext4 /dev/vda rw',
    '92 22 0:52 / /w/kubelet-other rw - tmpfs tmpfs rw',
    '93 22 0:53 / /run/wk/containerd/netns/cni\\040x rw - nsfs nsfs rw',
  ].join('\n');

  it('lists the dir and what lies below it, deepest first, never a sibling with the same prefix', () => {
    expect(mountPointsUnder(mountinfo, '/w/kubelet')).toEqual([
      '/w/kubelet/pods/a/volumes/kubernetes.io~projected/kube-api-access',
      '/w/kubelet',
    ]);
  });

  it('decodes the octal escapes of mountinfo', () => {
    expect(mountPointsUnder(mountinfo, '/run/wk')).toEqual(['/run/wk/containerd/netns/cni x']);
  });
});

describe('iptables chains', () => {
  const save = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':KUBE-FIREWALL - [0:0]',
    '-A INPUT -j KUBE-FIREWALL',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-FIREWALL',
    '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -j DROP',
    '-A INPUT -j ACCEPT',
    'COMMIT',
  ].join('\n');

  it('reads chain names', () => {
    expect(chainNames(save)).toEqual(['INPUT', 'OUTPUT', 'KUBE-FIREWALL']);
  });

  it('finds the jumps into the chains from other chains, quotes removed', () => {
    expect(jumpRulesTo(save, new Set(['KUBE-FIREWALL']))).toEqual([
      ['INPUT', '-j', 'KUBE-FIREWALL'],
      ['OUTPUT', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-FIREWALL'],
    ]);
  });
});
