import { POSITION_FEATURE } from './features';
import { FtrlModel } from './ftrl';
import { anExample, aServedList } from './testing/ranking-factories';
import { clickLabel, gradedRelevance, groupByRequest, learn, trainingInput } from './training';

describe('training examples', () => {
  it('labels a click, or a cart or purchase that implies one', () => {
    expect(clickLabel(anExample({ clicked: true }))).toBe(true);
    expect(clickLabel(anExample({ purchased: true }))).toBe(true);
    expect(clickLabel(anExample({ addedToCart: true }))).toBe(true);
    expect(clickLabel(anExample())).toBe(false);
  });

  it('grades relevance purchase > cart > click > nothing', () => {
    expect([anExample({ purchased: true, clicked: true }), anExample({ addedToCart: true }), anExample({ clicked: true }), anExample()].map(gradedRelevance)).toEqual([3, 2, 1, 0]);
  });

  it('feeds the model the logged features plus the served position', () => {
    expect(trainingInput(anExample({ position: 2, features: { a: 1 } }))).toEqual({ a: 1, [POSITION_FEATURE]: Math.log(3) });
  });

  it('groups examples by request, each list in served order', () => {
    const lists = groupByRequest([anExample({ requestId: 'b', position: 1 }), anExample({ requestId: 'a', position: 0 }), anExample({ requestId: 'b', position: 0 })]);
    expect(lists.map((list) => list.map((e) => `${e.requestId}${e.position}`))).toEqual([['b0', 'b1'], ['a0']]);
  });

  it('learns examples in order and counts them', () => {
    const model = new FtrlModel();
    const examples = aServedList('r', [{ clicked: true, features: { good: 1 } }, { features: { bad: 1 } }]);
    expect(learn(model, [...examples, ...examples, ...examples])).toBe(6);
    expect(model.trainingCount).toBe(6);
    expect(model.weight('good')).toBeGreaterThan(model.weight('bad'));
    expect(model.weight(POSITION_FEATURE)).not.toBe(0);
  });
});
