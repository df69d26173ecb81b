// Command output kept in status: the tail, at most `limit` bytes of UTF-8 (what failed is usually at
// the end), with a first line saying how much was dropped. Pure.

/** Cuts `text` to its last `limit` UTF-8 bytes (marker included), never splitting a character. */
export function truncateTail(text: string, limit: number, alreadyDropped = 0): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= limit && alreadyDropped === 0) return text;
  if (bytes <= limit) return `[${alreadyDropped} bytes of output dropped]\n${text}`;
  const buf = Buffer.from(text);
  // The marker's length depends on the count; 40 bytes covers any count below 10^20.
  const keep = Math.max(0, limit - 40);
  let start = buf.length - keep;
  // Skip UTF-8 continuation bytes (10xxxxxx) so the kept part starts on a character.
  while (start < buf.length && (buf[start]! & 0xc0) === 0x80) start++;
  const dropped = alreadyDropped + start;
  return `[${dropped} bytes of output dropped]\n${buf.subarray(start).toString()}`;
}
