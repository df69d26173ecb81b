// A server that answers and closes while its peer is still sending: with the lingering close, the
// peer reads the whole answer, and the connection is closed once the discard budget is spent.
import net from 'node:net';
import { lingerOnClose } from './linger.js';

function listen(onSocket: (socket: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer(onSocket);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

describe('lingerOnClose', () => {
  it('lets a client that keeps sending read the answer, then closes within the byte budget', async () => {
    const answer = 'HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno';
    const server = await listen((socket) => {
      lingerOnClose(socket, { ms: 60_000, bytes: 256 * 1024 });
      socket.once('data', () => socket.write(answer, () => socket.destroySoon()));
    });
    const { port } = server.address() as net.AddressInfo;
    const client = net.connect({ host: '127.0.0.1', port });
    client.on('error', () => undefined);
    let received = '';
    client.on('data', (d: Buffer) => (received += d.toString()));
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    let sent = 0;
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    // Sends until the connection goes (at most 64 MiB: far over the server's discard budget).
    while (!client.destroyed && sent < 64 * 1024 * 1024) {
      if (!client.write(chunk)) await new Promise((r) => client.once('drain', r).once('close', r));
      sent += chunk.length;
    }
    await closed;
    server.close();
    expect(received).toBe(answer);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });
});
