import { useCallback, useState } from 'react';
import { type ApiProblem, apiProblem, NO_PROBLEM } from './api-problem.js';

/** One form's call in flight: `busy` disables its button, `problem` feeds its error regions. */
export function useSubmission() {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem>(NO_PROBLEM);
  const submit = useCallback(async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setProblem(NO_PROBLEM);
    try {
      return await work();
    } catch (error) {
      setProblem(apiProblem(error));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, problem, setProblem, submit };
}
