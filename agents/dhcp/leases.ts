// Lease allocation, pure: functions from (state, request, now) to a new state. File I/O lives in
// lease-file.ts. Invariants: one lease per MAC, and an address is never held by two MACs at once.
import { inSubnet, intToIp, ipToInt, type Subnet } from './ipv4.js';

export interface Lease {
  mac: string;
  ip: string;
  /** `offered`: held briefly after an OFFER; `bound`: ACKed. */
  state: 'offered' | 'bound';
  /** Milliseconds since the epoch. */
  expiresAt: number;
  hostname?: string;
}

export interface LeaseState {
  /** By MAC (lowercase, colons). Expired leases are kept so that a returning MAC gets its address back. */
  leases: Record<string, Lease>;
  /** Declined addresses → when they may be offered again (ms since the epoch). */
  declined: Record<string, number>;
}

export interface Pool {
  subnet: Subnet;
  serverIp: string;
  gateway?: string;
  /** Dynamic range for devices that are not WaltNodes (inclusive). */
  range?: { start: number; end: number };
  /** Addresses set aside for WaltNodes (their status.ip) → the node's MAC. */
  reserved: ReadonlyMap<string, string>;
}

export interface AllocationRequest {
  mac: string;
  /** Set when the MAC belongs to a WaltNode on this segment. */
  node?: { ip?: string };
  /** Option 50 or ciaddr. */
  requestedIp?: string;
}

/** How far allocate() scans for a free address, so that a huge subnet cannot stall a request. */
export const MAX_SCAN = 65536;

export function emptyLeases(): LeaseState {
  return { leases: {}, declined: {} };
}

/** Addresses held right now (unexpired leases) → their MAC. */
export function activeHolders(state: LeaseState, now: number): Map<string, string> {
  const holders = new Map<string, string>();
  for (const lease of Object.values(state.leases))
    if (lease.expiresAt > now) holders.set(lease.ip, lease.mac);
  return holders;
}

interface Context {
  pool: Pool;
  mac: string;
  holders: Map<string, string>;
  declined: Record<string, number>;
  now: number;
}

function isUsable(ip: string | undefined, ctx: Context): ip is string {
  if (ip === undefined) return false;
  const value = ipToInt(ip);
  const { subnet, serverIp, gateway, reserved } = ctx.pool;
  if (!inSubnet(subnet, value) || value === subnet.network || value === subnet.broadcast) return false;
  if (ip === serverIp || ip === gateway) return false;
  return !heldByOther(ip, reserved, ctx);
}

function heldByOther(ip: string, reserved: ReadonlyMap<string, string>, ctx: Context): boolean {
  const holder = ctx.holders.get(ip) ?? reserved.get(ip);
  if (holder !== undefined && holder !== ctx.mac) return true;
  return (ctx.declined[ip] ?? 0) > ctx.now;
}

function inRange(pool: Pool, ip: string | undefined): boolean {
  if (!pool.range || ip === undefined) return false;
  const value = ipToInt(ip);
  return value >= pool.range.start && value <= pool.range.end;
}

function firstFree(ctx: Context, from: number, to: number, skipRange: boolean): string | undefined {
  const last = Math.min(to, from + MAX_SCAN - 1);
  for (let value = from; value <= last; value += 1) {
    const ip = intToIp(value);
    if (skipRange && inRange(ctx.pool, ip)) continue;
    if (isUsable(ip, ctx)) return ip;
  }
  return undefined;
}

function allocateNode(
  request: AllocationRequest,
  ctx: Context,
  current: string | undefined,
): string | undefined {
  const candidates = [request.node?.ip, current, request.requestedIp];
  const chosen = candidates.find((ip) => isUsable(ip, ctx));
  if (chosen) return chosen;
  const { subnet, range } = ctx.pool;
  return (
    firstFree(ctx, subnet.network + 1, subnet.broadcast - 1, true) ??
    (range ? firstFree(ctx, range.start, range.end, false) : undefined)
  );
}

function allocateDynamic(
  request: AllocationRequest,
  ctx: Context,
  current: string | undefined,
): string | undefined {
  const { range } = ctx.pool;
  if (!range) return undefined;
  const chosen = [current, request.requestedIp].find((ip) => inRange(ctx.pool, ip) && isUsable(ip, ctx));
  return chosen ?? firstFree(ctx, range.start, range.end, false);
}

function contextFor(state: LeaseState, mac: string, pool: Pool, now: number): Context {
  return { pool, mac, holders: activeHolders(state, now), declined: state.declined, now };
}

/** The address to give this client, or undefined when none is free (or it has no right to one). */
export function allocate(
  state: LeaseState,
  request: AllocationRequest,
  pool: Pool,
  now: number,
): string | undefined {
  const ctx = contextFor(state, request.mac, pool, now);
  const current = state.leases[request.mac]?.ip;
  return request.node ? allocateNode(request, ctx, current) : allocateDynamic(request, ctx, current);
}

/** May the client have `request.requestedIp` (REQUEST in SELECTING, INIT-REBOOT, RENEWING, REBINDING)? */
export function mayHave(state: LeaseState, request: AllocationRequest, pool: Pool, now: number): boolean {
  const ip = request.requestedIp;
  if (ip === undefined) return false;
  const ctx = contextFor(state, request.mac, pool, now);
  if (!isUsable(ip, ctx)) return false;
  if (request.node) return request.node.ip === undefined || request.node.ip === ip;
  return inRange(pool, ip) || state.leases[request.mac]?.ip === ip;
}

function withLease(state: LeaseState, lease: Lease): LeaseState {
  return { ...state, leases: { ...state.leases, [lease.mac]: lease } };
}

export function offer(state: LeaseState, mac: string, ip: string, until: number): LeaseState {
  const existing = state.leases[mac];
  // A bound lease for the same address keeps its (longer) expiry while the client is offered it again.
  if (existing?.ip === ip && existing.state === 'bound' && existing.expiresAt >= until) return state;
  return withLease(state, { mac, ip, state: 'offered', expiresAt: until, ...hostnameOf(existing) });
}

function hostnameOf(lease: Lease | undefined): { hostname?: string } {
  return lease?.hostname ? { hostname: lease.hostname } : {};
}

export function bind(state: LeaseState, lease: Omit<Lease, 'state'>): LeaseState {
  return withLease(state, { ...lease, state: 'bound' });
}

/** RELEASE: the client gives the address back (only its own lease). */
export function release(state: LeaseState, mac: string, ip: string, now: number): LeaseState {
  const lease = state.leases[mac];
  if (lease?.ip !== ip) return state;
  return withLease(state, { ...lease, expiresAt: Math.min(lease.expiresAt, now) });
}

/** DECLINE: the client found the address in use; nobody gets it until `until`. */
export function decline(state: LeaseState, mac: string, ip: string, until: number): LeaseState {
  const lease = state.leases[mac];
  const leases = { ...state.leases };
  if (lease?.ip === ip) delete leases[mac];
  return { leases, declined: { ...state.declined, [ip]: until } };
}

/** Drops leases expired before `forgetBefore` and declines that are over. */
export function prune(state: LeaseState, now: number, forgetBefore: number): LeaseState {
  const leases = Object.fromEntries(
    Object.entries(state.leases).filter(([, l]) => l.expiresAt >= forgetBefore),
  );
  const declined = Object.fromEntries(Object.entries(state.declined).filter(([, until]) => until > now));
  return { leases, declined };
}
