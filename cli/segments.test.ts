import { ERR_CLI_NO_SEGMENT, ERR_CLI_SEGMENT_NOT_FOUND, ERR_CLI_SEVERAL_SEGMENTS } from '../client/errors.js';
import { pickSegment } from './segments.js';
import { codeOf } from '../test/support/error-code.js';

describe('pickSegment', () => {
  it('takes the segment asked for, else the only one', () => {
    expect(pickSegment(['lab', 'lab2'], 'lab2')).toBe('lab2');
    expect(pickSegment(['lab'])).toBe('lab');
  });

  it('refuses an unknown segment, none at all, or a choice to make', () => {
    expect(codeOf(() => pickSegment(['lab'], 'nope'))).toBe(ERR_CLI_SEGMENT_NOT_FOUND.code);
    expect(codeOf(() => pickSegment([]))).toBe(ERR_CLI_NO_SEGMENT.code);
    expect(codeOf(() => pickSegment(['lab', 'lab2']))).toBe(ERR_CLI_SEVERAL_SEGMENTS.code);
  });
});
