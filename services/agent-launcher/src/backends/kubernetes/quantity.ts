// Kubernetes resource quantities ("250m", "1.5", "512Mi", "1G"), parsed only as far as config
// validation needs: to refuse malformed values and limits below requests at start-up, not at the
// first Job creation.
const SUFFIX: Record<string, number> = {
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
};
const QUANTITY = /^(\d+(?:\.\d+)?|\.\d+)(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/;

/** The value in base units (cores or bytes), or null when it is not a quantity. */
export function parseQuantity(value: string): number | null {
  const match = QUANTITY.exec(value.trim());
  if (!match) return null;
  return Number(match[1]) * (SUFFIX[match[2] ?? ""] as number);
}
