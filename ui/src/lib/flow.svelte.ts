// The onboarding flow as one store: which screen shows, driven by what the
// backend answers and the events it sends. Components show it and call its
// actions; none of them decides where the flow goes next.
import type {
  ApplicantDetails,
  AppStatus,
  DocumentChoice,
  DocumentType,
  KioskEvent,
  LiveFeedback,
  OutcomeView,
  RetryView,
  Scenario,
  SessionView,
  Slot,
} from "./backend";

export type Screen =
  | "welcome"
  | "details"
  | "document"
  | "capture"
  | "submit"
  | "waiting"
  | "result"
  | "correct"
  | "recent"
  | "admin";

/** What the flow needs of the backend (the real one, or a fake in tests). */
export interface FlowBackend {
  appStatus(): Promise<AppStatus>;
  tryAgain(): Promise<AppStatus>;
  currentSession(): Promise<SessionView | null>;
  startSession(details: ApplicantDetails): Promise<SessionView>;
  chooseDocument(choice: DocumentChoice): Promise<SessionView>;
  submit(): Promise<SessionView>;
  correctDetails(details: ApplicantDetails): Promise<SessionView>;
  endSession(): Promise<null>;
  adminClose(): Promise<null>;
}

const noDetails: ApplicantDetails = { email: null, phone: null, first_name: null, last_name: null, date_of_birth: null };

export class KioskFlow {
  status = $state<AppStatus | null>(null);
  /** The kiosk's status could not be read at all. */
  failed = $state(false);
  screen = $state<Screen>("welcome");
  session = $state<SessionView | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);
  feedback = $state<LiveFeedback | null>(null);
  autoCaptured = $state(0);
  cameraLost = $state<string | null>(null);
  /** Per image being sent: the share of it sent so far. */
  uploads = $state<Record<number, number>>({});
  reviewStatuses = $state<string[]>([]);
  outcome = $state<OutcomeView | null>(null);
  /** What the person entered, kept while the session lasts so *Back* shows it again. */
  details = $state<ApplicantDetails | null>(null);
  /** Training: the review outcome chosen for the next person (each choice is one person's). */
  trainingOutcome = $state<Scenario>("green");
  /** Bumped for every capture screen, so each starts afresh. */
  captureKey = $state(0);
  recentVersion = $state(0);
  outboxVersion = $state(0);
  /** *Cancel* was pressed with something entered: the kiosk asks before it deletes it. */
  confirmingCancel = $state(false);

  /** The picture to take now, if any. */
  readonly slot: Slot | null = $derived(this.session?.to_capture[0] ?? null);
  /** Its place among the session's pictures (1-based; 0 when none). */
  readonly stepNumber: number = $derived(this.session && this.slot ? this.session.steps.indexOf(this.slot) + 1 : 0);
  /** Why the picture to take now is a retake: the review's item for it, if the review asked for it. */
  readonly retake: RetryView | null = $derived.by(() => {
    const outcome = this.session?.outcome;
    if (outcome?.kind !== "retry" || !this.slot) return null;
    return outcome.items.find((i) => i.slot === this.slot) ?? null;
  });

  constructor(
    private readonly backend: FlowBackend,
    /** A failed command in the person's language. */
    private readonly describe: (e: unknown) => string,
  ) {}

  /** Reads the kiosk's status once, at the start. */
  async load(): Promise<void> {
    try {
      this.status = await this.backend.appStatus();
    } catch {
      this.failed = true;
    }
  }

  /** Takes an event from the backend into the flow. */
  onEvent(e: KioskEvent): void {
    switch (e.kind) {
      case "feedback":
        if (e.slot === this.slot) this.feedback = e.feedback;
        break;
      case "auto_captured":
        if (e.slot === this.slot) this.autoCaptured += 1;
        break;
      case "camera_lost":
        this.cameraLost = e.reason;
        break;
      case "upload":
        this.uploads = { ...this.uploads, [e.image]: e.total ? (e.sent ?? 0) / e.total : 0 };
        break;
      case "review":
        if (this.reviewStatuses[this.reviewStatuses.length - 1] !== e.status) {
          this.reviewStatuses = [...this.reviewStatuses, e.status];
        }
        break;
      case "outcome":
        this.outcome = e.outcome;
        void this.refresh().then(() => (this.screen = "result"));
        break;
      case "failed":
        this.error = e.message;
        break;
      case "recent":
        this.recentVersion += 1;
        break;
      case "outbox":
        this.outboxVersion += 1;
        break;
      case "availability":
        void this.backend.appStatus().then((s) => {
          this.status = s;
          // Out of service: the person's session is gone; back to the start (admin stays open).
          if (s.out_of_service && this.screen !== "admin") void this.wipe();
        });
        break;
    }
  }

  /**
   * *Back* from the document screen: the details again, as entered (a staffed
   * kiosk); a self-service kiosk asked none, so it goes back to the start.
   */
  back(): Promise<void> {
    if (this.status?.profile === "self_service" || !this.details) return this.wipe();
    this.error = null;
    this.screen = "details";
    return Promise.resolve();
  }

  /** Opens the admin area or the recent applicants (staff), or back to the start. */
  go(screen: "admin" | "recent" | "welcome" | "correct" | "result"): void {
    this.screen = screen;
  }

  /** The Start button: a staffed kiosk asks for details first; self-service goes straight on. */
  start(): void {
    this.error = null;
    if (this.status?.profile === "self_service") void this.beginSession({ ...noDetails });
    else this.screen = "details";
  }

  beginSession(details: ApplicantDetails): Promise<void> {
    // Back from the document screen and on again, unchanged: the session goes on.
    const unchanged =
      this.session?.phase === "capturing" &&
      this.session.captures.length === 0 &&
      this.details !== null &&
      JSON.stringify(this.details) === JSON.stringify(details);
    if (unchanged) {
      this.screen = "document";
      return Promise.resolve();
    }
    return this.run(async () => {
      this.session = await this.backend.startSession(details);
      this.details = details;
      // The kiosk gave the chosen outcome to this person; the next one's is approved.
      this.trainingOutcome = "green";
      this.screen = "document";
    });
  }

  chooseDocument(type: DocumentType, country: string): Promise<void> {
    return this.run(async () => {
      this.session = await this.backend.chooseDocument({ document_type: type, country });
      this.nextCapture();
    });
  }

  /** The next picture to take, or the submission when none is left. */
  nextCapture(): void {
    this.feedback = null;
    this.cameraLost = null;
    this.captureKey += 1;
    this.screen = this.session && this.session.to_capture.length > 0 ? "capture" : "submit";
  }

  /** A picture was kept: on to the next step. */
  async accepted(): Promise<void> {
    await this.refresh();
    this.nextCapture();
  }

  send(): Promise<void> {
    return this.run(async () => {
      this.uploads = {};
      this.reviewStatuses = [];
      this.outcome = null;
      this.session = await this.backend.submit();
      // Without a connection the session waits in the outbox: say so, and let staff finish.
      if (this.session.phase === "queued" && this.session.outcome) {
        this.outcome = this.session.outcome;
        this.screen = "result";
      } else {
        this.screen = "waiting";
      }
    });
  }

  correct(details: ApplicantDetails): Promise<void> {
    return this.run(async () => {
      this.reviewStatuses = [];
      this.outcome = null;
      this.session = await this.backend.correctDetails(details);
      this.screen = "waiting";
    });
  }

  /** An out-of-service kiosk checks again; true when it is back in service. */
  async tryAgain(): Promise<boolean> {
    this.status = await this.backend.tryAgain();
    return !this.status.out_of_service;
  }

  /**
   * *Cancel* (or *Back* from the first step): ends the session at once when
   * nothing was entered yet, else asks first. `entered`: the screen holds
   * input the flow has not seen yet (a form being filled in).
   */
  cancel(entered = false): Promise<void> {
    const details = this.details !== null && Object.values(this.details).some((v) => v !== null);
    const photos = (this.session?.captures.length ?? 0) > 0;
    if (entered || details || photos) {
      this.confirmingCancel = true;
      return Promise.resolve();
    }
    return this.wipe();
  }

  /** The answer to the cancel question. */
  confirmCancel(wipe: boolean): Promise<void> {
    this.confirmingCancel = false;
    return wipe ? this.wipe() : Promise.resolve();
  }

  /** Ends the session: camera off, pictures and entered data dropped, back to the start. */
  async wipe(): Promise<void> {
    // Leaving the admin area (or walking away from it) closes it: the PIN is asked again.
    if (this.screen === "admin") await this.backend.adminClose().catch(() => undefined);
    await this.backend.endSession().catch(() => undefined);
    this.session = null;
    this.details = null;
    this.outcome = null;
    this.feedback = null;
    this.uploads = {};
    this.reviewStatuses = [];
    this.error = null;
    this.cameraLost = null;
    this.confirmingCancel = false;
    this.screen = "welcome";
  }

  private async refresh(): Promise<void> {
    this.session = await this.backend.currentSession();
  }

  private async run(action: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await action();
    } catch (e) {
      this.error = this.describe(e);
    } finally {
      this.busy = false;
    }
  }
}
