import { parse } from 'yaml';
import { ERR_CLI_BAD_OUTPUT } from '../client/errors.js';
import { isWaltError } from '../common/errors.js';
import {
  formatSize,
  parseOutputFormat,
  renderColumns,
  renderObjects,
  shortDigest,
  type Column,
} from './output.js';
import { node } from '../test/support/fixtures/walt-objects.js';
import { IMAGE_COLUMNS, NODE_COLUMNS } from './views.js';
import { image } from '../test/support/fixtures/walt-objects.js';
import type { WaltNode } from '../api/v1alpha1/index.js';

describe('parseOutputFormat', () => {
  it('defaults to a table and knows json, yaml, wide and name', () => {
    expect(parseOutputFormat(undefined)).toBe('table');
    for (const f of ['json', 'yaml', 'wide', 'name']) expect(parseOutputFormat(f)).toBe(f);
    let error: unknown;
    try {
      parseOutputFormat('xml');
    } catch (e) {
      error = e;
    }
    expect(isWaltError(error, ERR_CLI_BAD_OUTPUT)).toBe(true);
  });
});

describe('renderColumns', () => {
  it('pads columns three spaces apart, without trailing spaces', () => {
    expect(
      renderColumns([
        ['NAME', 'IP', 'X'],
        ['vn1', '192.168.152.10', 'a'],
        ['a-longer-name', '', ''],
      ]),
    ).toBe('NAME            IP               X\nvn1             192.168.152.10   a\na-longer-name\n');
  });
});

describe('renderObjects', () => {
  const vn1 = node('vn1', { virtual: true, phase: 'Ready', image: 'lab/debian' });
  vn1.status!.ip = '192.168.152.10';
  const pi = node('pi', {
    model: 'rpi-4-b',
    claimedBy: { namespace: 'lab', name: 'exp1', image: 'lab/exp' },
  });
  pi.metadata.managedFields = [{ manager: 'walt-cli' }];

  it('prints the node table, with <none> for what is missing, and more columns when wide', () => {
    expect(renderObjects([vn1, pi], 'table', NODE_COLUMNS)).toBe(
      [
        'NAME   MODEL       IP               IMAGE        PHASE    CLAIMED-BY',
        'vn1    pc-x86-64   192.168.152.10   lab/debian   Ready    <none>',
        // IMAGE: what it boots, the claim's image over spec.image
        'pi     rpi-4-b     <none>           lab/exp      <none>   lab/exp1',
        '',
      ].join('\n'),
    );
    const wide = renderObjects([vn1], 'wide', NODE_COLUMNS).split('\n')[0]!.split(/\s+/);
    expect(wide).toEqual([
      'NAME',
      'MODEL',
      'IP',
      'IMAGE',
      'PHASE',
      'CLAIMED-BY',
      'TYPE',
      'MAC',
      'SEGMENT',
      'BOOTED-IMAGE',
    ]);
    expect(renderObjects([], 'table', NODE_COLUMNS)).toBe('');
  });

  it('prints a v1 List in JSON or YAML, without managed fields', () => {
    const json = JSON.parse(renderObjects([vn1, pi], 'json', NODE_COLUMNS)) as {
      kind: string;
      items: WaltNode[];
    };
    expect(json.kind).toBe('List');
    expect(json.items.map((n) => n.metadata.name)).toEqual(['vn1', 'pi']);
    expect(json.items[1]!.metadata.managedFields).toBeUndefined();
    expect(pi.metadata.managedFields).toHaveLength(1);
    const yaml = parse(renderObjects([vn1], 'yaml', NODE_COLUMNS)) as { items: WaltNode[] };
    expect(yaml.items[0]!.spec.image).toBe('lab/debian');
  });

  it('prints kind.group/name lines', () => {
    expect(renderObjects([vn1, pi], 'name', NODE_COLUMNS)).toBe(
      'waltnode.walt.dev/vn1\nwaltnode.walt.dev/pi\n',
    );
  });

  it('prints images with a short digest, models, size and readiness', () => {
    const img = image('debian', {
      digest: `sha256:0123456789abcdef${'0'.repeat(48)}`,
      models: ['pc-x86-64', 'rpi-4-b'],
      size: 119_537_664,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Ready',
          message: 'ok',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    });
    const [header, row] = renderObjects([img], 'table', IMAGE_COLUMNS).split('\n');
    expect(header!.split(/\s{3,}/)).toEqual(['NAME', 'REF', 'DIGEST', 'MODELS', 'SIZE', 'READY']);
    expect(row!.split(/\s{3,}/)).toEqual([
      'debian',
      'registry.example.org/walt/debian:latest',
      'sha256:0123456789ab',
      'pc-x86-64,rpi-4-b',
      '114MiB',
      'True',
    ]);
  });

  it('shows columns in order, skipping wide ones unless asked', () => {
    const columns: Column<{ a: string }>[] = [
      { header: 'A', value: (x) => x.a },
      { header: 'W', value: () => 'w', wide: true },
    ];
    const rows = [{ a: 'x' } as unknown as WaltNode];
    expect(renderObjects(rows, 'table', columns as never)).toBe('A\nx\n');
  });
});

describe('formatSize and shortDigest', () => {
  it('write sizes in binary units and digests shortened', () => {
    expect(formatSize(512)).toBe('512B');
    expect(formatSize(1536)).toBe('1.5KiB');
    expect(formatSize(119_537_664)).toBe('114MiB');
    expect(formatSize(undefined)).toBeUndefined();
    expect(shortDigest(`sha256:${'f'.repeat(64)}`)).toBe('sha256:ffffffffffff');
    expect(shortDigest(undefined)).toBeUndefined();
  });
});
