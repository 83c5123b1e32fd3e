import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * GETs `path` (none when null), again every `refreshMs` when given; keeps the last data while
 * reloading so polled views do not flicker.
 */
export function useApi<T>(path: string | null, refreshMs?: number): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const lastPath = useRef<string | null>(null);

  useEffect(() => {
    if (path === null) return;
    if (lastPath.current !== path) {
      lastPath.current = path;
      setData(undefined);
      setLoading(true);
    }
    const controller = new AbortController();
    api.get<T>(path, controller.signal).then(
      (body) => {
        setData(body);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err instanceof Error ? err : new Error(String(err)));
        setLoading(false);
      },
    );
    let timer: number | undefined;
    if (refreshMs) timer = window.setTimeout(() => setTick((n) => n + 1), refreshMs);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [path, refreshMs, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}
