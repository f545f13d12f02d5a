export {
  CHURN_RISK_BANDS,
  type ChurnRiskBand,
  TenantHealthScore,
  type TenantHealthScoreEntity,
} from './health-score.entity.js';
export {
  churnRiskOf,
  computeHealthScore,
  HEALTH_WEIGHTS,
  type HealthComponent,
  type HealthScore,
  NEUTRAL,
  recordHealthScore,
} from './health-score.js';
