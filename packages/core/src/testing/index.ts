export { createTenantWithMembers, type TenantFixture } from './fixtures.js';
export { createTestDatabase, rawClient, type TestDatabase, useTestDatabase } from './harness.js';
export { createTestBucket, createTestFolder } from './object-stores.js';
export { type TestServiceDeps, useServiceDeps } from './service-deps.js';
export { type TestServices, testServices, withDatabase } from './services.js';
export { type ReceivedMail, SmtpReceiver, useSmtpReceiver } from './smtp-receiver.js';
export { type PlantedData, populateTenant, populateTwoTenants } from './tenant-data.js';
