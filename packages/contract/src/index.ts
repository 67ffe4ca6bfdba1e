export * from './access.js';
export * from './auth.js';
export * from './common.js';
export * from './contacts.js';
export * from './customers.js';
export * from './health.js';
export * from './router.js';
export * from './users.js';
