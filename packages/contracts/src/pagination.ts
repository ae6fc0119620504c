import { z } from "zod";

export const ListQuery = z.object({
  limit: z.coerce
    .number({ message: "expected a whole number" })
    .int("expected a whole number")
    .min(1, "at least 1")
    .max(200, "at most 200")
    .default(50),
  cursor: z.string().max(200).optional(),
});
