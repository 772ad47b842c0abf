/**
 * The reference engine: the plain-TypeScript Float64 models and optimizer update. Slow, exact, and
 * the ground truth that the onnx and tfjs engines are tested against.
 */
import { referenceForward, referenceLossAndGradients } from '../models/reference.js';
import type { Parameters } from '../models/spec.js';
import { initialOptimizerState, referenceUpdate, validateOptimizer } from '../optimizers.js';
import type { EngineSession, EngineSetup, TensorEngine, TrainingState } from './engine.js';

function copyParameters(p: Parameters): Parameters {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Float64Array.from(v)]));
}

export const referenceEngine: TensorEngine = {
  name: 'reference',
  backend: 'js-f64',
  async open(setup: EngineSetup): Promise<EngineSession> {
    validateOptimizer(setup.model, setup.optimizer);
    const { model, optimizer, encodings } = setup;
    let params = copyParameters(setup.parameters);
    let state = initialOptimizerState(model);
    return {
      async step(batch) {
        const { loss, gradients } = referenceLossAndGradients(model, params, encodings, batch);
        referenceUpdate(model, optimizer, params, gradients, state);
        return loss;
      },
      async predict(batch) {
        return referenceForward(model, params, encodings, batch);
      },
      async lossAndGradients(batch) {
        return referenceLossAndGradients(model, params, encodings, batch);
      },
      async getState(): Promise<TrainingState> {
        return {
          parameters: copyParameters(params),
          optimizer: { step: state.step, m: copyParameters(state.m), v: copyParameters(state.v) },
        };
      },
      async setState(s) {
        params = copyParameters(s.parameters);
        state = {
          step: s.optimizer.step,
          m: copyParameters(s.optimizer.m),
          v: copyParameters(s.optimizer.v),
        };
      },
      async dispose() {},
    };
  },
};
