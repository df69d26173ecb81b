import type { WaltNode } from '../../api/v1alpha1/index.js';
import { dhcpConfigOf } from './config.js';
import { emptyLeases, type LeaseState } from './leases.js';
import {
  getIp,
  getString,
  MessageType,
  messageType,
  OPT,
  pxeBootMenu,
  u16Value,
  u8Value,
  ipValue,
} from './options.js';
import { decode, emptyPacket, macToBuffer, type DhcpPacket } from './packet.js';
import { respond, type RespondContext, type Response } from './responder.js';
import {
  fixtureView,
  ipxeDiscoverBytes,
  nodeObject,
  readyImage,
  rpiDiscoverBytes,
  segmentObject,
} from '../../test/support/fixtures/dhcp.js';

const NOW = 1_000_000;
const PC = '52:54:00:12:34:56';

function context(
  nodes: WaltNode[],
  mode: 'authoritative' | 'proxy' = 'authoritative',
  leases = emptyLeases(),
): RespondContext {
  const segment = segmentObject(mode);
  const platform = nodes[0]?.spec.model.startsWith('rpi') ? 'linux/arm64' : 'linux/amd64';
  return {
    config: dhcpConfigOf('lab', segment.spec),
    view: fixtureView(segment, nodes, [readyImage(['pc-x86-64', 'rpi-4-b'])], platform),
    reserved: new Map(),
    leases,
    now: NOW,
    localPort: 67,
  };
}

function request(
  mac: string,
  type: number,
  options: Array<[number, Buffer]> = [],
  ciaddr = '0.0.0.0',
): DhcpPacket {
  return {
    ...emptyPacket(),
    xid: 7,
    ciaddr,
    chaddr: macToBuffer(mac),
    options: new Map([[OPT.MESSAGE_TYPE, u8Value(type)], ...options]),
  };
}

function parsed(buf: Buffer): DhcpPacket {
  const result = decode(buf);
  if (!result.ok) throw result.error;
  return result.packet;
}

const pxe = (archCode: number): Array<[number, Buffer]> => [
  [OPT.VENDOR_CLASS, Buffer.from(`PXEClient:Arch:0000${archCode}:UNDI:002001`)],
  [OPT.CLIENT_ARCH, u16Value(archCode)],
];

function handshake(mac: string, ctx: RespondContext, options: Array<[number, Buffer]> = []): Response {
  const offer = respond(request(mac, MessageType.DISCOVER, options), ctx);
  const ip = offer.reply!.yiaddr;
  const selecting: Array<[number, Buffer]> = [
    [OPT.SERVER_ID, ipValue('10.0.0.1')],
    [OPT.REQUESTED_IP, ipValue(ip)],
    ...options,
  ];
  return respond(request(mac, MessageType.REQUEST, selecting), { ...ctx, leases: offer.leases });
}

describe('respond (authoritative)', () => {
  it('Given DISCOVER then REQUEST, then OFFER and ACK carry the address and network options', () => {
    const ctx = context([]);
    const offer = respond(request('02:00:00:00:00:01', MessageType.DISCOVER), ctx);
    expect(messageType(offer.reply!.options)).toBe(MessageType.OFFER);
    expect(offer.reply!.yiaddr).toBe('10.0.0.100');
    expect(getIp(offer.reply!.options, OPT.SUBNET_MASK)).toBe('255.255.255.0');
    expect(getIp(offer.reply!.options, OPT.SERVER_ID)).toBe('10.0.0.1');
    expect(offer.reply!.options.get(OPT.LEASE_TIME)?.readUInt32BE(0)).toBe(3600);
    expect(offer.reply!.file).toBe('');
    const ack = handshake('02:00:00:00:00:01', ctx);
    expect(messageType(ack.reply!.options)).toBe(MessageType.ACK);
    expect(ack.lease).toMatchObject({ ip: '10.0.0.100', mac: '02:00:00:00:00:01' });
  });

  it('Given two MACs, then they get different addresses', () => {
    const first = handshake('02:00:00:00:00:01', context([]));
    const second = handshake('02:00:00:00:00:02', context([], 'authoritative', first.leases));
    expect(second.reply!.yiaddr).not.toBe(first.reply!.yiaddr);
  });

  it('orders options as the PRL asks, after 53 and 54', () => {
    const offer = respond(
      request('02:00:00:00:00:01', MessageType.DISCOVER, [[OPT.PARAMETER_REQUEST_LIST, Buffer.from([6, 1])]]),
      context([]),
    );
    expect([...offer.reply!.options.keys()].slice(0, 4)).toEqual([53, 54, 6, 1]);
  });

  it('NAKs a REQUEST for an address it did not offer or on another network; ignores another server', () => {
    const ctx = context([]);
    const wrong = respond(
      request('02:00:00:00:00:01', MessageType.REQUEST, [[OPT.REQUESTED_IP, ipValue('192.168.1.5')]]),
      ctx,
    );
    expect(messageType(wrong.reply!.options)).toBe(MessageType.NAK);
    expect(wrong.reply!.yiaddr).toBe('0.0.0.0');
    const held = handshake('02:00:00:00:00:01', ctx);
    const stolen = respond(
      request('02:00:00:00:00:02', MessageType.REQUEST, [[OPT.REQUESTED_IP, ipValue('10.0.0.100')]]),
      { ...ctx, leases: held.leases },
    );
    expect(messageType(stolen.reply!.options)).toBe(MessageType.NAK);
    const other = respond(
      request('02:00:00:00:00:03', MessageType.REQUEST, [
        [OPT.SERVER_ID, ipValue('10.0.0.254')],
        [OPT.REQUESTED_IP, ipValue('10.0.0.101')],
      ]),
      ctx,
    );
    expect(other.reply).toBeUndefined();
  });

  it('ACKs a renewal (ciaddr) of its own lease', () => {
    const held = handshake('02:00:00:00:00:01', context([]));
    const renew = respond(
      request('02:00:00:00:00:01', MessageType.REQUEST, [], '10.0.0.100'),
      context([], 'authoritative', held.leases),
    );
    expect(messageType(renew.reply!.options)).toBe(MessageType.ACK);
    expect(renew.lease).toMatchObject({ ip: '10.0.0.100', renewal: true });
  });

  it('Given a first ACK, then the lease event is no renewal (the address is new to listeners)', () => {
    const ack = handshake('02:00:00:00:00:01', context([]));
    expect(ack.lease?.renewal).toBeUndefined();
  });

  it('Given DECLINE, then the address goes to nobody; given RELEASE, the address is free', () => {
    const held = handshake('02:00:00:00:00:01', context([]));
    const declined = respond(
      request('02:00:00:00:00:01', MessageType.DECLINE, [[OPT.REQUESTED_IP, ipValue('10.0.0.100')]]),
      context([], 'authoritative', held.leases),
    );
    expect(declined.reply).toBeUndefined();
    const next = respond(
      request('02:00:00:00:00:02', MessageType.DISCOVER),
      context([], 'authoritative', declined.leases),
    );
    expect(next.reply!.yiaddr).toBe('10.0.0.101');
    const released = respond(
      request('02:00:00:00:00:01', MessageType.RELEASE, [], '10.0.0.100'),
      context([], 'authoritative', held.leases),
    );
    const after = respond(
      request('02:00:00:00:00:02', MessageType.DISCOVER),
      context([], 'authoritative', released.leases),
    );
    expect(after.reply!.yiaddr).toBe('10.0.0.100');
  });

  it('Given DECLINE from a device that does not hold the address, then it is ignored and the holder keeps it', () => {
    // Given 01 holding 10.0.0.100
    const held = handshake('02:00:00:00:00:01', context([]));
    // When 02 declines it (with and without our server id)
    for (const extra of [[], [[OPT.SERVER_ID, ipValue('10.0.0.1')]]] as Array<Array<[number, Buffer]>>) {
      const forged = respond(
        request('02:00:00:00:00:02', MessageType.DECLINE, [
          [OPT.REQUESTED_IP, ipValue('10.0.0.100')],
          ...extra,
        ]),
        context([], 'authoritative', held.leases),
      );
      // Then nothing changes
      expect(forged).toMatchObject({ ignored: 'decline-not-holder' });
      expect(forged.leases).toBe(held.leases);
    }
    // And 01 renews its address
    const renew = respond(
      request('02:00:00:00:00:01', MessageType.REQUEST, [], '10.0.0.100'),
      context([], 'authoritative', held.leases),
    );
    expect(messageType(renew.reply!.options)).toBe(MessageType.ACK);
  });

  it('ignores requests that are not Ethernet (htype 1, hlen 6): a WaltNode is known by a 6-byte MAC', () => {
    const discover = request('02:00:00:00:00:01', MessageType.DISCOVER);
    for (const header of [{ htype: 6 }, { hlen: 16, chaddr: Buffer.alloc(16, 1) }, { hlen: 0 }])
      expect(respond({ ...discover, ...header }, context([]))).toMatchObject({ ignored: 'not-ethernet' });
  });

  it('stores a host name only up to 253 characters, and cuts what it logs of a discovered device', () => {
    const long = Buffer.from('h'.repeat(1000));
    const ack = handshake('02:00:00:00:00:01', context([]), [[OPT.HOSTNAME, long]]);
    expect(ack.leases.leases.get('02:00:00:00:00:01')?.hostname).toBeUndefined();
    const named = handshake('02:00:00:00:00:01', context([]), [[OPT.HOSTNAME, Buffer.from('pi-7')]]);
    expect(named.leases.leases.get('02:00:00:00:00:01')?.hostname).toBe('pi-7');
    const discovered = respond(
      request('02:00:00:00:00:09', MessageType.DISCOVER, [
        [OPT.VENDOR_CLASS, Buffer.from(`walt.node.pc-x86-64${'x'.repeat(600)}`)],
        [OPT.HOSTNAME, long],
      ]),
      context([]),
    ).discovered;
    expect(discovered?.hostname).toHaveLength(253);
    expect(discovered?.vendorClass.length).toBeLessThanOrEqual(253);
  });

  it('answers INFORM with an ACK without yiaddr nor lease time', () => {
    const ack = respond(request('02:00:00:00:00:01', MessageType.INFORM, [], '10.0.0.50'), context([]));
    expect(messageType(ack.reply!.options)).toBe(MessageType.ACK);
    expect(ack.reply!.yiaddr).toBe('0.0.0.0');
    expect(ack.reply!.ciaddr).toBe('10.0.0.50');
    expect(ack.reply!.options.has(OPT.LEASE_TIME)).toBe(false);
  });

  it.each([
    [0, 'undionly.kpxe'],
    [7, 'ipxe.efi'],
    [9, 'ipxe.efi'],
  ])('gives a known PXE node with arch %i the file %s', (archCode, file) => {
    const offer = respond(
      request(PC, MessageType.DISCOVER, pxe(archCode)),
      context([nodeObject('pc1', PC, 'pc-x86-64')]),
    );
    expect(offer.reply!.file).toBe(file);
    expect(offer.reply!.siaddr).toBe('10.0.0.1');
    expect(getString(offer.reply!.options, OPT.BOOTFILE_NAME)).toBe(file);
    expect(getString(offer.reply!.options, OPT.TFTP_SERVER_NAME)).toBe('10.0.0.1');
    expect(getString(offer.reply!.options, OPT.HOSTNAME)).toBe('pc1');
  });

  it('gives an arm64 UEFI node snponly-arm64.efi', () => {
    const mac = '02:00:00:00:00:09';
    const offer = respond(
      request(mac, MessageType.DISCOVER, pxe(11)),
      context([nodeObject('r', mac, 'rpi-4-b')]),
    );
    expect(offer.reply!.file).toBe('snponly-arm64.efi');
  });

  it('gives iPXE the HTTP script URL', () => {
    const offer = respond(parsed(ipxeDiscoverBytes()), context([nodeObject('pc1', PC, 'pc-x86-64')]));
    expect(offer.reply!.file).toBe('http://10.0.0.1/ipxe/boot.ipxe');
  });

  it('gives a Raspberry Pi option 60 PXEClient and the "Raspberry Pi Boot" menu', () => {
    const offer = respond(
      parsed(rpiDiscoverBytes()),
      context([nodeObject('pi', 'dc:a6:32:01:02:03', 'rpi-4-b')]),
    );
    expect(getString(offer.reply!.options, OPT.VENDOR_CLASS)).toBe('PXEClient');
    expect(pxeBootMenu(offer.reply!.options.get(OPT.VENDOR_SPECIFIC))).toEqual([
      { type: 0, text: 'Raspberry Pi Boot' },
    ]);
    expect(offer.reply!.siaddr).toBe('10.0.0.1');
  });

  it('sends a PXE node whose image is not ready to iPXE (its HTTP script waits and retries)', () => {
    const node = {
      ...nodeObject('pc1', PC, 'pc-x86-64'),
      spec: { ...nodeObject('pc1', PC, 'pc-x86-64').spec, image: 'lab/missing' },
    };
    const offer = respond(request(PC, MessageType.DISCOVER, pxe(0)), context([node]));
    expect(offer.reply!.yiaddr).toBe('10.0.0.2');
    expect(offer.reply!.file).not.toBe('');
  });

  it('gives a node whose image is not ready and that has no iPXE (u-boot) an address but no boot file', () => {
    const node = {
      ...nodeObject('pc1', PC, 'pc-x86-64'),
      spec: { ...nodeObject('pc1', PC, 'pc-x86-64').spec, image: 'lab/missing' },
    };
    const walt = [[OPT.VENDOR_CLASS, Buffer.from('walt.node.pc-x86-64')]] as Array<[number, Buffer]>;
    const offer = respond(request(PC, MessageType.DISCOVER, walt), context([node]));
    expect(offer.reply!.yiaddr).toBe('10.0.0.2');
    expect(offer.reply!.file).toBe('');
    expect(offer.reply!.options.has(OPT.BOOTFILE_NAME)).toBe(false);
  });

  it('tells u-boot the TFTP server, known or not (it names its files: the probe script or its own)', () => {
    const mac = '52:54:00:aa:bb:01';
    const uboot = [
      [OPT.VENDOR_CLASS, Buffer.from('U-Boot.armv8')],
      [OPT.CLIENT_ARCH, Buffer.from([0, 0x16])],
    ] as Array<[number, Buffer]>;
    const offer = respond(request(mac, MessageType.DISCOVER, uboot), context([]));
    expect(offer.reply!.siaddr).toBe('10.0.0.1');
    expect(getString(offer.reply!.options, OPT.TFTP_SERVER_NAME)).toBe('10.0.0.1');
    expect(offer.reply!.file).toBe('');
    // u-boot is not a discovered node until it announces a model
    expect(offer.discovered).toBeUndefined();
    const announced = [[OPT.VENDOR_CLASS, Buffer.from('walt.node.qemu-arm-64')]] as Array<[number, Buffer]>;
    const second = respond(request(mac, MessageType.DISCOVER, announced), context([]));
    expect(second.reply!.siaddr).toBe('10.0.0.1');
    expect(second.discovered).toMatchObject({ mac, model: 'qemu-arm-64' });
  });

  it('gives a node its status ip', () => {
    const node = { ...nodeObject('pc1', PC, 'pc-x86-64'), status: { ip: '10.0.0.42' } };
    expect(respond(request(PC, MessageType.DISCOVER, pxe(0)), context([node])).reply!.yiaddr).toBe(
      '10.0.0.42',
    );
  });

  it('reports an unknown walt node with its model, and an unknown PXE PC not', () => {
    const walt = respond(
      request('02:00:00:00:00:05', MessageType.DISCOVER, [
        [OPT.VENDOR_CLASS, Buffer.from('walt.node.pc-x86-64')],
      ]),
      context([]),
    );
    expect(walt.discovered).toMatchObject({ mac: '02:00:00:00:00:05', model: 'pc-x86-64', ip: '10.0.0.100' });
    expect(walt.reply!.file).toBe('');
    expect(
      respond(request('02:00:00:00:00:06', MessageType.DISCOVER, pxe(0)), context([])).discovered,
    ).toBeUndefined();
  });
});

describe('respond (proxy)', () => {
  it('never sets yiaddr and answers a known PXE node with boot info on 67 and 4011', () => {
    const ctx = context([nodeObject('pc1', PC, 'pc-x86-64')], 'proxy');
    const offer = respond(request(PC, MessageType.DISCOVER, pxe(0)), ctx);
    expect(messageType(offer.reply!.options)).toBe(MessageType.OFFER);
    expect(offer.reply!.yiaddr).toBe('0.0.0.0');
    expect(offer.reply!.file).toBe('undionly.kpxe');
    expect(getString(offer.reply!.options, OPT.VENDOR_CLASS)).toBe('PXEClient');
    const ack = respond(request(PC, MessageType.REQUEST, pxe(0), '10.0.0.77'), { ...ctx, localPort: 4011 });
    expect(messageType(ack.reply!.options)).toBe(MessageType.ACK);
    expect(ack.reply!.yiaddr).toBe('0.0.0.0');
    expect(ack.reply!.file).toBe('undionly.kpxe');
    expect(respond(request(PC, MessageType.REQUEST, pxe(0)), ctx).reply).toBeUndefined();
    expect(respond(request('02:00:00:00:00:01', MessageType.DISCOVER), ctx).reply).toBeUndefined();
  });
});

describe('respond (PXE client UUID, option 97)', () => {
  const uuid = Buffer.concat([Buffer.from([0]), Buffer.from('00112233445566778899aabbccddeeff', 'hex')]);

  it('echoes the UUID a PXE ROM sent, in offers and ACKs, authoritative and proxy', () => {
    const node = nodeObject('pc1', PC, 'pc-x86-64');
    const withUuid: Array<[number, Buffer]> = [...pxe(0), [OPT.CLIENT_UUID, uuid]];
    const offer = respond(request(PC, MessageType.DISCOVER, withUuid), context([node]));
    expect(offer.reply!.options.get(OPT.CLIENT_UUID)).toEqual(uuid);
    const proxy = context([node], 'proxy');
    expect(
      respond(request(PC, MessageType.DISCOVER, withUuid), proxy).reply!.options.get(OPT.CLIENT_UUID),
    ).toEqual(uuid);
    const ack = respond(request(PC, MessageType.REQUEST, withUuid, '10.0.0.77'), {
      ...proxy,
      localPort: 4011,
    });
    expect(ack.reply!.options.get(OPT.CLIENT_UUID)).toEqual(uuid);
  });

  it('echoes nothing the client did not send, nor a malformed UUID, nor to a non-PXE client', () => {
    const node = nodeObject('pc1', PC, 'pc-x86-64');
    const ctx = context([node]);
    expect(respond(request(PC, MessageType.DISCOVER, pxe(0)), ctx).reply!.options.has(OPT.CLIENT_UUID)).toBe(
      false,
    );
    const short: Array<[number, Buffer]> = [...pxe(0), [OPT.CLIENT_UUID, uuid.subarray(0, 9)]];
    expect(respond(request(PC, MessageType.DISCOVER, short), ctx).reply!.options.has(OPT.CLIENT_UUID)).toBe(
      false,
    );
    const plain = respond(request(PC, MessageType.DISCOVER, [[OPT.CLIENT_UUID, uuid]]), ctx);
    expect(plain.reply!.options.has(OPT.CLIENT_UUID)).toBe(false);
  });
});

describe('respond (other)', () => {
  it('ignores replies and mode off', () => {
    const ctx = context([]);
    expect(respond({ ...request(PC, MessageType.DISCOVER), op: 2 }, ctx).reply).toBeUndefined();
    expect(
      respond(request(PC, MessageType.DISCOVER), { ...ctx, config: { ...ctx.config, mode: 'off' } }).reply,
    ).toBeUndefined();
  });

  it('keeps the lease state immutable', () => {
    const leases: LeaseState = emptyLeases();
    respond(request(PC, MessageType.DISCOVER), context([], 'authoritative', leases));
    expect(leases).toEqual(emptyLeases());
  });
});
