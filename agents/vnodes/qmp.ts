// Just enough of QMP (qemu's JSON machine protocol on a unix socket) for power operations: connect,
// leave capabilities negotiation, run one command, hang up. Bounded by a timeout.
import net from 'node:net';
import { ConsoleLines } from './console.js';

interface QmpMessage {
  QMP?: unknown;
  return?: unknown;
  error?: { class?: string; desc?: string };
  event?: string;
}

/** Runs `command` (e.g. "quit", "system_reset"); resolves on its reply or, once sent, on hang-up. */
export function qmpCommand(socketPath: string, command: string, timeoutMs = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    let replies = 0;
    let sent = false;
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(
      () => finish(new Error(`QMP ${command}: no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const send = (execute: string): void => {
      socket.write(`${JSON.stringify({ execute })}\n`);
    };
    const onMessage = (message: QmpMessage): void => {
      if (message.QMP) return send('qmp_capabilities');
      if (message.error) return finish(new Error(`QMP ${command}: ${message.error.desc ?? 'error'}`));
      if (message.return === undefined) return; // an asynchronous event
      replies += 1;
      if (replies === 1) {
        sent = true;
        return send(command);
      }
      finish();
    };
    const lines = new ConsoleLines((line) => {
      if (line.trim()) onMessage(JSON.parse(line) as QmpMessage);
    }, 1 << 20);
    socket.on('data', (chunk: Buffer) => {
      try {
        lines.push(chunk);
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => (sent ? finish() : finish(new Error(`QMP ${command}: connection closed`))));
  });
}
