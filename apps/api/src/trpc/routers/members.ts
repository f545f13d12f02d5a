import { router } from '../trpc.js';

export const membersRouter = router({});
