export { createTenantWithMembers, type TenantFixture } from './fixtures.js';
export { createTestDatabase, rawClient, type TestDatabase, useTestDatabase } from './harness.js';
export { type TestServices, testServices, withDatabase } from './services.js';
