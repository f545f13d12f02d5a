import { router } from '../trpc.js';

export const invitationsRouter = router({});
