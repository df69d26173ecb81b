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
  /**
   * By MAC (lowercase, colons). Expired leases are kept so that a returning MAC gets its address back.
   * Maps, not records: every change copies them, and a Map of hundreds of leases copies and iterates
   * many times faster than an object in dictionary mode.
   */
  leases: ReadonlyMap<string, Lease>;
  /** Declined addresses → when they may be offered again (ms since the epoch). */
  declined: ReadonlyMap<string, number>;
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
  return { leases: new Map(), declined: new Map() };
}

/** Addresses held right now (unexpired leases) → their MAC. */
export function activeHolders(state: LeaseState, now: number): Map<string, string> {
  const holders = new Map<string, string>();
  for (const lease of state.leases.values()) if (lease.expiresAt > now) holders.set(lease.ip, lease.mac);
  return holders;
}

/**
 * What one allocation looks at. Checking a few candidate addresses reads the leases directly; a scan
 * over the subnet first builds an index by address as an integer (built at most once per call), so that
 * it compares integers and builds no strings.
 */
interface Context {
  pool: Pool;
  mac: string;
  state: LeaseState;
  now: number;
  /** Addresses never offered: the server's and the gateway's. */
  own: Set<number>;
  index?: { taken: Map<number, string>; declined: Set<number> };
}

/** Address → the MAC holding it (an unexpired lease) or set aside for (a reservation); declined ones. */
function indexOf(ctx: Context): NonNullable<Context['index']> {
  if (ctx.index) return ctx.index;
  const { state, now } = ctx;
  const taken = new Map<number, string>();
  for (const [ip, holder] of ctx.pool.reserved) taken.set(ipToInt(ip), holder);
  // A lease wins over a reservation of the same address.
  for (const lease of state.leases.values())
    if (lease.expiresAt > now) taken.set(ipToInt(lease.ip), lease.mac);
  const declined = new Set<number>();
  for (const [ip, until] of state.declined) if (until > now) declined.add(ipToInt(ip));
  ctx.index = { taken, declined };
  return ctx.index;
}

function isAssignable(value: number, ctx: Context): boolean {
  const { subnet } = ctx.pool;
  if (!inSubnet(subnet, value) || value === subnet.network || value === subnet.broadcast) return false;
  return !ctx.own.has(value);
}

/** For a scan: reads the index. */
function isFree(value: number, ctx: Context): boolean {
  if (!isAssignable(value, ctx)) return false;
  const { taken, declined } = indexOf(ctx);
  const holder = taken.get(value);
  return (holder === undefined || holder === ctx.mac) && !declined.has(value);
}

/** The MAC holding `ip` (the last unexpired lease on it, else its reservation). */
function holderOf(ip: string, ctx: Context): string | undefined {
  let holder: string | undefined;
  for (const lease of ctx.state.leases.values())
    if (lease.ip === ip && lease.expiresAt > ctx.now) holder = lease.mac;
  return holder ?? ctx.pool.reserved.get(ip);
}

/** For one candidate: reads the leases (cheaper than an index for a few addresses). */
function isUsable(ip: string | undefined, ctx: Context): ip is string {
  if (ip === undefined || !isAssignable(ipToInt(ip), ctx)) return false;
  const holder = holderOf(ip, ctx);
  if (holder !== undefined && holder !== ctx.mac) return false;
  return (ctx.state.declined.get(ip) ?? 0) <= ctx.now;
}

function inRangeInt(pool: Pool, value: number): boolean {
  return pool.range !== undefined && value >= pool.range.start && value <= pool.range.end;
}

function inRange(pool: Pool, ip: string | undefined): boolean {
  return ip !== undefined && inRangeInt(pool, ipToInt(ip));
}

function firstFree(ctx: Context, from: number, to: number, skipRange: boolean): string | undefined {
  const last = Math.min(to, from + MAX_SCAN - 1);
  for (let value = from; value <= last; value += 1) {
    if (skipRange && inRangeInt(ctx.pool, value)) continue;
    if (isFree(value, ctx)) return intToIp(value);
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
  const own = new Set([ipToInt(pool.serverIp), ...(pool.gateway ? [ipToInt(pool.gateway)] : [])]);
  return { pool, mac, state, now, own };
}

/** The address to give this client, or undefined when none is free (or it has no right to one). */
export function allocate(
  state: LeaseState,
  request: AllocationRequest,
  pool: Pool,
  now: number,
): string | undefined {
  const ctx = contextFor(state, request.mac, pool, now);
  const current = state.leases.get(request.mac)?.ip;
  return request.node ? allocateNode(request, ctx, current) : allocateDynamic(request, ctx, current);
}

/** May the client have `request.requestedIp` (REQUEST in SELECTING, INIT-REBOOT, RENEWING, REBINDING)? */
export function mayHave(state: LeaseState, request: AllocationRequest, pool: Pool, now: number): boolean {
  const ip = request.requestedIp;
  if (ip === undefined) return false;
  const ctx = contextFor(state, request.mac, pool, now);
  if (!isUsable(ip, ctx)) return false;
  if (request.node) return request.node.ip === undefined || request.node.ip === ip;
  return inRange(pool, ip) || state.leases.get(request.mac)?.ip === ip;
}

function withLease(state: LeaseState, lease: Lease): LeaseState {
  return { ...state, leases: new Map(state.leases).set(lease.mac, lease) };
}

export function offer(state: LeaseState, mac: string, ip: string, until: number): LeaseState {
  const existing = state.leases.get(mac);
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
  const lease = state.leases.get(mac);
  if (lease?.ip !== ip) return state;
  return withLease(state, { ...lease, expiresAt: Math.min(lease.expiresAt, now) });
}

/** Whether `mac` holds `ip` right now (an unexpired lease, offered or bound). */
export function holds(state: LeaseState, mac: string, ip: string, now: number): boolean {
  const lease = state.leases.get(mac);
  return lease?.ip === ip && lease.expiresAt > now;
}

/**
 * DECLINE (RFC 2131 §4.3.3): the holder found the address in use; nobody gets it until `until`. Only
 * the client holding the address may decline it: a DECLINE from anyone else changes nothing (else any
 * device could take every address out of the pool, one packet each).
 */
export function decline(
  state: LeaseState,
  { mac, ip }: { mac: string; ip: string },
  now: number,
  until: number,
): LeaseState {
  if (!holds(state, mac, ip, now)) return state;
  const leases = new Map(state.leases);
  leases.delete(mac);
  return { leases, declined: new Map(state.declined).set(ip, until) };
}

/** The MAC of the bound, unexpired lease on `ip`: how TFTP and HTTP know a client by its address. */
export function boundHolder(state: LeaseState, ip: string, now: number): string | undefined {
  for (const lease of state.leases.values())
    if (lease.ip === ip && lease.state === 'bound' && lease.expiresAt > now) return lease.mac;
  return undefined;
}

/** Leases kept at most; over it, the expired ones that expired first are forgotten. */
export const MAX_LEASES = 16384;

/**
 * Keeps the table bounded: drops offers that expired (never bound: nothing to give back), bound leases
 * expired before `forgetBefore` (a returning MAC gets its address back until then), declines that are
 * over, and then, over `max` leases, the expired leases that expired first. Unexpired leases are never
 * dropped: each holds an address, so there are at most as many as the subnet has.
 */
export function prune(state: LeaseState, now: number, forgetBefore: number, max = MAX_LEASES): LeaseState {
  const kept = [...state.leases].filter(
    ([, l]) => l.expiresAt > now || (l.state === 'bound' && l.expiresAt >= forgetBefore),
  );
  const expired = kept
    .filter(([, l]) => l.expiresAt <= now)
    .sort(([, a], [, b]) => a.expiresAt - b.expiresAt);
  const over = new Set(expired.slice(0, Math.max(0, kept.length - max)).map(([mac]) => mac));
  const leases = new Map(kept.filter(([mac]) => !over.has(mac)));
  const declined = new Map([...state.declined].filter(([, until]) => until > now));
  return { leases, declined };
}
