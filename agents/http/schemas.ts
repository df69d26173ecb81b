// JSON schemas of request parts shared by the routes, and what to tell a client that got one wrong.

export const MAC_PATTERN = '^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$';
export const IPV4_PATTERN =
  '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$';
export const NODE_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DIGEST_PATTERN = '^sha256:[0-9a-f]{64}$';
/** A node's boot: Linux's /proc/sys/kernel/random/boot_id, a UUID (any short token is accepted). */
export const BOOT_ID_PATTERN = '^[0-9A-Za-z-]{1,64}$';

export const macSchema = { type: 'string', pattern: MAC_PATTERN } as const;
export const ipv4Schema = { type: 'string', pattern: IPV4_PATTERN } as const;
export const nodeNameSchema = { type: 'string', maxLength: 63, pattern: NODE_NAME_PATTERN } as const;
export const digestSchema = { type: 'string', pattern: DIGEST_PATTERN } as const;
export const bootIdSchema = { type: 'string', pattern: BOOT_ID_PATTERN } as const;
/** A file path under a boot directory: no NUL byte, bounded. */
export const filePathSchema = { type: 'string', maxLength: 1024, pattern: '^[^\\u0000]*$' } as const;

const BOOT_ID_HINT =
  'give the boot id of the node (/proc/sys/kernel/random/boot_id): letters, digits and "-", at most 64';

/** What to send instead, by the name of the offending field. */
export const FIELD_HINTS: Readonly<Record<string, string>> = {
  mac: 'give a MAC address as six hex pairs, e.g. ?mac=52:54:00:12:34:56 (from iPXE: ?mac=${net0/mac})',
  node_ip: 'give the IPv4 address of the node, e.g. ?node_ip=192.168.152.10',
  ip: 'give the IPv4 address of the node, e.g. "ip": "192.168.152.10"',
  name: 'give a WaltNode name: lowercase letters, digits and "-", at most 63',
  node: 'give a WaltNode name: lowercase letters, digits and "-", at most 63',
  imageDigest: 'give the image digest as sha256:<64 lowercase hex digits>',
  bootId: BOOT_ID_HINT,
  boot: BOOT_ID_HINT,
  '*': 'give a file path without NUL bytes, at most 1024 characters',
};

export const DEFAULT_HINT = 'see the route description in agents/http/server.ts';
