// A raw UDP client for integration tests, run in a client namespace:
//   tsx test/support/udp-probe.ts <host> <port> <local port> <packet hex> [expect reply: 1|0]
// Sends one datagram (broadcast allowed) and, when a reply is expected, prints the first one as hex and
// exits 0 (exit 2 after 20 s without one). Lets tests send what no reference client will: TFTP requests
// with bad modes or garbage, a DHCP DECLINE from a device that does not hold the address.
import dgram from 'node:dgram';

const [host = '', port = '0', localPort = '0', hex = '', expectReply = '1'] = process.argv.slice(2);
const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
const timer = setTimeout(() => {
  process.stderr.write('no reply\n');
  process.exit(2);
}, 20000);
socket.on('message', (message) => {
  process.stdout.write(`${message.toString('hex')}\n`);
  clearTimeout(timer);
  socket.close();
});
socket.bind(Number(localPort), () => {
  socket.setBroadcast(true);
  socket.send(Buffer.from(hex, 'hex'), Number(port), host, () => {
    if (expectReply !== '1') {
      clearTimeout(timer);
      socket.close();
    }
  });
});
