import { router } from '../trpc.js';

export const mfaRouter = router({});
