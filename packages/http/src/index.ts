export { type CommonOptions, notFound, registerCommon, sendProblem } from "./common.ts";
export {
  AppError,
  Conflict,
  NotFound,
  ServiceUnavailable,
  TooManyRequests,
  Unauthorized,
  Unprocessable,
  ValidationFailed,
} from "./errors.ts";
export { serverOptions } from "./server-options.ts";
export { fieldErrors, type RequestPart, useZodSchemas, validate, zodValidatorCompiler } from "./validation.ts";
