// Hand-built packets and a fixture view shared by the DHCP unit tests.
import type { WaltImage, WaltNode, WaltSegment } from '../../api/v1alpha1/index.js';
import type { BootView } from '../netboot/gate.js';

/** A 236-byte BOOTP header (op 1, ethernet), then the magic cookie. */
export function header(
  mac: number[],
  fields: { op?: number; xid?: number; flags?: number; ciaddr?: number[] } = {},
): number[] {
  const bytes = new Array<number>(240).fill(0);
  bytes[0] = fields.op ?? 1;
  bytes[1] = 1;
  bytes[2] = 6;
  const xid = fields.xid ?? 0x12345678;
  bytes.splice(4, 4, (xid >>> 24) & 0xff, (xid >>> 16) & 0xff, (xid >>> 8) & 0xff, xid & 0xff);
  bytes.splice(10, 2, ((fields.flags ?? 0) >> 8) & 0xff, (fields.flags ?? 0) & 0xff);
  if (fields.ciaddr) bytes.splice(12, 4, ...fields.ciaddr);
  bytes.splice(28, 6, ...mac);
  bytes.splice(236, 4, 99, 130, 83, 99);
  return bytes;
}

export const ascii = (text: string): number[] => [...Buffer.from(text, 'latin1')];

export const PC_MAC = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
export const RPI_MAC = [0xdc, 0xa6, 0x32, 0x01, 0x02, 0x03];

/** A PXE BIOS DISCOVER from iPXE: options 53, 55, 60, 77, 93, 94, 97, 175. */
export function ipxeDiscoverBytes(): Buffer {
  const vci = ascii('PXEClient:Arch:00000:UNDI:002001');
  const uuid = [0, ...Array.from({ length: 16 }, (_, i) => i + 1)];
  return Buffer.from([
    ...header(PC_MAC, { flags: 0x8000 }),
    53,
    1,
    1,
    55,
    5,
    1,
    3,
    6,
    66,
    67,
    60,
    vci.length,
    ...vci,
    77,
    4,
    ...ascii('iPXE'),
    93,
    2,
    0,
    0,
    94,
    3,
    1,
    2,
    1,
    97,
    17,
    ...uuid,
    175,
    6,
    0xb1,
    1,
    1,
    0x13,
    1,
    1,
    255,
  ]);
}

/** The Raspberry Pi 4 EEPROM bootloader's DISCOVER. */
export function rpiDiscoverBytes(): Buffer {
  const vci = ascii('PXEClient:Arch:00000:UNDI:002001');
  return Buffer.from([
    ...header(RPI_MAC),
    53,
    1,
    1,
    55,
    14,
    1,
    3,
    43,
    60,
    66,
    67,
    128,
    129,
    130,
    131,
    132,
    133,
    134,
    135,
    60,
    vci.length,
    ...vci,
    93,
    2,
    0,
    0,
    94,
    3,
    1,
    2,
    1,
    97,
    17,
    0,
    ...new Array<number>(16).fill(0x42),
    255,
  ]);
}

export const SEGMENT = 'lab';
export const DIGEST = 'sha256:' + 'a'.repeat(64);
export const MANIFEST = 'sha256:' + 'b'.repeat(64);

export function segmentObject(mode: 'authoritative' | 'proxy' | 'off' = 'authoritative'): WaltSegment {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltSegment',
    metadata: { name: SEGMENT },
    spec: {
      interface: 'br0',
      subnet: '10.0.0.0/24',
      serverAddress: '10.0.0.1',
      domain: 'walt',
      dnsServers: ['10.0.0.1'],
      dhcp: { mode, range: { start: '10.0.0.100', end: '10.0.0.102' }, leaseTime: '1h' },
      autoRegister: true,
      nat: { enabled: false },
    },
  };
}

export function nodeObject(
  name: string,
  mac: string,
  model: string,
  extra: Partial<WaltNode> = {},
): WaltNode {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltNode',
    metadata: { name },
    spec: { mac, model, segment: SEGMENT, image: 'lab/img', settings: { netsetup: 'LAN' } },
    ...extra,
  } as WaltNode;
}

export function readyImage(models: string[]): WaltImage {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltImage',
    metadata: { name: 'img', namespace: 'lab' },
    spec: { ref: 'example/img:1', models },
    status: {
      digest: DIGEST,
      models,
      segments: [
        {
          segment: SEGMENT,
          digest: DIGEST,
          manifests: [MANIFEST],
          conditions: [
            {
              type: 'Unpacked',
              status: 'True',
              reason: 'Done',
              message: '',
              lastTransitionTime: '2026-01-01T00:00:00Z',
            },
          ],
        },
      ],
    },
  } as WaltImage;
}

export function fixtureView(
  segment: WaltSegment,
  nodes: WaltNode[],
  images: WaltImage[],
  platform = 'linux/amd64',
): BootView & { nodes(): WaltNode[] } {
  return {
    segment: (name) => (name === segment.metadata.name ? segment : undefined),
    nodeByMac: (mac) => nodes.find((n) => n.spec.mac.toLowerCase() === mac),
    image: (namespace, name) =>
      images.find((i) => i.metadata.namespace === namespace && i.metadata.name === name),
    rootfsOf: (digest) => (digest === MANIFEST ? { path: '/var/lib/walt/rootfs/x', platform } : undefined),
    nodes: () => nodes,
  };
}
