const MAX_SHOWN = 40;

/**
 * Says what a parsed JSON value is, for error messages that report what came:
 * `a string ("5")`, `a number (3.5)`, `null`, `an array`, `an object`.
 * Strings are cut short so a message never echoes a whole body.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return `a string (${quote(value)})`;
    case "number":
      return `a number (${value})`;
    case "boolean":
      return `a boolean (${value})`;
    case "object":
      return "an object";
    default:
      return `a ${typeof value}`;
  }
}

/** A string as JSON, cut to a readable length. */
export function quote(text: string, max = MAX_SHOWN): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
