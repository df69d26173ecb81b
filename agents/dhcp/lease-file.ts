// The lease state on disk, so that leases survive agent restarts: JSON, replaced atomically (write a
// temporary file, fsync, rename). Saves are serialised; a burst of changes is written once.
import { open, readFile, rename } from 'node:fs/promises';
import { DhcpLeasesFile } from './errors.js';
import { emptyLeases, type Lease, type LeaseState } from './leases.js';

interface LeaseFileContent {
  version: 1;
  leases: Lease[];
  declined: Record<string, number>;
}

function isLease(value: unknown): value is Lease {
  const lease = value as Lease;
  return (
    typeof lease === 'object' &&
    lease !== null &&
    typeof lease.mac === 'string' &&
    typeof lease.ip === 'string' &&
    (lease.state === 'offered' || lease.state === 'bound') &&
    typeof lease.expiresAt === 'number'
  );
}

export function parseLeaseFile(text: string, file: string): LeaseState {
  let content: LeaseFileContent;
  try {
    content = JSON.parse(text) as LeaseFileContent;
  } catch (error) {
    throw DhcpLeasesFile(file, (error as Error).message);
  }
  if (content?.version !== 1 || !Array.isArray(content.leases) || !content.leases.every(isLease))
    throw DhcpLeasesFile(file, 'not a version 1 leases file');
  const declined = Object.fromEntries(
    Object.entries(content.declined ?? {}).filter(([, until]) => typeof until === 'number'),
  );
  return { leases: Object.fromEntries(content.leases.map((l) => [l.mac, l])), declined };
}

export function serialiseLeases(state: LeaseState): string {
  const content: LeaseFileContent = {
    version: 1,
    leases: Object.values(state.leases),
    declined: state.declined,
  };
  return `${JSON.stringify(content, null, 1)}\n`;
}

/** The state in `file`; an empty state when it does not exist yet. */
export async function loadLeases(file: string): Promise<LeaseState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyLeases();
    throw DhcpLeasesFile(file, (error as Error).message);
  }
  return parseLeaseFile(text, file);
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}

export class LeaseFile {
  private pending: LeaseState | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Schedules a write of `state`; resolves once it (or a later state) is on disk. */
  save(state: LeaseState): Promise<void> {
    const first = this.pending === undefined;
    this.pending = state;
    // A failed write must not block later ones: each save starts from a settled chain.
    if (first) this.writing = this.writing.catch(() => undefined).then(() => this.flush());
    return this.writing;
  }

  private async flush(): Promise<void> {
    const state = this.pending;
    this.pending = undefined;
    if (state) await writeAtomically(this.file, serialiseLeases(state));
  }
}
