export { DOMAIN_ERROR_CODES, DomainError, type DomainErrorCode, type DomainErrorOptions } from './domain-error.js';
export { type Dependency, OUTAGE_RETRY_AFTER_SECONDS, outageError, unreachableDependency } from './outage.js';
