// The lines the platform writes about itself (walt-reference §2.9): issuer "walt-server", streams
// platform.nodes (bootups, downs) and platform.devices (image downloads); QEMU serial output of
// virtual nodes goes to stream "virtualconsole" with the node as issuer.
import type { LogLine } from '../../log-store/store.js';

export const PLATFORM_ISSUER = 'walt-server';
export const NODES_STREAM = 'platform.nodes';
export const DEVICES_STREAM = 'platform.devices';
export const CONSOLE_STREAM = 'virtualconsole';

export function platformLine(stream: string, text: string, ts: Date = new Date()): LogLine {
  return { ts, issuer: PLATFORM_ISSUER, stream, line: text };
}

/** WalT: "node <name> is booted" (the address and image are ours, after it). */
export function nodeBootedLine(node: string, ip: string, image: string, ts?: Date): LogLine {
  return platformLine(NODES_STREAM, `node ${node} is booted (ip: ${ip}, image: ${image})`, ts);
}

/** WalT: "node <name> is down (cause: …)". */
export function nodeDownLine(node: string, cause: string, ts?: Date): LogLine {
  return platformLine(NODES_STREAM, `node ${node} is down (cause: ${cause})`, ts);
}

export function imageProgressLine(text: string, ts?: Date): LogLine {
  return platformLine(DEVICES_STREAM, text, ts);
}

export function consoleLine(node: string, text: string, ts: Date = new Date()): LogLine {
  return { ts, issuer: node, stream: CONSOLE_STREAM, line: text };
}
