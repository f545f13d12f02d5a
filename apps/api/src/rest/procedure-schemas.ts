import type { AnyProcedure, AnyRouter } from '@trpc/server';
import type { z } from 'zod';

/**
 * The zod schemas a procedure declared with .input() and .output(), read from the router so the
 * REST document describes exactly what the procedure validates.
 */
export function procedureSchemas(router: AnyRouter, path: string): { input: z.ZodType | null; output: z.ZodType } {
  const procedure = (router._def.procedures as Record<string, AnyProcedure | undefined>)[path];
  if (!procedure) throw new Error(`no procedure ${path}`);
  const [input, ...more] = procedure._def.inputs as z.ZodType[];
  if (more.length > 0) throw new Error(`${path}: procedures mirrored over REST declare a single input schema`);
  // Declared by .output(); tRPC keeps it on the definition but does not type it there.
  const output = (procedure._def as { output?: z.ZodType }).output;
  if (!output) throw new Error(`${path}: procedures mirrored over REST declare an output schema`);
  return { input: input ?? null, output };
}
