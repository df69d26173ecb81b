// Sprays DHCP DISCOVERs from random MACs, as a hostile or broken device would, run in a client namespace:
//   tsx test/support/dhcp-spray.ts <broadcast address> <count> <vendor class> <mac prefix (3 bytes)>
// Each DISCOVER comes from its own MAC and announces the vendor class (e.g. walt.node.pc-x86-64). Prints
// the MACs sent, one a line. Sends one packet at a time, waiting for the kernel to take it.
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { MessageType, OPT, u8Value } from '../../agents/dhcp/options.js';
import { emptyPacket, encode, macToBuffer } from '../../agents/dhcp/packet.js';

const [to = '255.255.255.255', countText = '1', vendorClass = '', prefix = '02:5a:00'] =
  process.argv.slice(2);
const count = Math.min(1000, Number(countText));
const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });

async function main(): Promise<void> {
  await new Promise<void>((resolve) => socket.bind(68, resolve));
  socket.setBroadcast(true);
  for (let i = 0; i < count; i++) {
    const mac = `${prefix}:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    const packet = encode({
      ...emptyPacket(),
      xid: randomBytes(4).readUInt32BE(0),
      flags: 0x8000,
      chaddr: macToBuffer(mac),
      options: new Map([
        [OPT.MESSAGE_TYPE, u8Value(MessageType.DISCOVER)],
        [OPT.VENDOR_CLASS, Buffer.from(vendorClass, 'latin1')],
      ]),
    });
    await new Promise<void>((resolve, reject) =>
      socket.send(packet, 67, to, (error) => (error ? reject(error) : resolve())),
    );
    process.stdout.write(`${mac}\n`);
  }
  socket.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
