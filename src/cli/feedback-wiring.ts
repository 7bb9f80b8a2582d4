import type { RemediationStore } from '../kube/remediation-store.js';
import type { FeedbackPoster } from '../ml/feedback-poster.js';
import { isFeedbackExample, toFeedbackExample } from '../remediation/feedback-example.js';

/**
 * Reads a just-closed Remediation record back in full (the runner's view of it lacks the spec and decision) and
 * offers it to the poster as a feedback example. Detached from the remediation cycle: it returns at once, and a
 * record that cannot be read or is not an example is counted as skipped, never thrown.
 */
export function sendFeedback(
  records: Pick<RemediationStore, 'get'>,
  poster: Pick<FeedbackPoster, 'offer' | 'skipped'>,
  at: { namespace: string; name: string },
): void {
  const where = `${at.namespace}/${at.name}`;
  records.get(at.namespace, at.name).then(
    (record) => {
      const example = record ? toFeedbackExample(record) : undefined;
      if (example && isFeedbackExample(example)) poster.offer(example);
      else if (example && 'message' in example) poster.skipped(example.message);
      else poster.skipped(`${where}: ${record ? 'still open' : 'gone'}`);
    },
    (error: unknown) => poster.skipped(`${where}: ${String(error)}`),
  );
}
