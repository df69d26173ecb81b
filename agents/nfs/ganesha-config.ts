// The nfs-ganesha configuration of a segment, as a pure function of the exports the agent wants: image
// views read-only to the segment, /persist directories read-write to one node each. NFSv3 clients
// mount by pseudo path (mount_path_pseudo), so a node sees `/images/<id>` and `/persist/<node>` and
// never the agent's cache layout.
//
// Squashing (ADR 0011, docs/boot.md): an image view is read-only and is the node's root filesystem, whose
// root-only files (/etc/shadow, /root, sudoers) the node's root must read to boot: No_Root_Squash, which
// grants reads only. A /persist directory is written: every client identity is squashed to one
// unprivileged owner (All_Squash, PERSIST_OWNER), so a node's root writes files it can read and write
// back, but never a root-owned, set-uid-root or device file on the agent's disk.

export type ExportAccess = 'RO' | 'RW';

/** Who owns /persist directories and every file a node writes there (nobody:nogroup). */
export const PERSIST_OWNER = { uid: 65534, gid: 65534 } as const;

export interface ExportSpec {
  /** Stable per path for the life of the cache: a client's file handles carry it. */
  id: number;
  /** Directory on the agent. */
  path: string;
  /** What clients mount. */
  pseudo: string;
  access: ExportAccess;
  /** Addresses or CIDRs allowed; nobody else may mount. */
  clients: readonly string[];
}

export interface GaneshaConfigInput {
  bindAddress: string;
  /** Where NFSv4 client recovery records go (the agent's cache, not /var/lib). */
  recoveryRoot: string;
  exports: readonly ExportSpec[];
  nfsPort?: number;
  /** The owner writes to read-write exports are squashed to (default PERSIST_OWNER). */
  persistOwner?: { uid: number; gid: number };
}

// Config values are written verbatim between quotes: refuse anything that could close the string.
const SAFE_VALUE = /^[A-Za-z0-9._/:@+,-]+$/;

function quoted(what: string, value: string): string {
  if (!SAFE_VALUE.test(value))
    throw new Error(`unsafe ${what} for the NFS configuration: ${JSON.stringify(value)}`);
  return `"${value}"`;
}

// Client lists are bare words in ganesha's grammar: only IPv4 addresses and CIDRs get through.
const CLIENT = /^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/;

function client(value: string): string {
  if (!CLIENT.test(value))
    throw new Error(`NFS clients are IPv4 addresses or CIDRs, not ${JSON.stringify(value)}`);
  return value;
}

type Owner = NonNullable<GaneshaConfigInput['persistOwner']>;

function squashLines(access: ExportAccess, owner: Owner): string[] {
  if (access === 'RO') return ['  Squash = No_Root_Squash;'];
  for (const id of [owner.uid, owner.gid])
    if (!Number.isInteger(id) || id <= 0 || id > 0xfffffffe)
      throw new Error(`the /persist owner must be an unprivileged uid/gid, not ${id}`);
  return ['  Squash = All_Squash;', `  Anonymous_Uid = ${owner.uid};`, `  Anonymous_Gid = ${owner.gid};`];
}

function exportBlock(spec: ExportSpec, owner: Owner): string {
  const clients = spec.clients.map(client).join(', ');
  return [
    'EXPORT {',
    `  Export_Id = ${spec.id};`,
    `  Path = ${quoted('path', spec.path)};`,
    `  Pseudo = ${quoted('pseudo path', spec.pseudo)};`,
    // Nobody gets in by default; the CLIENT block names who may, and how.
    '  Access_Type = None;',
    ...squashLines(spec.access, owner),
    '  Protocols = 3, 4;',
    '  Transports = TCP;',
    '  SecType = sys;',
    // Images never change while exported: let clients cache attributes (WalT mounts with nocto).
    `  Attr_Expiration_Time = ${spec.access === 'RO' ? -1 : 0};`,
    `  CLIENT { Clients = ${clients}; Access_Type = ${spec.access}; }`,
    '  FSAL { Name = VFS; }',
    '}',
  ].join('\n');
}

/** The whole ganesha.conf. Exports with no client are left out (ganesha refuses empty lists). */
export function renderGaneshaConfig(input: GaneshaConfigInput): string {
  const core = [
    'NFS_CORE_PARAM {',
    `  Bind_addr = ${input.bindAddress};`,
    `  NFS_Port = ${input.nfsPort ?? 2049};`,
    '  Protocols = 3, 4;',
    '  mount_path_pseudo = true;',
    // Nodes mount with nolock: no NLM, no quotas.
    '  Enable_NLM = false;',
    '  Enable_RQUOTA = false;',
    '}',
    'NFSV4 {',
    // A restarted agent must not block every node for a 90 s grace period.
    '  Graceless = true;',
    '  RecoveryBackend = fs;',
    `  RecoveryRoot = ${quoted('recovery root', input.recoveryRoot)};`,
    '}',
    'NFS_KRB5 { Active_krb5 = false; }',
  ];
  const owner = input.persistOwner ?? PERSIST_OWNER;
  const exports = input.exports.filter((e) => e.clients.length > 0).map((e) => exportBlock(e, owner));
  return [...core, ...exports, ''].join('\n');
}
