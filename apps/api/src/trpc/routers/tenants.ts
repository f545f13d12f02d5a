import { router } from '../trpc.js';

export const tenantsRouter = router({});
