import { router } from '../trpc.js';

export const operationsRouter = router({});
