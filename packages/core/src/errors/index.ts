export { DOMAIN_ERROR_CODES, DomainError, type DomainErrorCode, type DomainErrorOptions } from './domain-error.js';
