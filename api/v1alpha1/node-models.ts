// The node models the testbed knows: one row per model. Adding a board means adding a row here.
// `platform` is the OCI platform an image must provide for the model (used to pick a manifest from
// an image index); `firmware` says how the board reaches its second-stage boot script.

export type Firmware = 'rpi' | 'u-boot' | 'pxe';

export interface NodeModel {
  platform: { os: 'linux'; architecture: 'amd64' | '386' | 'arm64' | 'arm'; variant?: 'v6' | 'v7' | 'v8' };
  firmware: Firmware;
}

export const NODE_MODELS = {
  'rpi-b': { platform: { os: 'linux', architecture: 'arm', variant: 'v6' }, firmware: 'u-boot' },
  'rpi-b-plus': { platform: { os: 'linux', architecture: 'arm', variant: 'v6' }, firmware: 'u-boot' },
  'rpi-2-b': { platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, firmware: 'u-boot' },
  'rpi-3-b': { platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, firmware: 'u-boot' },
  'rpi-3-b-plus': { platform: { os: 'linux', architecture: 'arm64' }, firmware: 'rpi' },
  'rpi-4-b': { platform: { os: 'linux', architecture: 'arm64' }, firmware: 'rpi' },
  'rpi-400': { platform: { os: 'linux', architecture: 'arm64' }, firmware: 'rpi' },
  'rpi-5-b': { platform: { os: 'linux', architecture: 'arm64' }, firmware: 'rpi' },
  'pc-x86-64': { platform: { os: 'linux', architecture: 'amd64' }, firmware: 'pxe' },
  'pc-x86-32': { platform: { os: 'linux', architecture: '386' }, firmware: 'pxe' },
  'qemu-x86-64': { platform: { os: 'linux', architecture: 'amd64' }, firmware: 'pxe' },
  'qemu-arm-32': { platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, firmware: 'u-boot' },
  'qemu-arm-64': { platform: { os: 'linux', architecture: 'arm64' }, firmware: 'u-boot' },
  'coral-dev-board': { platform: { os: 'linux', architecture: 'arm64' }, firmware: 'u-boot' },
  'nanopi-r5c': { platform: { os: 'linux', architecture: 'arm64' }, firmware: 'u-boot' },
} as const satisfies Record<string, NodeModel>;

export type NodeModelName = keyof typeof NODE_MODELS;

export const NODE_MODEL_NAMES = Object.keys(NODE_MODELS) as NodeModelName[];

export function isNodeModel(value: string): value is NodeModelName {
  return Object.hasOwn(NODE_MODELS, value);
}
