/** A closed-loop load generator: `concurrency` callers, each sending its next request on answer. */
export async function measure(
  send: () => Promise<Response>,
  { concurrency = 32, seconds = 3, warmupSeconds = 1 } = {},
): Promise<{ perSecond: number; errors: number; total: number }> {
  const runFor = async (ms: number) => {
    const until = performance.now() + ms;
    let done = 0;
    let errors = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          const response = await send();
          await response.arrayBuffer();
          if (response.ok) done++;
          else errors++;
        }
      }),
    );
    return { done, errors };
  };
  const warmup = await runFor(warmupSeconds * 1000);
  const started = performance.now();
  const { done, errors } = await runFor(seconds * 1000);
  /** total counts every request sent, warm-up included, for per-request resource counts. */
  const total = warmup.done + warmup.errors + done + errors;
  return { perSecond: done / ((performance.now() - started) / 1000), errors, total };
}
