import { isNodeMac } from './fields.js';

describe('isNodeMac', () => {
  it.each(['52:54:00:12:34:56', 'DC:A6:32:01:02:03', 'fe:ff:ff:ff:ff:ff', '02:00:00:00:00:00'])(
    'accepts %s',
    (mac) => {
      expect(isNodeMac(mac)).toBe(true);
    },
  );

  it.each([
    '01:00:5e:00:00:01', // IPv4 multicast
    '33:33:00:00:00:01', // IPv6 multicast
    'ff:ff:ff:ff:ff:ff', // broadcast
    '00:00:00:00:00:00',
    '52-54-00-12-34-56',
    '52:54:00:12:34',
    '52:54:00:12:34:567',
  ])('refuses %s', (mac) => {
    expect(isNodeMac(mac)).toBe(false);
  });
});
