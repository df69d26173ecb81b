// The lease state on disk, so that leases survive agent restarts: JSON, replaced atomically (write a
// temporary file, fsync, rename). Writes are serialised and debounced: a change is on disk within
// WRITE_DELAY_MS, a burst of changes (a boot storm binds hundreds of leases) is written once, and
// flush() (the server's stop) writes what is pending at once. A crash loses at most the changes of the
// last WRITE_DELAY_MS: their clients keep their addresses and ask for them again (INIT-REBOOT or
// RENEWING), and get them unless another client took them meanwhile.
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
  const declined = new Map(
    Object.entries(content.declined ?? {}).filter(([, until]) => typeof until === 'number'),
  );
  return { leases: new Map(content.leases.map((l) => [l.mac, l])), declined };
}

export function serialiseLeases(state: LeaseState): string {
  const content: LeaseFileContent = {
    version: 1,
    leases: [...state.leases.values()],
    declined: Object.fromEntries(state.declined),
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

/** How long a change may wait before it is written (the window a crash can lose). */
export const WRITE_DELAY_MS = 200;

export interface LeaseFileOptions {
  /** Debounce delay (tests). */
  delayMs?: number;
  /** A scheduled write failed (an explicit flush() rejects instead). */
  onError?: (error: unknown) => void;
}

export class LeaseFile {
  private pending: LeaseState | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Files written so far (tests, benchmarks). */
  writes = 0;

  constructor(
    readonly file: string,
    private readonly options: LeaseFileOptions = {},
  ) {}

  /** Writes `state` within the delay; states scheduled before then replace it (one write). */
  schedule(state: LeaseState): void {
    this.pending = state;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.flush().catch((error: unknown) => this.options.onError?.(error));
    }, this.options.delayMs ?? WRITE_DELAY_MS);
  }

  /** Writes `state` now; resolves once it (or a later state) is on disk. */
  save(state: LeaseState): Promise<void> {
    this.pending = state;
    return this.flush();
  }

  /** Writes the pending state now, if any; resolves once it is on disk. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const state = this.pending;
    this.pending = undefined;
    if (!state) return this.writing.catch(() => undefined);
    // A failed write must not block later ones: each write starts from a settled chain.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        this.writes += 1;
        await writeAtomically(this.file, serialiseLeases(state));
      });
    return this.writing;
  }
}
