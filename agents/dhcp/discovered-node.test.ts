import type { DiscoveredDevice } from './responder.js';
import { discoveredNode } from './service.js';

const device = (mac: string, model = 'rpi-4-b'): DiscoveredDevice => ({
  mac,
  model,
  ip: '192.168.152.30',
  vendorClass: '',
  userClass: '',
  hostname: '',
});

describe('discoveredNode', () => {
  it('describes a WaltNode of the lowercase MAC the schema accepts', () => {
    expect(discoveredNode(device('DC:A6:32:01:02:03'), 'lab')?.spec).toEqual({
      mac: 'dc:a6:32:01:02:03',
      model: 'rpi-4-b',
      segment: 'lab',
    });
  });

  it.each(['01:00:5e:00:00:01', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00'])(
    'does not describe a node for %s (the apiserver would refuse it, on every packet)',
    (mac) => {
      expect(discoveredNode(device(mac), 'lab')).toBeUndefined();
    },
  );

  it('does not describe a node of an unknown model', () => {
    expect(discoveredNode(device('dc:a6:32:01:02:03', 'toaster'), 'lab')).toBeUndefined();
  });
});
