export { normalizeEmail, User, type UserEntity } from './user.entity.js';
export { findOrCreateUser } from './user.service.js';
