// A one-shot DHCP client for integration tests, run in a client namespace:
//   tsx test/support/dhcp-probe.ts <host> <port> <local port> <packet hex>
// Sends the packet and prints the first reply with the same xid as JSON (header fields, options in hex).
import dgram from 'node:dgram';
import { decode } from '../../agents/dhcp/packet.js';

const [host = '', port = '67', localPort = '0', hex = ''] = process.argv.slice(2);
const request = Buffer.from(hex, 'hex');
const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
const timer = setTimeout(() => {
  process.stderr.write('no reply\n');
  process.exit(2);
}, 20000);
socket.on('message', (message) => {
  const result = decode(message);
  if (!result.ok || result.packet.xid !== request.readUInt32BE(4)) return;
  const { packet } = result;
  const options = Object.fromEntries(
    [...packet.options].map(([code, value]) => [code, value.toString('hex')]),
  );
  process.stdout.write(`${JSON.stringify({ ...packet, chaddr: packet.chaddr.toString('hex'), options })}\n`);
  clearTimeout(timer);
  socket.close();
});
socket.bind(Number(localPort), () => {
  socket.setBroadcast(true);
  socket.send(request, Number(port), host);
});
