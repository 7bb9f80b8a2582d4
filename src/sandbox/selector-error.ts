/** Raised for selectors the apiserver would reject with 400 BadRequest; the message is the apiserver's. */
export class SelectorError extends Error {
  override name = 'SelectorError';
}
