export { hashPassword, needsRehash, PASSWORD_HASH_OPTIONS, verifyPassword } from './password.js';
export { normalizeEmail, User, type UserEntity } from './user.entity.js';
export { findOrCreateUser } from './user.service.js';
