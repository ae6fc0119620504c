import type { FieldError } from "@threads-agent/contracts";

/** An error meant for the client: its status, a stable type slug, and a message safe to show. */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly errors: FieldError[] | undefined;

  constructor(status: number, code: string, title: string, detail: string, errors?: FieldError[]) {
    super(detail);
    this.name = "AppError";
    this.status = status;
    this.code = code;
    this.title = title;
    this.errors = errors;
  }
}

export class ValidationFailed extends AppError {
  constructor(errors: FieldError[], detail?: string) {
    super(400, "validation-failed", "Invalid request", detail ?? errors.map((e) => `${e.field}: ${e.message}`).join("; "), errors);
  }
}

export class Unauthorized extends AppError {
  constructor(detail = "A valid API key is required: send 'Authorization: Bearer <key>'") {
    super(401, "unauthorized", "Unauthorized", detail);
  }
}

export class NotFound extends AppError {
  constructor(what: string, id: string) {
    super(404, "not-found", "Not found", `${what} ${JSON.stringify(id)} does not exist`);
  }
}

export class Conflict extends AppError {
  constructor(detail: string, code = "conflict") {
    super(409, code, "Conflict", detail);
  }
}

export class Unprocessable extends AppError {
  constructor(detail: string, code = "unprocessable", errors?: FieldError[]) {
    super(422, code, "Unprocessable request", detail, errors);
  }
}

export class ServiceUnavailable extends AppError {
  constructor(detail: string) {
    super(503, "unavailable", "Service unavailable", detail);
  }
}

export class TooManyRequests extends AppError {
  constructor(detail: string) {
    super(429, "rate-limited", "Too many requests", detail);
  }
}
