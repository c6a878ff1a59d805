import { describe, expect, it } from "vitest";
import type { ApplicantDetails, AppStatus, DocumentChoice, LiveFeedback, OutcomeView, SessionView, Slot } from "./backend";
import { KioskFlow, type FlowBackend } from "./flow.svelte";

function status(over: Partial<AppStatus> = {}): AppStatus {
  return {
    product: "Onboard Kiosk",
    version: "0",
    mode: "training",
    profile: "attendant",
    idle_timeout_secs: 90,
    notice: null,
    out_of_service: null,
    sample_camera: true,
    training_outcomes: [],
    sample_impairments: [],
    ...over,
  };
}

function session(toCapture: Slot[], over: Partial<SessionView> = {}): SessionView {
  return {
    external_user_id: "kiosk-1",
    applicant_id: "a1",
    document: "id_card",
    steps: ["front", "back", "selfie"],
    to_capture: toCapture,
    captures: [],
    attempt: 1,
    max_attempts: 3,
    phase: "capturing",
    outcome: null,
    ...over,
  };
}

/** A backend in memory: answers as told, and records what the flow asked. */
class FakeBackend implements FlowBackend {
  calls: string[] = [];
  app = status();
  current: SessionView | null = null;
  submitted: SessionView = session([], { phase: "waiting" });
  failStart: Error | null = null;

  async appStatus() {
    this.calls.push("appStatus");
    return this.app;
  }
  async tryAgain() {
    this.calls.push("tryAgain");
    return this.app;
  }
  async currentSession() {
    this.calls.push("currentSession");
    return this.current;
  }
  async startSession(details: ApplicantDetails) {
    this.calls.push(`startSession:${details.email ?? ""}`);
    if (this.failStart) throw this.failStart;
    this.current = session([]);
    return this.current;
  }
  async chooseDocument(choice: DocumentChoice) {
    this.calls.push(`chooseDocument:${choice.document_type}:${choice.country}`);
    this.current = session(["front", "back", "selfie"]);
    return this.current;
  }
  async submit() {
    this.calls.push("submit");
    this.current = this.submitted;
    return this.submitted;
  }
  async correctDetails() {
    this.calls.push("correctDetails");
    return session([], { phase: "waiting" });
  }
  async endSession() {
    this.calls.push("endSession");
    this.current = null;
    return null;
  }
  async adminClose() {
    this.calls.push("adminClose");
    return null;
  }
}

async function loaded(fake: FakeBackend): Promise<KioskFlow> {
  const flow = new KioskFlow(fake, (e) => `said: ${e instanceof Error ? e.message : "?"}`);
  await flow.load();
  return flow;
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("the flow store", () => {
  it("takes a staffed kiosk from Start through details, document and each picture to sending", async () => {
    const fake = new FakeBackend();
    const flow = await loaded(fake);
    flow.start();
    expect(flow.screen).toBe("details");
    await flow.beginSession({ email: "a@b.de", phone: null, first_name: null, last_name: null, date_of_birth: null });
    expect(flow.screen).toBe("document");
    await flow.chooseDocument("id_card", "DEU");
    expect(fake.calls).toContain("chooseDocument:id_card:DEU");
    expect([flow.screen, flow.slot, flow.stepNumber]).toEqual(["capture", "front", 1]);
    const key = flow.captureKey;

    fake.current = session(["back", "selfie"]);
    await flow.accepted();
    expect([flow.screen, flow.slot, flow.stepNumber]).toEqual(["capture", "back", 2]);
    expect(flow.captureKey).toBe(key + 1);

    fake.current = session([]);
    await flow.accepted();
    expect(flow.screen).toBe("submit");
    await flow.send();
    expect(flow.screen).toBe("waiting");
  });

  it("starts a self-service session at once, with nothing entered", async () => {
    const fake = new FakeBackend();
    fake.app = status({ profile: "self_service" });
    const flow = await loaded(fake);
    flow.start();
    await settle();
    expect(fake.calls).toContain("startSession:");
    expect(flow.screen).toBe("document");
  });

  it("shows a failed command in words and stays on the screen", async () => {
    const fake = new FakeBackend();
    fake.failStart = new Error("unreachable");
    const flow = await loaded(fake);
    flow.start();
    await flow.beginSession({ email: null, phone: null, first_name: null, last_name: null, date_of_birth: null });
    expect([flow.screen, flow.error, flow.busy]).toEqual(["details", "said: unreachable", false]);
  });

  it("follows the review's events to the outcome", async () => {
    const fake = new FakeBackend();
    const flow = await loaded(fake);
    flow.start();
    await flow.beginSession({ email: null, phone: null, first_name: null, last_name: null, date_of_birth: null });
    await flow.chooseDocument("passport", "ESP");
    fake.current = session([]);
    await flow.accepted();
    await flow.send();
    flow.onEvent({ kind: "review", status: "pending" });
    flow.onEvent({ kind: "review", status: "pending" });
    flow.onEvent({ kind: "review", status: "queued" });
    expect(flow.reviewStatuses).toEqual(["pending", "queued"]);
    const approved = { kind: "approved" } as OutcomeView;
    flow.onEvent({ kind: "outcome", outcome: approved });
    await settle();
    expect([flow.screen, flow.outcome]).toEqual(["result", approved]);
  });

  it("without a network shows the queued session as its result", async () => {
    const fake = new FakeBackend();
    const queued = { kind: "queued", waiting: 2 } as OutcomeView;
    fake.submitted = session([], { phase: "queued", outcome: queued });
    const flow = await loaded(fake);
    await flow.send();
    expect([flow.screen, flow.outcome]).toEqual(["result", queued]);
  });

  it("feedback and auto-capture count only for the picture on screen", async () => {
    const flow = await loaded(new FakeBackend());
    await flow.chooseDocument("id_card", "DEU");
    const feedback: LiveFeedback = {
      problems: [],
      streak: 1,
      needed: 3,
      sharpness: null,
      brightness: null,
      glare_fraction: null,
      document: null,
      frame_width: 1280,
      frame_height: 720,
    };
    flow.onEvent({ kind: "feedback", slot: "back", feedback });
    flow.onEvent({ kind: "auto_captured", slot: "back" });
    expect([flow.feedback, flow.autoCaptured]).toEqual([null, 0]);
    flow.onEvent({ kind: "feedback", slot: "front", feedback });
    flow.onEvent({ kind: "auto_captured", slot: "front" });
    expect([flow.feedback, flow.autoCaptured]).toEqual([feedback, 1]);
  });

  it("a kiosk going out of service wipes the session, but not the admin area", async () => {
    const fake = new FakeBackend();
    const flow = await loaded(fake);
    await flow.chooseDocument("id_card", "DEU");
    fake.app = status({ out_of_service: { cause: "credentials_refused", detail: "", since: "" } });
    flow.onEvent({ kind: "availability", in_service: false });
    await settle();
    await settle();
    expect([flow.screen, flow.session]).toEqual(["welcome", null]);
    expect(fake.calls).toContain("endSession");

    flow.go("admin");
    fake.calls = [];
    flow.onEvent({ kind: "availability", in_service: false });
    await settle();
    expect(flow.screen).toBe("admin");
    expect(fake.calls).not.toContain("endSession");
  });

  it("leaving the admin area closes it, and a wipe forgets everything shown", async () => {
    const fake = new FakeBackend();
    const flow = await loaded(fake);
    await flow.chooseDocument("id_card", "DEU");
    flow.onEvent({ kind: "failed", message: "x" });
    flow.go("admin");
    await flow.wipe();
    expect(fake.calls.slice(-2)).toEqual(["adminClose", "endSession"]);
    expect([flow.screen, flow.session, flow.error, flow.outcome]).toEqual(["welcome", null, null, null]);
  });

  it("a retake knows why the review asked for it, and a first capture does not", async () => {
    const fake = new FakeBackend();
    const flow = await loaded(fake);
    await flow.chooseDocument("id_card", "DEU");
    expect(flow.retake).toBeNull();
    const retry: OutcomeView = {
      kind: "retry",
      items: [{ slot: "back", comment: null, labels: ["UNSATISFACTORY_PHOTOS"], instruction: "photo" }],
      message: null,
      attempts_left: 2,
    };
    flow.session = session(["back"], { phase: "decided", attempt: 2, outcome: retry });
    flow.nextCapture();
    expect([flow.screen, flow.slot, flow.retake?.instruction]).toEqual(["capture", "back", "photo"]);
    flow.session = session(["selfie"], { phase: "decided", attempt: 2, outcome: retry });
    expect(flow.retake).toBeNull();
  });

  it("Back from the document screen shows the details as entered, and on again keeps the session", async () => {
    const fake = new FakeBackend();
    const flow = await loaded(fake);
    flow.start();
    const anna: ApplicantDetails = { email: "anna@example.com", phone: null, first_name: "Anna", last_name: null, date_of_birth: "1990-01-31" };
    await flow.beginSession(anna);
    expect(flow.screen).toBe("document");
    await flow.back();
    expect([flow.screen, flow.details]).toEqual(["details", anna]);
    expect(fake.calls).not.toContain("endSession");
    await flow.beginSession({ ...anna });
    expect(flow.screen).toBe("document");
    expect(fake.calls.filter((c) => c.startsWith("startSession"))).toHaveLength(1);
    // Changed details start afresh.
    await flow.back();
    await flow.beginSession({ ...anna, email: "anna.weber@example.com" });
    expect(fake.calls.filter((c) => c.startsWith("startSession"))).toEqual([
      "startSession:anna@example.com",
      "startSession:anna.weber@example.com",
    ]);
    await flow.wipe();
    expect(flow.details).toBeNull();
  });

  it("Back at a self-service kiosk (no details asked) goes back to the start", async () => {
    const fake = new FakeBackend();
    fake.app = status({ profile: "self_service" });
    const flow = await loaded(fake);
    flow.start();
    await settle();
    expect(flow.screen).toBe("document");
    await flow.back();
    expect([flow.screen, fake.calls.at(-1)]).toEqual(["welcome", "endSession"]);
  });

  it("Cancel ends at once when nothing was entered, and asks first once something was", async () => {
    const fake = new FakeBackend();
    fake.app = status({ profile: "self_service" });
    const flow = await loaded(fake);
    flow.start();
    await settle();
    await flow.chooseDocument("id_card", "DEU");
    await flow.cancel();
    expect([flow.screen, flow.confirmingCancel, fake.calls.at(-1)]).toEqual(["welcome", false, "endSession"]);

    // A picture kept: asked; staying keeps the session.
    flow.start();
    await settle();
    await flow.chooseDocument("id_card", "DEU");
    fake.current = session(["back", "selfie"], {
      captures: [{ slot: "front", width: 1280, height: 800, problems: [], accepted: true, overridden: false, uploaded: false, zone: null }],
    });
    await flow.accepted();
    const ends = fake.calls.filter((c) => c === "endSession").length;
    await flow.cancel();
    expect([flow.screen, flow.confirmingCancel]).toEqual(["capture", true]);
    await flow.confirmCancel(false);
    expect([flow.screen, flow.confirmingCancel, flow.session?.captures.length]).toEqual(["capture", false, 1]);
    expect(fake.calls.filter((c) => c === "endSession")).toHaveLength(ends);
    await flow.cancel();
    await flow.confirmCancel(true);
    expect([flow.screen, flow.confirmingCancel, flow.session]).toEqual(["welcome", false, null]);
    expect(fake.calls.filter((c) => c === "endSession")).toHaveLength(ends + 1);
  });

  it("Cancel asks once details were entered, or a form holds input not yet sent", async () => {
    const fake = new FakeBackend();
    const flow = await loaded(fake);
    flow.start();
    await flow.cancel(true);
    expect([flow.screen, flow.confirmingCancel]).toEqual(["details", true]);
    await flow.confirmCancel(false);
    await flow.cancel(false);
    expect([flow.screen, flow.confirmingCancel]).toEqual(["welcome", false]);
    flow.start();
    await flow.beginSession({ email: null, phone: null, first_name: "Anna", last_name: null, date_of_birth: null });
    await flow.cancel();
    expect([flow.screen, flow.confirmingCancel]).toEqual(["document", true]);
  });
});
