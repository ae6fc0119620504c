/**
 * A failure the agent reports as its `error` event: `code` is stable for machines, `message` is
 * what the user reads in the dashboard (the launcher shows it as the variation's reason).
 */
export class AgentError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 1) {
    super(message);
    this.name = "AgentError";
    this.code = code;
    this.exitCode = exitCode;
  }
}
