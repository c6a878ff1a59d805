// The one place the UI reaches the Rust side. Everything else imports from here,
// so UI logic stays testable without Tauri.
import { invoke } from "@tauri-apps/api/core";
import { commands, events, type ErrorCode, type ErrorKey, type IpcError } from "./bindings";
import type {
  AdminGate,
  AdminStatus_Serialize,
  ConnectionCheck_Serialize,
  Profile,
  ApplicantDetails_Deserialize,
  AppStatus_Serialize,
  CameraStarted_Serialize,
  CameraView,
  CaptureView,
  DocumentChoice,
  Impairment,
  KioskEvent_Serialize,
  LiveFeedback_Serialize,
  Language,
  OperatingMode,
  LiveStats,
  RecentApplicant,
  OutboxView_Serialize,
  Drained_Serialize,
  Scenario,
  SessionView_Serialize,
  Slot,
} from "./bindings";

export type { RecentApplicant, CameraView, DocumentChoice } from "./bindings";
export type OutboxView = OutboxView_Serialize;
/** Why sessions cannot be kept for later on this kiosk. */
export type NoOutbox = NonNullable<OutboxView["problem"]>;
export type Drained = Drained_Serialize;
export type { ErrorCode, ErrorKey, IpcError, OperatingMode, OutOfService, OutOfServiceCause, Profile, Slot, DocumentType, ProblemCode, Impairment, Scenario, CaptureView, LiveStats, Phase } from "./bindings";
export type AppStatus = AppStatus_Serialize;
export type SessionView = SessionView_Serialize;
export type CameraStarted = CameraStarted_Serialize;
export type KioskEvent = KioskEvent_Serialize;
export type LiveFeedback = LiveFeedback_Serialize;
export type AdminStatus = AdminStatus_Serialize;
export type ConnectionCheck = ConnectionCheck_Serialize;
export type { AdminGate } from "./bindings";
export type ApplicantDetails = ApplicantDetails_Deserialize;
export type OutcomeView = NonNullable<SessionView_Serialize["outcome"]>;
/** A picture the review asked to take again, with why. */
export type RetryView = Extract<OutcomeView, { kind: "retry" }>["items"][number];

type CommandResult<T> = { status: "ok"; data: T } | { status: "error"; error: IpcError };

/**
 * A command that failed: the backend's stable code for the UI to branch on,
 * and the message key and values to show it in the person's language.
 */
export class BackendError extends Error {
  readonly code: ErrorCode;
  readonly key: ErrorKey;
  readonly params: Record<string, string>;
  readonly correlationId: string | null;
  constructor(error: IpcError) {
    super(error.message);
    this.name = "BackendError";
    this.code = error.code;
    this.key = error.key;
    this.params = error.params;
    this.correlationId = error.correlation_id ?? null;
  }
}

/** Turns a command's result into its value, or throws a `BackendError`. */
export async function unwrap<T>(result: Promise<CommandResult<T>>): Promise<T> {
  const r = await result;
  if (r.status === "ok") return r.data;
  throw new BackendError(r.error);
}

/**
 * A photo file's bytes go to the kiosk as the raw request body (a JSON array
 * of numbers would be four times the file and slow to build).
 */
async function importPhoto(slot: Slot, bytes: Uint8Array): Promise<CaptureView> {
  try {
    return await invoke<CaptureView>("import_photo", bytes, { headers: { slot } });
  } catch (e) {
    if (e && typeof e === "object" && "code" in e && "key" in e) throw new BackendError(e as IpcError);
    throw e;
  }
}

/** Where the kiosk's pictures are served: a scheme of the window's own, no network port. */
export function pictureBase(userAgent: string): string {
  return /Windows|Android/.test(userAgent) ? "http://kiosk.localhost" : "kiosk://localhost";
}

const base = typeof navigator === "undefined" ? "kiosk://localhost" : pictureBase(navigator.userAgent);

/** The next live frame after `after`, at most `width` pixels wide, or null when none came within a second. */
export async function nextPreviewFrame(after: number, width: number): Promise<{ seq: number; blob: Blob } | null> {
  const response = await fetch(`${base}/preview?after=${after}&width=${Math.round(width)}`, { cache: "no-store" });
  if (response.status !== 200) return null;
  const seq = Number(response.headers.get("X-Frame-Seq") ?? after + 1);
  return { seq, blob: await response.blob() };
}

export const stillUrl = (slot: Slot, version: number): string => `${base}/still/${slot}?v=${version}`;

/** The picture of `slot` the service rejected (kept in memory until its retake is accepted). */
export const rejectedUrl = (slot: Slot, version: number): string => `${base}/rejected/${slot}?v=${version}`;

export const backend = {
  appStatus: (): Promise<AppStatus> => unwrap(commands.appStatus()),
  /** An out-of-service kiosk checks again; the status says whether it is back. */
  tryAgain: (): Promise<AppStatus> => unwrap(commands.tryAgain()),
  startSession: (details: ApplicantDetails): Promise<SessionView> => unwrap(commands.startSession(details)),
  chooseDocument: (choice: DocumentChoice): Promise<SessionView> => unwrap(commands.chooseDocument(choice)),
  startCamera: (slot: Slot): Promise<CameraStarted> => unwrap(commands.startCamera(slot)),
  stopCamera: (run: number): Promise<null> => unwrap(commands.stopCamera(run)),
  cameraStats: (): Promise<LiveStats | null> => unwrap(commands.cameraStats()),
  takePhoto: (slot: Slot): Promise<CaptureView> => unwrap(commands.takePhoto(slot)),
  cameras: (): Promise<CameraView[]> => unwrap(commands.cameras()),
  chooseCamera: (id: string): Promise<null> => unwrap(commands.chooseCamera(id)),
  importPhoto: (slot: Slot, bytes: Uint8Array): Promise<CaptureView> => importPhoto(slot, bytes),
  acceptPhoto: (slot: Slot, override: boolean): Promise<SessionView> => unwrap(commands.acceptPhoto(slot, override)),
  retake: (slot: Slot): Promise<SessionView> => unwrap(commands.retake(slot)),
  submit: (): Promise<SessionView> => unwrap(commands.submit()),
  correctDetails: (details: ApplicantDetails): Promise<SessionView> => unwrap(commands.correctDetails(details)),
  currentSession: (): Promise<SessionView | null> => unwrap(commands.currentSession()),
  endSession: (): Promise<null> => unwrap(commands.endSession()),
  /** The language shown now: the service writes its comments for the applicant in it. */
  setLanguage: (language: Language): Promise<null> => unwrap(commands.setLanguage(language)),
  setTrainingOutcome: (outcome: Scenario): Promise<null> => unwrap(commands.setTrainingOutcome(outcome)),
  setSampleImpairment: (impairment: Impairment): Promise<null> => unwrap(commands.setSampleImpairment(impairment)),
  recentApplicants: (): Promise<RecentApplicant[]> => unwrap(commands.recentApplicants()),
  outboxStatus: (): Promise<OutboxView> => unwrap(commands.outboxStatus()),
  sendOutbox: (): Promise<Drained> => unwrap(commands.sendOutbox()),
  adminGate: (): Promise<AdminGate> => unwrap(commands.adminGate()),
  adminUnlock: (pin: string): Promise<null> => unwrap(commands.adminUnlock(pin)),
  adminClose: (): Promise<null> => unwrap(commands.adminClose()),
  adminStatus: (): Promise<AdminStatus> => unwrap(commands.adminStatus()),
  /** Write-only: the secret goes in, only a masked status comes back. */
  adminSetCredentials: (appToken: string, secretKey: string): Promise<AdminStatus> =>
    unwrap(commands.adminSetCredentials(appToken, secretKey)),
  adminSetWebhookSecret: (secret: string): Promise<AdminStatus> => unwrap(commands.adminSetWebhookSecret(secret)),
  adminClearCredentials: (): Promise<AdminStatus> => unwrap(commands.adminClearCredentials()),
  adminSetPin: (current: string | null, pin: string): Promise<AdminStatus> => unwrap(commands.adminSetPin(current, pin)),
  adminSaveSettings: (profile: Profile, levelName: string): Promise<AdminStatus> =>
    unwrap(commands.adminSaveSettings(profile, levelName)),
  adminVerifyConnection: (): Promise<ConnectionCheck> => unwrap(commands.adminVerifyConnection()),
  adminSetMode: (mode: OperatingMode): Promise<AdminStatus> => unwrap(commands.adminSetMode(mode)),
  restartKiosk: (): Promise<null> => unwrap(commands.restartKiosk()),
  quitKiosk: (): Promise<null> => unwrap(commands.quitKiosk()),
  /** Calls `handler` for every kiosk event; returns the function that stops listening. */
  onEvent: (handler: (event: KioskEvent) => void): Promise<() => void> =>
    events.kioskEventMessage.listen((e) => handler(e.payload as KioskEvent)),
};
