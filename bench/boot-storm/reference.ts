// The reference: dnsmasq (DHCP + TFTP) and busybox httpd (the big file) in the same agent namespace,
// on the same address, serving the same files.
import { nsRun, poll, startServer, stopGroup, type Cleanup, type Server } from './proc.js';

export interface ReferencePlan {
  ns: string;
  server: string;
  range: { start: string; end: string };
  leaseFile: string;
  dir: string;
  tftpName: string;
  httpName: string;
  maxTransfers: number;
}

export interface Reference {
  servers: Server[];
  stop(): Promise<void>;
}

export async function startReference(plan: ReferencePlan, cleanup: Cleanup): Promise<Reference> {
  const dnsmasq = startServer(
    {
      name: 'dnsmasq',
      ns: plan.ns,
      command: [
        '/usr/sbin/dnsmasq',
        '--no-daemon',
        '--conf-file=/dev/null',
        '--port=0',
        '--user=root',
        '--pid-file',
        '--log-facility=-',
        // Like our agent: no ICMP conflict check before an offer (dnsmasq's default waits ~3 s per new
        // address for an echo reply), and authoritative on the segment.
        '--no-ping',
        '--dhcp-authoritative',
        '--interface=br0',
        '--bind-interfaces',
        `--dhcp-range=${plan.range.start},${plan.range.end},12h`,
        `--dhcp-leasefile=${plan.leaseFile}`,
        '--enable-tftp',
        `--tftp-root=${plan.dir}`,
        `--tftp-max=${plan.maxTransfers}`,
        `--dhcp-boot=${plan.tftpName}`,
      ],
    },
    cleanup,
  );
  const httpd = startServer(
    {
      name: 'httpd',
      ns: plan.ns,
      command: ['busybox', 'httpd', '-f', '-p', `${plan.server}:80`, '-h', plan.dir],
    },
    cleanup,
  );
  const servers = [dnsmasq, httpd];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => stopGroup(s.child)));
  };
  try {
    const alive = (): void => {
      for (const s of servers)
        if (s.child.exitCode !== null)
          throw new Error(`${s.name} exited (${s.child.exitCode}): ${s.log().slice(-2000)}`);
    };
    await poll(
      'dnsmasq serving DHCP',
      () => Promise.resolve((alive(), dnsmasq.log().includes('DHCP, IP range') || undefined)),
      15000,
    );
    await poll(
      'busybox httpd serving',
      async () => (
        alive(),
        await nsRun(
          plan.ns,
          'curl',
          ['-sfI', '--max-time', '5', `http://${plan.server}/${plan.httpName}`],
          10000,
        ),
        true
      ),
      15000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { servers, stop };
}
