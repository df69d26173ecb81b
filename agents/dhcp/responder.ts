// One DHCP request in, at most one reply out; pure (the lease state goes in and comes out, time is a
// parameter). Boot options come from the one netboot gate, decideBoot(), per client class.
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { decideBoot, normaliseMac, type BootDecision, type BootView } from '../netboot/gate.js';
import {
  bootOptions,
  discoveryBootOptions,
  offersBoot,
  offersDiscovery,
  proxyVendorOptions,
  type BootOptions,
} from './boot-options.js';
import { announcedModel, classify, type ClientClass } from './client-class.js';
import type { DhcpConfig } from './config.js';
import { nodeRouter } from './router.js';
import { inSubnet, intToIp, ipToInt } from './ipv4.js';
import * as L from './leases.js';
import {
  clientUuid,
  getIp,
  getString,
  ipsValue,
  ipValue,
  MessageType,
  messageType,
  OPT,
  parameterRequestList,
  stringValue,
  u32Value,
  u8Value,
  userClasses,
} from './options.js';
import { BOOTREPLY, BOOTREQUEST, BROADCAST_FLAG, HTYPE_ETHERNET, macOf, type DhcpPacket } from './packet.js';
import { PROXY_PORT } from './reply-address.js';

export interface DiscoveredDevice {
  mac: string;
  model?: string;
  ip: string;
  vendorClass: string;
  userClass: string;
  hostname: string;
}

export interface LeaseEvent {
  mac: string;
  ip: string;
  expiresAt: number;
  node?: string;
  /** The client already held this address, bound: only the expiry moved (nothing else to update). */
  renewal?: true;
}

export interface RespondContext {
  config: DhcpConfig;
  view: BootView;
  /** Addresses set aside for the segment's WaltNodes (status.ip) → MAC. */
  reserved: ReadonlyMap<string, string>;
  leases: L.LeaseState;
  now: number;
  /** The UDP port the request arrived on (67, or 4011 for ProxyDHCP). */
  localPort: number;
}

export interface Response {
  reply?: DhcpPacket;
  leases: L.LeaseState;
  /** Why no reply was sent. */
  ignored?: string;
  /** A node-like device no WaltNode claims (the agent may register it). */
  discovered?: DiscoveredDevice;
  /** An address was bound (ACK). */
  lease?: LeaseEvent;
}

interface Request {
  packet: DhcpPacket;
  mac: string;
  client: ClientClass;
  /** The WaltNode with this MAC on this segment. */
  node?: WaltNode;
  decision: BootDecision;
  ctx: RespondContext;
}

function ignore(ctx: RespondContext, why: string): Response {
  return { leases: ctx.leases, ignored: why };
}

function nodeHere(decision: BootDecision, segment: string): WaltNode | undefined {
  return decision.node?.spec.segment === segment ? decision.node : undefined;
}

function describe(packet: DhcpPacket, ctx: RespondContext): Request {
  const mac = normaliseMac(macOf(packet));
  const decision = decideBoot({ segment: ctx.config.segment, mac }, ctx.view);
  const node = nodeHere(decision, ctx.config.segment);
  return { packet, mac, client: classify(packet), decision, ctx, ...(node ? { node } : {}) };
}

/** Longest text taken from a packet into a lease, a log line or a discovered device (RFC 1035 name). */
export const MAX_TEXT = 253;

/** A text option, bounded: a longer value is cut (logs) or dropped (`whole`, what is stored). */
function boundedText(req: Request, code: number, whole = false): string | undefined {
  const text = getString(req.packet.options, code);
  if (text === undefined || text.length <= MAX_TEXT) return text;
  return whole ? undefined : text.slice(0, MAX_TEXT);
}

function discoveredDevice(req: Request, ip: string): DiscoveredDevice | undefined {
  if (req.node || (req.client.kind !== 'walt-node' && req.client.kind !== 'rpi')) return undefined;
  const model = announcedModel(req.packet);
  return {
    mac: req.mac,
    ...(model ? { model } : {}),
    ip,
    vendorClass: boundedText(req, OPT.VENDOR_CLASS) ?? '',
    userClass: userClasses(req.packet.options).join(',').slice(0, MAX_TEXT),
    hostname: boundedText(req, OPT.HOSTNAME) ?? '',
  };
}

/** Options in reply order: 53 and 54 first, then what the client asked for (option 55 order), then the rest. */
export function orderOptions(options: Map<number, Buffer>, prl: readonly number[]): Map<number, Buffer> {
  const ordered = new Map<number, Buffer>();
  for (const code of [OPT.MESSAGE_TYPE, OPT.SERVER_ID, ...prl]) {
    const value = options.get(code);
    if (value) ordered.set(code, value);
  }
  for (const [code, value] of options) if (!ordered.has(code)) ordered.set(code, value);
  return ordered;
}

function networkOptions(req: Request, options: Map<number, Buffer>): void {
  const { config } = req.ctx;
  options.set(OPT.SUBNET_MASK, ipValue(config.subnet.mask));
  const gateway = nodeRouter(req.ctx.config, req.node);
  if (gateway) options.set(OPT.ROUTER, ipValue(gateway));
  if (config.dnsServers.length > 0) options.set(OPT.DNS_SERVERS, ipsValue(config.dnsServers));
  if (req.node) options.set(OPT.HOSTNAME, stringValue(req.node.metadata.name));
  if (config.domain) options.set(OPT.DOMAIN_NAME, stringValue(config.domain));
  options.set(OPT.BROADCAST_ADDRESS, ipValue(intToIp(config.subnet.broadcast)));
}

function leaseOptions(seconds: number, options: Map<number, Buffer>): void {
  options.set(OPT.LEASE_TIME, u32Value(seconds));
  options.set(OPT.RENEWAL_TIME, u32Value(Math.floor(seconds / 2)));
  options.set(OPT.REBINDING_TIME, u32Value(Math.floor((seconds * 7) / 8)));
}

interface ReplySpec {
  type: number;
  yiaddr?: string;
  ciaddr?: string;
  boot?: BootOptions;
  options?: Map<number, Buffer>;
}

/**
 * A PXE ROM's client UUID (option 97), echoed in every answer to it (DHCP and ProxyDHCP): the PXE 2.1
 * specification asks servers to return it when the client sent it, and dnsmasq, the oracle of
 * test/integration/dhcp-reference.test.ts, does.
 */
function echoedUuid(req: Request): Buffer | undefined {
  if (req.client.kind !== 'pxe' && req.client.kind !== 'rpi') return undefined;
  return clientUuid(req.packet.options) ? req.packet.options.get(OPT.CLIENT_UUID) : undefined;
}

function buildReply(req: Request, spec: ReplySpec): DhcpPacket {
  const { packet } = req;
  const options = new Map<number, Buffer>([
    [OPT.MESSAGE_TYPE, u8Value(spec.type)],
    [OPT.SERVER_ID, ipValue(req.ctx.config.serverIp)],
  ]);
  for (const [code, value] of spec.options ?? []) options.set(code, value);
  for (const [code, value] of spec.boot?.options ?? []) options.set(code, value);
  const uuid = echoedUuid(req);
  if (uuid) options.set(OPT.CLIENT_UUID, uuid);
  return {
    ...replyHeader(packet, spec),
    options: orderOptions(options, parameterRequestList(packet.options)),
  };
}

function replyHeader(packet: DhcpPacket, spec: ReplySpec): Omit<DhcpPacket, 'options'> {
  return {
    op: BOOTREPLY,
    htype: packet.htype,
    hlen: packet.hlen,
    hops: 0,
    xid: packet.xid,
    secs: 0,
    flags: packet.flags & BROADCAST_FLAG,
    ciaddr: spec.ciaddr ?? '0.0.0.0',
    yiaddr: spec.yiaddr ?? '0.0.0.0',
    siaddr: spec.boot?.siaddr ?? '0.0.0.0',
    giaddr: packet.giaddr,
    chaddr: packet.chaddr,
    sname: '',
    file: spec.boot?.file ?? '',
  };
}

function discovers(req: Request): boolean {
  return offersDiscovery(req.client, req.decision, req.ctx.config.autoRegister ?? false);
}

/** The boot options of this request: a node's (the gate's), or an unknown x86 PC's (discovery). */
function bootOf(req: Request): BootOptions {
  const { serverIp } = req.ctx.config;
  return discovers(req)
    ? discoveryBootOptions(req.client, serverIp)
    : bootOptions(req.client, req.decision, serverIp);
}

function addressReply(req: Request, type: number, ip: string): DhcpPacket {
  const options = new Map<number, Buffer>();
  networkOptions(req, options);
  leaseOptions(req.ctx.config.leaseSeconds, options);
  const boot = bootOf(req);
  return buildReply(req, { type, yiaddr: ip, boot, options });
}

function nak(req: Request, message: string): DhcpPacket {
  const options = new Map([[OPT.MESSAGE, stringValue(message)]]);
  return { ...buildReply(req, { type: MessageType.NAK, options }), flags: BROADCAST_FLAG };
}

function allocationRequest(req: Request, requestedIp: string | undefined): L.AllocationRequest {
  const node = req.node ? { node: req.node.status?.ip ? { ip: req.node.status.ip } : {} } : {};
  return { mac: req.mac, ...node, ...(requestedIp ? { requestedIp } : {}) };
}

function pool(ctx: RespondContext): L.Pool {
  const { config } = ctx;
  return {
    subnet: config.subnet,
    serverIp: config.serverIp,
    ...(config.gateway ? { gateway: config.gateway } : {}),
    ...(config.range ? { range: config.range } : {}),
    reserved: ctx.reserved,
  };
}

function withDiscovery(response: Response, req: Request, ip: string): Response {
  const discovered = discoveredDevice(req, ip);
  return discovered ? { ...response, discovered } : response;
}

function onDiscover(req: Request): Response {
  const { ctx } = req;
  const requested = getIp(req.packet.options, OPT.REQUESTED_IP);
  const ip = L.allocate(ctx.leases, allocationRequest(req, requested), pool(ctx), ctx.now);
  if (!ip) return ignore(ctx, 'no-free-address');
  const leases = L.offer(ctx.leases, req.mac, ip, ctx.now + ctx.config.offerHoldSeconds * 1000);
  return withDiscovery({ reply: addressReply(req, MessageType.OFFER, ip), leases }, req, ip);
}

function ack(req: Request, ip: string): Response {
  const { ctx } = req;
  const expiresAt = ctx.now + ctx.config.leaseSeconds * 1000;
  const hostname = boundedText(req, OPT.HOSTNAME, true);
  const before = ctx.leases.leases.get(req.mac);
  const leases = L.bind(ctx.leases, { mac: req.mac, ip, expiresAt, ...(hostname ? { hostname } : {}) });
  const lease: LeaseEvent = {
    mac: req.mac,
    ip,
    expiresAt,
    ...(req.node ? { node: req.node.metadata.name } : {}),
    ...(before?.state === 'bound' && before.ip === ip ? { renewal: true as const } : {}),
  };
  return withDiscovery({ reply: addressReply(req, MessageType.ACK, ip), leases, lease }, req, ip);
}

function onSelecting(req: Request, serverId: string): Response {
  const { ctx } = req;
  const offered = ctx.leases.leases.get(req.mac);
  if (serverId !== ctx.config.serverIp) {
    // The client took another server's offer: forget ours.
    const leases =
      offered?.state === 'offered' ? L.release(ctx.leases, req.mac, offered.ip, ctx.now) : ctx.leases;
    return { leases, ignored: 'other-server' };
  }
  const requested = getIp(req.packet.options, OPT.REQUESTED_IP);
  if (!requested || offered?.ip !== requested)
    return { leases: ctx.leases, reply: nak(req, 'address not offered') };
  return checkedAck(req, requested);
}

function checkedAck(req: Request, ip: string): Response {
  const { ctx } = req;
  if (!inSubnet(ctx.config.subnet, ipToInt(ip)))
    return { leases: ctx.leases, reply: nak(req, 'wrong network') };
  if (!L.mayHave(ctx.leases, allocationRequest(req, ip), pool(ctx), ctx.now))
    return { leases: ctx.leases, reply: nak(req, 'address not available') };
  return ack(req, ip);
}

function onRequest(req: Request): Response {
  const serverId = getIp(req.packet.options, OPT.SERVER_ID);
  if (serverId) return onSelecting(req, serverId);
  const requested = getIp(req.packet.options, OPT.REQUESTED_IP);
  // INIT-REBOOT: option 50 and no ciaddr; RENEWING/REBINDING: ciaddr.
  const ip = req.packet.ciaddr !== '0.0.0.0' ? req.packet.ciaddr : requested;
  if (!ip) return ignore(req.ctx, 'request-without-address');
  return checkedAck(req, ip);
}

function onDecline(req: Request): Response {
  const { ctx } = req;
  const serverId = getIp(req.packet.options, OPT.SERVER_ID);
  const ip = getIp(req.packet.options, OPT.REQUESTED_IP);
  if ((serverId && serverId !== ctx.config.serverIp) || !ip) return ignore(ctx, 'decline-not-ours');
  if (!L.holds(ctx.leases, req.mac, ip, ctx.now)) return ignore(ctx, 'decline-not-holder');
  const until = ctx.now + ctx.config.declineHoldSeconds * 1000;
  return { leases: L.decline(ctx.leases, { mac: req.mac, ip }, ctx.now, until), ignored: 'declined' };
}

function onRelease(req: Request): Response {
  const { ctx } = req;
  return { leases: L.release(ctx.leases, req.mac, req.packet.ciaddr, ctx.now), ignored: 'released' };
}

function onInform(req: Request): Response {
  const options = new Map<number, Buffer>();
  networkOptions(req, options);
  options.delete(OPT.HOSTNAME);
  const boot = bootOf(req);
  const reply = buildReply(req, { type: MessageType.ACK, ciaddr: req.packet.ciaddr, boot, options });
  return { leases: req.ctx.leases, reply };
}

const AUTHORITATIVE: Partial<Record<number, (req: Request) => Response>> = {
  [MessageType.DISCOVER]: onDiscover,
  [MessageType.REQUEST]: onRequest,
  [MessageType.DECLINE]: onDecline,
  [MessageType.RELEASE]: onRelease,
  [MessageType.INFORM]: onInform,
};

function isPxeLike(client: ClientClass): boolean {
  return (
    client.kind === 'pxe' || client.kind === 'rpi' || client.kind === 'ipxe' || client.kind === 'walt-node'
  );
}

/** ProxyDHCP (PXE specification §2.2.6): boot information only, never an address. */
function proxyRespond(req: Request, type: number): Response {
  const { ctx } = req;
  const onProxyPort = ctx.localPort === PROXY_PORT;
  const wanted = onProxyPort
    ? type === MessageType.REQUEST || type === MessageType.INFORM
    : type === MessageType.DISCOVER;
  if (!wanted || !isPxeLike(req.client)) return ignore(ctx, 'proxy-not-for-us');
  const response = withDiscovery({ leases: ctx.leases }, req, req.packet.ciaddr);
  const boot = bootOf(req);
  if (!offersBoot(req.client, req.decision) && !discovers(req))
    return { ...response, ignored: 'proxy-not-allowed' };
  const options = new Map(proxyVendorOptions(req.client));
  const replyType = onProxyPort ? MessageType.ACK : MessageType.OFFER;
  return { ...response, reply: buildReply(req, { type: replyType, boot: mergeBoot(boot, options) }) };
}

function mergeBoot(boot: BootOptions, extra: Map<number, Buffer>): BootOptions {
  const merged = new Map([...extra, ...boot.options]);
  return { ...boot, options: [...merged] };
}

export function respond(packet: DhcpPacket, ctx: RespondContext): Response {
  if (ctx.config.mode === 'off') return ignore(ctx, 'dhcp-off');
  if (packet.op !== BOOTREQUEST) return ignore(ctx, 'not-a-request');
  // Ethernet only (a WaltNode is known by its 6-byte MAC): other hardware types are not served.
  if (packet.htype !== HTYPE_ETHERNET || packet.hlen !== 6) return ignore(ctx, 'not-ethernet');
  const type = messageType(packet.options);
  if (type === undefined) return ignore(ctx, 'bootp-unsupported');
  const req = describe(packet, ctx);
  if (ctx.config.mode === 'proxy') return proxyRespond(req, type);
  const handler = AUTHORITATIVE[type];
  return handler ? handler(req) : ignore(ctx, 'unexpected-message-type');
}
