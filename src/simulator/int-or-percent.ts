/**
 * intstr.GetScaledValueFromIntOrPercent: an int is itself, "25%" is 25 % of total rounded up or down. Deployments
 * round maxSurge up and maxUnavailable down; PodDisruptionBudgets round up.
 */
export function scaledValue(value: unknown, total: number, roundUp: boolean, fallback: number): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    const match = /^(\d+)%$/.exec(value);
    if (match) {
      const exact = (Number(match[1]) * total) / 100;
      return roundUp ? Math.ceil(exact) : Math.floor(exact);
    }
    if (/^\d+$/.test(value)) return Number(value);
  }
  return fallback;
}

/** The Deployment controller's ResolveFenceposts: surge rounds up, unavailable down, and not both zero. */
export function resolveFenceposts(
  maxSurge: unknown,
  maxUnavailable: unknown,
  replicas: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? '25%', replicas, true, 0);
  let unavailable = scaledValue(maxUnavailable ?? '25%', replicas, false, 0);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}
