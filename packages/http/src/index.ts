export { type CommonOptions, registerCommon, sendProblem } from "./common.ts";
export { AppError, Conflict, NotFound, ServiceUnavailable, Unauthorized, Unprocessable, ValidationFailed } from "./errors.ts";
export { parse } from "./parse.ts";
export { serverOptions } from "./server-options.ts";
