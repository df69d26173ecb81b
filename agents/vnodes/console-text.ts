// What of a serial console line is text (pure). Firmware, boot loaders and the kernel's decompressor
// drive the console as a terminal: colours, cursor moves, "clear the screen" (iPXE, SeaBIOS, the
// kernel's early `ESC[2J`). Stored as such in the log store, they would garble `walt log show` and
// glue two messages into one line (the kernel banner after "Probing EDD... ok"). A screen clear ends a
// line; every other escape sequence and control character but the tab is dropped. The raw bytes stay
// in the VM's console file.

// CSI (ESC [ params intermediates final), OSC (ESC ] … BEL or ESC \), other escapes (ESC, optional
// intermediates, a final byte: ESC 7, ESC ( B), and a lone ESC cut by the line end.
// eslint-disable-next-line no-control-regex -- terminal control bytes are what this removes
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]|\x1b/g;
// Erase display (ESC [ 2 J, ESC [ 3 J, ESC [ J) and reset (ESC c): the text after it starts afresh.
// eslint-disable-next-line no-control-regex -- as above
const SCREEN_CLEAR = /\x1b\[[0-3]?J|\x1bc/;
// C0 controls and DEL, but the tab.
// eslint-disable-next-line no-control-regex -- as above
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f]/g;

const textOf = (piece: string): string => piece.replace(ESCAPES, '').replace(CONTROLS, '');

/** The text lines of one console line: one, or several where the guest cleared the screen. */
export function consoleText(line: string): string[] {
  const pieces = line.split(SCREEN_CLEAR).map(textOf);
  if (pieces.length === 1) return pieces;
  const kept = pieces.filter((piece) => piece.trim() !== '');
  return kept.length > 0 ? kept : [''];
}
