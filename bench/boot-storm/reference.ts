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
  /** Rewrites each server's argv (e.g. to start it in a cgroup). */
  wrap?: (argv: string[]) => string[];
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
      wrap: plan.wrap,
      command: [
        '/usr/sbin/dnsmasq',
        '--no-daemon',
        '--conf-file=/dev/null',
        '--port=0',
        '--user=root',
        '--pid-file',
        '--log-facility=-',
        // Errors only, like our agent at WALT_LOG_LEVEL=warn. A line per DHCP packet and per transfer
        // went to a pipe the busy bench drains late: dnsmasq blocked on it, answered DHCP 0.5-1 s late
        // and left TFTP clients to time out.
        '--quiet-dhcp',
        '--quiet-tftp',
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
      wrap: plan.wrap,
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
