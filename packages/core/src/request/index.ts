export {
  apiCallCounterKey,
  COUNTER_TTL_SECONDS,
  type GateInput,
  type GateResult,
  hourStart,
  RequestGate,
} from './gate.js';
