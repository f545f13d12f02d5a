export { DEMO_PASSWORD, type DemoSeedResult, type DemoSignIn, seedDemo } from './demo.js';
