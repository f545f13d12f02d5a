import { router } from '../trpc.js';

export const sessionsRouter = router({});
