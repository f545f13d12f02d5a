export { connectRedis, createRedis, evictionPolicy } from './client.js';
