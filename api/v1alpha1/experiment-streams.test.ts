import { experimentStepStream, experimentStreamRegex } from './experiment-streams.js';

describe('experiment log streams', () => {
  it('names one stream per run step', () => {
    expect(experimentStepStream('lab', 'exp', 'uname')).toBe('experiment.lab.exp.uname');
  });

  it("selects the experiment's streams only", () => {
    const regex = new RegExp(experimentStreamRegex('lab', 'exp1'));
    expect(regex.test(experimentStepStream('lab', 'exp1', 'hello'))).toBe(true);
    expect(regex.test(experimentStepStream('lab', 'exp10', 'hello'))).toBe(false);
    expect(regex.test(experimentStepStream('lab2', 'exp1', 'hello'))).toBe(false);
    expect(regex.test('experimentxlab.exp1.hello')).toBe(false);
  });
});
