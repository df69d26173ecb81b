import { isWaltError } from '../common/errors.js';
import { InvalidReference } from './errors.js';
import { formatReference, parseReference, registryBaseUrl, type ImageReference } from './reference.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('parseReference', () => {
  const valid: Array<[string, ImageReference]> = [
    ['busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    ['busybox:1.36', { registry: 'docker.io', repository: 'library/busybox', tag: '1.36' }],
    [
      'waltplatform/rpi-default',
      { registry: 'docker.io', repository: 'waltplatform/rpi-default', tag: 'latest' },
    ],
    ['docker.io/debian', { registry: 'docker.io', repository: 'library/debian', tag: 'latest' }],
    ['index.docker.io/debian:12', { registry: 'docker.io', repository: 'library/debian', tag: '12' }],
    ['localhost/x', { registry: 'localhost', repository: 'x', tag: 'latest' }],
    ['localhost:5000/x', { registry: 'localhost:5000', repository: 'x', tag: 'latest' }],
    [
      `127.0.0.1:5000/a/b:t@${DIGEST}`,
      { registry: '127.0.0.1:5000', repository: 'a/b', tag: 't', digest: DIGEST },
    ],
    [`ghcr.io/lab/os@${DIGEST}`, { registry: 'ghcr.io', repository: 'lab/os', digest: DIGEST }],
    ['[::1]:5000/a:v1', { registry: '[::1]:5000', repository: 'a', tag: 'v1' }],
    [
      'registry.example.com/a/b/c-d_e.f:v1.2-rc',
      { registry: 'registry.example.com', repository: 'a/b/c-d_e.f', tag: 'v1.2-rc' },
    ],
  ];

  it.each(valid)('Given %s Then it parses with Docker defaults', (text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });

  const invalid = [
    '',
    'UPPER',
    'a//b',
    'a:',
    'a@sha256:123',
    `a@md5:${'0'.repeat(32)}`,
    'host:5000/',
    'a:bad/tag',
    '-a',
  ];
  it.each(invalid)('Given %j Then it is rejected with a coded error', (text) => {
    let caught: unknown;
    try {
      parseReference(text);
    } catch (error) {
      caught = error;
    }
    expect(isWaltError(caught, InvalidReference)).toBe(true);
  });

  it('formats a reference back to its canonical text', () => {
    expect(formatReference(parseReference('busybox'))).toBe('docker.io/library/busybox:latest');
    expect(formatReference(parseReference(`localhost:5000/a@${DIGEST}`))).toBe(`localhost:5000/a@${DIGEST}`);
  });
});

describe('registryBaseUrl', () => {
  it.each([
    ['docker.io', false, 'https://registry-1.docker.io'],
    ['docker.io', true, 'https://registry-1.docker.io'],
    ['ghcr.io', false, 'https://ghcr.io'],
    ['127.0.0.1:5000', true, 'http://127.0.0.1:5000'],
  ])('Given %s (insecure %s) Then the API is at %s', (registry, insecure, url) => {
    expect(registryBaseUrl(registry, insecure)).toBe(url);
  });
});
