import { pushScope, uploadUrl } from './push.js';

describe('push helpers', () => {
  it('asks for pull and push on the repository', () => {
    expect(pushScope('me/saved')).toBe('repository:me/saved:pull,push');
  });

  it('adds the digest to the upload location, relative or absolute, keeping its query', () => {
    const base = 'http://reg.lab:5000/v2/me/saved';
    const digest = 'sha256:' + 'a'.repeat(64);
    expect(uploadUrl('/v2/me/saved/blobs/uploads/u1?_state=s', base, digest)).toBe(
      `http://reg.lab:5000/v2/me/saved/blobs/uploads/u1?_state=s&digest=sha256%3A${'a'.repeat(64)}`,
    );
    expect(uploadUrl('https://other.lab/up/u2', base, digest)).toBe(
      `https://other.lab/up/u2?digest=sha256%3A${'a'.repeat(64)}`,
    );
  });
});
