/**
 * How a KServe model encodes "anomaly" in `predictions`. Real servers differ (shared/reference/ml-service.md):
 * the KServe sklearn server returns IsolationForest labels (-1 anomaly, 1 normal), the reference Flask server
 * booleans (true anomaly), other models a float score that needs a threshold. A number that does not fit the
 * configured encoding is a bad response, never silently read as "normal" or "anomaly". A boolean means the same
 * in every encoding (true: anomaly), so it is read whatever the setting: the default `sklearn` encoding works
 * against the Flask server too. Numbers are not: 1 is "normal" to sklearn and "anomaly" as a score.
 */
export const PREDICTION_ENCODINGS = ['sklearn', 'boolean', 'score'] as const;
export type PredictionEncoding = (typeof PREDICTION_ENCODINGS)[number];

export interface DecodeOptions {
  encoding: PredictionEncoding;
  scoreThreshold: number;
  labelConfidence: number;
}

export interface DecodedPrediction {
  anomaly: boolean;
  confidence: number;
  score: number;
}

/** Returns the decoded prediction, or a string saying why `raw` does not fit the encoding. */
export function decodePrediction(raw: number | boolean, options: DecodeOptions): DecodedPrediction | string {
  if (typeof raw === 'boolean')
    return { anomaly: raw, confidence: options.labelConfidence, score: raw ? 1 : 0 };
  switch (options.encoding) {
    case 'sklearn':
      if (raw === -1) return { anomaly: true, confidence: options.labelConfidence, score: 1 };
      if (raw === 1) return { anomaly: false, confidence: options.labelConfidence, score: 0 };
      return `expected an sklearn label -1 or 1, got ${JSON.stringify(raw)}`;
    case 'boolean':
      return `expected a boolean, got ${JSON.stringify(raw)}`;
    case 'score': {
      if (!Number.isFinite(raw)) return `expected a finite score, got ${JSON.stringify(raw)}`;
      const anomaly = raw >= options.scoreThreshold;
      // Scores in 0..1 read as probabilities; anything else carries no calibrated confidence.
      const inUnit = raw >= 0 && raw <= 1;
      const confidence = inUnit ? (anomaly ? raw : 1 - raw) : options.labelConfidence;
      return { anomaly, confidence, score: raw };
    }
  }
}
