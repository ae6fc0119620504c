import { z } from "zod";

// One wording style for every validation message the API gives, including the ones no schema
// spells out: zod's defaults ("Invalid input: expected string, received number") never reach a
// client. Schemas that pass their own message keep it.

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "an object",
  array: "an array",
  null: "null",
  bigint: "a whole number",
  date: "a date",
};

const plural = (n: number | bigint, unit: string) => `${n} ${unit}${Number(n) === 1 ? "" : "s"}`;

function sizeUnit(origin: string): string | null {
  if (origin === "string") return "character";
  if (origin === "array" || origin === "set") return "item";
  if (origin === "file") return "byte";
  return null;
}

/** Our message for a zod issue, or undefined to keep the schema's own. */
export function messageFor(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case "too_small": {
      const unit = sizeUnit(String(issue.origin));
      const min = issue.minimum as number | bigint;
      if (unit) return Number(min) === 1 && unit === "character" ? "must not be empty" : `at least ${plural(min, unit)}`;
      return issue.inclusive === false ? `greater than ${min}` : `at least ${min}`;
    }
    case "too_big": {
      const unit = sizeUnit(String(issue.origin));
      const max = issue.maximum as number | bigint;
      if (unit) return `at most ${plural(max, unit)}`;
      return issue.inclusive === false ? `less than ${max}` : `at most ${max}`;
    }
    case "invalid_format":
      if (issue.format === "uuid") return "expected a UUID";
      if (issue.format === "datetime") return "expected an ISO 8601 date-time with a time zone";
      if (issue.format === "url") return "expected a URL";
      if (issue.format === "email") return "expected an email address";
      if (issue.format === "regex") return "has characters or a shape that is not allowed";
      return `expected ${issue.format}`;
    case "invalid_value":
      return issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}`
        : `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "not_multiple_of":
      return `expected a multiple of ${issue.divisor}`;
    case "unrecognized_keys":
      return `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    case "invalid_union":
      return "does not match any of the accepted shapes";
    case "invalid_key":
      return "has a key that is not allowed";
    case "invalid_element":
      return "has an element that is not allowed";
    default:
      return "is not valid";
  }
}

z.config({ customError: messageFor });
