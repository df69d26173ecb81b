// Where a reply goes (RFC 2131 §4.1). Node's dgram cannot write to a MAC without an IP address, so
// replies that RFC 2131 would unicast to yiaddr are broadcast instead (clients accept both).
import type { DhcpPacket } from './packet.js';
import { MessageType, messageType } from './options.js';

export const SERVER_PORT = 67;
export const CLIENT_PORT = 68;
export const PROXY_PORT = 4011;
export const LIMITED_BROADCAST = '255.255.255.255';

export interface Address {
  address: string;
  port: number;
}

export function replyDestination(
  request: DhcpPacket,
  reply: DhcpPacket,
  source: Address,
  localPort: number,
): Address {
  if (localPort === PROXY_PORT) return source;
  if (request.giaddr !== '0.0.0.0') return { address: request.giaddr, port: SERVER_PORT };
  if (messageType(reply.options) === MessageType.NAK)
    return { address: LIMITED_BROADCAST, port: CLIENT_PORT };
  if (request.ciaddr !== '0.0.0.0') return { address: request.ciaddr, port: CLIENT_PORT };
  return { address: LIMITED_BROADCAST, port: CLIENT_PORT };
}
