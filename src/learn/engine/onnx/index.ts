export {
  createOnnxEngine,
  EXECUTION_PROVIDERS,
  type ExecutionProvider,
  type OnnxEngineOptions,
} from './engine.js';
