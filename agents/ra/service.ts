// IPv6 router advertisements on the segment. iPXE configures IPv4 (DHCP) and IPv6 (SLAAC) together and
// waits for both: on a link without a router it spends ~16 s waiting for an advertisement on every boot.
// Sending RAs needs raw ICMPv6 sockets, which Node does not have, so the agent runs dnsmasq in RA-only
// mode (no DNS, no DHCP) on the segment interface with a stable unique local prefix. A dnsmasq that
// exits is started again, after 2 s doubling to 60 s while it keeps exiting (ra-restart.ts).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import type { WaltSegment } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import type { Cache } from '../netboot/informer-boot-view.js';
import { followSegment, type SegmentFollower } from '../netboot/segment-follower.js';
import { nextRestartDelay, type RestartState } from './ra-restart.js';
import { segmentUla } from './ula.js';

const run = promisify(execFile);

export interface RaServiceOptions {
  segment: string;
  segments: Cache<WaltSegment>;
  logger: Logger;
  /** The interface to advertise on, when it is not spec.interface (the pod's bridge, ADR 0013). */
  interface?: string;
}

export interface RaService {
  start(): Promise<void>;
  stop(): Promise<void>;
}

class Service implements RaService {
  private child: ChildProcess | undefined;
  private iface: string | undefined;
  private follower: SegmentFollower | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarts: RestartState = { failures: 0 };

  constructor(private readonly options: RaServiceOptions) {}

  async start(): Promise<void> {
    this.follower = followSegment(
      this.options.segments,
      this.options.segment,
      (segment) => this.apply(this.options.interface ?? segment.spec.interface),
      (error) =>
        this.options.logger.warn(
          { err: error },
          'no router advertisements on the segment (iPXE boots 16 s slower)',
        ),
    );
    await this.follower.started;
  }

  async stop(): Promise<void> {
    await this.follower?.settled();
    this.kill();
  }

  private kill(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const pid = this.child?.pid;
    this.child = undefined;
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }

  private async apply(iface: string): Promise<void> {
    if (this.iface === iface && this.child) return;
    this.kill();
    this.iface = iface;
    const { address } = segmentUla(this.options.segment);
    // "nodad": the address is usable at once; an existing one is fine.
    await run('ip', ['-6', 'addr', 'replace', `${address}/64`, 'dev', iface, 'nodad']);
    const child = spawn(
      'dnsmasq',
      [
        '--keep-in-foreground',
        '--conf-file=/dev/null',
        '--port=0',
        '--no-resolv',
        '--no-hosts',
        '--leasefile-ro',
        '--pid-file=',
        `--interface=${iface}`,
        '--bind-interfaces',
        '--enable-ra',
        `--dhcp-range=::,constructor:${iface},ra-only`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (chunk: Buffer) =>
      this.options.logger.warn({ stderr: chunk.toString().trim() }, 'dnsmasq (RA)'),
    );
    const started = Date.now();
    child.once('exit', (code, signal) => {
      // kill() forgets the child first: only an exit nobody asked for gets here
      if (this.child !== child) return;
      this.child = undefined;
      this.restarts = nextRestartDelay(this.restarts, Date.now() - started);
      const restartInMs = this.restarts.delayMs;
      this.options.logger.warn(
        { code, signal, restartInMs },
        'router advertisements stopped: restarting dnsmasq',
      );
      this.restartTimer = setTimeout(() => this.restart(iface), restartInMs).unref();
    });
    this.child = child;
    this.options.logger.info({ iface, address }, 'sending IPv6 router advertisements (dnsmasq, RA only)');
  }

  private restart(iface: string): void {
    this.restartTimer = undefined;
    this.apply(iface).catch((error: unknown) =>
      this.options.logger.warn({ err: error }, 'router advertisements not restarted'),
    );
  }
}

export function createRaService(options: RaServiceOptions): RaService {
  return new Service(options);
}
