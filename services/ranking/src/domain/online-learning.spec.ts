import { expectedCalibrationError, logLoss, reliabilityTable } from './calibration';
import { createSimulatedWorld, meanOf, runSimulation } from './click-simulation';
import { FtrlModel } from './ftrl';
import { baselines, evaluateModel, shouldPromote } from './model-gate';

/**
 * The "done when" for online learning: in a simulated shop with a hidden click model and
 * position bias, FTRL trained online from the served lists raises the CTR of what is served over
 * the first rounds, compared with the untrained model on the very same requests, and its click
 * probabilities are calibrated on held-out impressions.
 */
describe('online learning in a simulated shop', () => {
  const ROUNDS = 1000;
  const HELD_OUT = 500;
  const world = createSimulatedWorld({ seed: 7 });
  const untrained = runSimulation(world, new FtrlModel(), { rounds: ROUNDS, learn: false, heldOutRounds: HELD_OUT, seed: 11 });
  const model = new FtrlModel();
  const trained = runSimulation(world, model, { rounds: ROUNDS, learn: true, heldOutRounds: HELD_OUT, seed: 11 });

  const early = meanOf(trained.ctrByRound, 0, 200);
  const lateTrained = meanOf(trained.ctrByRound, ROUNDS / 2, ROUNDS);
  const lateUntrained = meanOf(untrained.ctrByRound, ROUNDS / 2, ROUNDS);
  const ece = expectedCalibrationError(trained.heldOutPredictions);
  const heldOutLoss = logLoss(trained.heldOutPredictions);
  // On the same impressions: the untrained model's and the best constant's log loss.
  const untrainedLoss = evaluateModel(new FtrlModel(), trained.heldOutExamples).logLoss;
  const constantLoss = baselines(trained.heldOutExamples).constantCtrLogLoss;

  it('reports its numbers', () => {
    const table = reliabilityTable(trained.heldOutPredictions)
      .filter((b) => b.count > 0)
      .map((b) => `[${b.lower.toFixed(1)},${b.upper.toFixed(1)}) n=${b.count} predicted ${b.meanPredicted.toFixed(3)} observed ${b.observedRate.toFixed(3)}`);
    console.log(
      [
        `CTR rounds 0-199 (learning): ${early.toFixed(4)}`,
        `CTR rounds ${ROUNDS / 2}-${ROUNDS - 1}: untrained ${lateUntrained.toFixed(4)}, learning ${lateTrained.toFixed(4)} (×${(lateTrained / lateUntrained).toFixed(2)})`,
        `held-out (${trained.heldOutPredictions.length} impressions): ECE ${ece.toFixed(4)}, log loss ${heldOutLoss.toFixed(4)} (untrained ${untrainedLoss.toFixed(4)}, best constant ${constantLoss.toFixed(4)})`,
        ...table,
      ].join('\n'),
    );
    expect(trained.impressions).toBe((ROUNDS + HELD_OUT) * world.options.listSize);
  });

  it('serves the same requests in both runs (a paired comparison)', () => {
    expect(trained.examples.map((e) => e.requestId)).toEqual(untrained.examples.map((e) => e.requestId));
  });

  it('raises the CTR of served lists over the first rounds, well above the untrained model', () => {
    expect(lateTrained).toBeGreaterThan(lateUntrained * 1.2);
    expect(lateTrained).toBeGreaterThan(early * 1.1);
    expect(meanOf(trained.ctrByRound, ROUNDS)).toBeGreaterThan(meanOf(untrained.ctrByRound, ROUNDS) * 1.2);
  });

  it('learns calibrated click probabilities: ECE below 0.05 on held-out impressions, and a better log loss than the untrained model or the best constant', () => {
    expect(ece).toBeLessThan(0.05);
    expect(heldOutLoss).toBeLessThan(untrainedLoss);
    expect(heldOutLoss).toBeLessThan(constantLoss);
    // Progressive validation over the second half of training agrees.
    expect(expectedCalibrationError(trained.predictions.slice(-5000))).toBeLessThan(0.05);
  });

  it('would be promoted by the snapshot gate, and an untrained snapshot would not replace it', () => {
    const decision = shouldPromote(model, undefined, trained.heldOutExamples);
    expect(decision.promote).toBe(true);
    expect(decision.candidate.ece).toBeLessThan(0.05);
    expect(shouldPromote(new FtrlModel(), model, trained.heldOutExamples).promote).toBe(false);
  });
});
