import { drawTopology } from './topology-tree.js';

describe('drawTopology', () => {
  const scanned = {
    scannedAt: '2026-12-05T10:00:00Z',
    switches: [
      {
        name: 'core',
        address: '10.0.0.1',
        ports: [
          { port: 1, name: 'ge1', peer: 'edge' },
          { port: 2, name: '2' },
          { port: 3, poe: true, peer: 'pc9' },
        ],
      },
      {
        name: 'edge',
        address: '10.0.0.2',
        parent: { name: 'core', port: 1 },
        ports: [{ port: 5, name: 'ge5', poe: true, peer: 'pi1' }],
      },
    ],
    errors: ['far: WALT_ERR_SNMP_TIMEOUT: no answer'],
  };

  it('draws switches under their parent port, ports with something plugged in, and scan errors', () => {
    expect(drawTopology('lab', scanned, { all: false })).toEqual([
      'segment lab (scanned 2026-12-05T10:00:00Z)',
      'core (10.0.0.1)',
      '├─ 1 ge1: edge',
      '│  └─ 5 ge5: pi1 (PoE)',
      '└─ 3: pc9 (PoE)',
      '! far: WALT_ERR_SNMP_TIMEOUT: no answer',
    ]);
  });

  it('lists empty ports with --all', () => {
    expect(drawTopology('lab', scanned, { all: true })).toContain('├─ 2: -');
  });
});
