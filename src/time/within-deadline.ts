/** Resolves with the call's answer, or undefined past the deadline (the call goes on and fills the caches). */
export async function withinDeadline<T>(
  call: Promise<T>,
  deadlineMs: number | undefined,
): Promise<T | undefined> {
  if (deadlineMs === undefined) return call;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), deadlineMs);
  });
  // A late answer must never surface as an unhandled rejection.
  call.catch(() => {});
  const answer = await Promise.race([call, timedOut]);
  clearTimeout(timer);
  return answer;
}
