// Reference tools the tests depend on (oracles independent of our code, reference clients and servers):
// a test never skips because one is missing, it fails and says what to install. local/install-deps.sh
// (run by local/test.sh, the README's test command) installs every package named here.
import { execFileSync } from 'node:child_process';

export interface Tool {
  /** What the test needs, as a reader knows it ("umoci", "python3-scapy"). */
  name: string;
  /** A command that exits 0 when the tool is usable. */
  probe: [string, ...string[]];
  /** The Debian package that brings it. */
  debian: string;
}

/** The tools of the suite's oracles, by name. */
export const TOOLS = {
  umoci: { name: 'umoci', probe: ['umoci', '--version'], debian: 'umoci' },
  runc: { name: 'runc', probe: ['runc', '--version'], debian: 'runc' },
  skopeo: { name: 'skopeo', probe: ['skopeo', '--version'], debian: 'skopeo' },
  buildah: { name: 'buildah', probe: ['buildah', '--version'], debian: 'buildah' },
  tmux: { name: 'tmux', probe: ['tmux', '-V'], debian: 'tmux' },
  dnsmasq: { name: 'dnsmasq', probe: ['dnsmasq', '--version'], debian: 'dnsmasq-base' },
  scapy: { name: 'scapy', probe: ['/usr/bin/python3', '-c', 'import scapy.all'], debian: 'python3-scapy' },
  atftp: { name: 'atftp', probe: ['atftp', '--version'], debian: 'atftp' },
  tftpHpa: { name: 'tftp-hpa client', probe: ['tftp', '-V'], debian: 'tftp-hpa' },
  tftpdHpa: { name: 'tftpd-hpa', probe: ['in.tftpd', '-V'], debian: 'tftpd-hpa' },
  busybox: { name: 'busybox', probe: ['busybox', 'true'], debian: 'busybox' },
  curl: { name: 'curl', probe: ['curl', '--version'], debian: 'curl' },
} as const satisfies Record<string, Tool>;

/** The message of a missing tool: what is missing and the command that installs it. */
export function missingToolMessage(tool: Tool, detail?: string): string {
  const why = detail ? ` (${detail})` : '';
  return (
    `${tool.name} is required by this test and is not usable${why}: install it with ` +
    `\`apt-get install -y ${tool.debian}\` or run local/install-deps.sh (local/test.sh does)`
  );
}

/** Throws (failing the test or the suite's beforeAll) when the tool does not run. */
export function requireTool(tool: Tool): void {
  const [command, ...args] = tool.probe;
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 20_000 });
  } catch (error) {
    throw new Error(missingToolMessage(tool, (error as Error).message.split('\n')[0]), { cause: error });
  }
}

/** Throws unless the process runs as root (checks of ownership, namespaces). */
export function requireRoot(why: string): void {
  if (process.getuid?.() === 0) return;
  throw new Error(`${why} needs root: run the tests as root (sudo local/test.sh)`);
}
