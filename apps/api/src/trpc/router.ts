import { authRouter } from './routers/auth.js';
import { systemRouter } from './routers/system.js';
import { router } from './trpc.js';

/** The root router only wires the domain sub-routers together. */
export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
});

export type AppRouter = typeof appRouter;
