// The lease state on disk, so that leases survive agent restarts: JSON, replaced atomically (write a
// temporary file, fsync, rename). Writes are serialised and debounced: a change is on disk within
// WRITE_DELAY_MS, a burst of changes (a boot storm binds hundreds of leases) is written once, and
// flush() (the server's stop) writes what is pending at once. A binding is committed before it is
// acknowledged (commit(): group commit, the ACKs of one burst wait for one write), so a crash never
// loses a lease a client was given: only releases and declines of the last WRITE_DELAY_MS, which
// leave an address reserved for nothing until the lease expires (docs/faults.md).
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
  /** Callers of commit() waiting for the pending state to be on disk. */
  private committers: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
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

  /**
   * Writes `state` at once, grouped with the other commits of this turn of the event loop (and those
   * that come while a write runs); resolves once it (or a later state) is on disk.
   */
  commit(state: LeaseState): Promise<void> {
    return new Promise((resolve, reject) => {
      this.committers.push({ resolve, reject });
      this.pending = state;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.flush().catch((error: unknown) => this.options.onError?.(error));
      }, 0);
    });
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
    const committers = this.committers;
    this.pending = undefined;
    this.committers = [];
    if (!state) return this.writing.catch(() => undefined);
    // A failed write must not block later ones: each write starts from a settled chain.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        this.writes += 1;
        await writeAtomically(this.file, serialiseLeases(state));
      });
    this.writing.then(
      () => committers.forEach((c) => c.resolve()),
      (error: unknown) => committers.forEach((c) => c.reject(error)),
    );
    return this.writing;
  }
}
