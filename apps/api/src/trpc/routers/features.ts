import { router } from '../trpc.js';

export const featuresRouter = router({});
