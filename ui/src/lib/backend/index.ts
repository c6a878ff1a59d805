// The one place the UI reaches the Rust side. Everything else imports from here,
// so UI logic stays testable without Tauri.
import { commands, type AppStatus, type ErrorCode, type IpcError } from "./bindings";

export type { AppStatus, ErrorCode, IpcError, Mode, Profile } from "./bindings";

type CommandResult<T> = { status: "ok"; data: T } | { status: "error"; error: IpcError };

/** A command that failed, with the backend's stable code for the UI to branch on. */
export class BackendError extends Error {
  readonly code: ErrorCode;
  constructor(error: IpcError) {
    super(error.message);
    this.name = "BackendError";
    this.code = error.code;
  }
}

/** Turns a command's result into its value, or throws a `BackendError`. */
export async function unwrap<T>(result: Promise<CommandResult<T>>): Promise<T> {
  const r = await result;
  if (r.status === "ok") return r.data;
  throw new BackendError(r.error);
}

export const backend = {
  appStatus: (): Promise<AppStatus> => unwrap(commands.appStatus()),
};
