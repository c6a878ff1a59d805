// Every string the kiosk shows, per language. English is the reference:
// a key missing in another catalogue fails the tests.
export const languages = ["en", "de", "es"] as const;
export type Language = (typeof languages)[number];

const en = {
  "language.name": "English",
  "language.choose": "Language",
  "product.name": "Onboard Kiosk",
  "training.title": "Training mode",
  "training.body": "Nothing leaves this computer: verification is simulated locally and the camera shows sample images.",
  "welcome.title": "Verify your identity in a few minutes",
  "welcome.lead": "We will photograph your identity document and take a selfie with it. The photos are checked here before they are sent.",
  "welcome.step.document.title": "Your document",
  "welcome.step.document.body": "Passport, identity card, driving licence or residence permit: front and back.",
  "welcome.step.selfie.title": "A selfie",
  "welcome.step.selfie.body": "Hold the document next to your face so it can be read.",
  "welcome.step.review.title": "The review",
  "welcome.step.review.body": "Usually within minutes. We tell you exactly what to do next.",
  "welcome.start": "Start",
  "welcome.privacy": "Photos stay in this kiosk's memory only and are erased when the session ends.",
  "profile.attendant": "Counter",
  "profile.self_service": "Self-service",
  "profile.field": "Field",
  "status.loading": "Starting…",
  "status.unavailable": "The kiosk could not start its services. Please ask a member of staff.",
} as const;

export type MessageKey = keyof typeof en;
export type Catalogue = Record<MessageKey, string>;

const de: Catalogue = {
  "language.name": "Deutsch",
  "language.choose": "Sprache",
  "product.name": "Onboard Kiosk",
  "training.title": "Übungsmodus",
  "training.body": "Nichts verlässt diesen Computer: Die Prüfung wird lokal simuliert, die Kamera zeigt Beispielbilder.",
  "welcome.title": "Identität in wenigen Minuten bestätigen",
  "welcome.lead": "Wir fotografieren Ihr Ausweisdokument und machen ein Selfie damit. Die Fotos werden hier geprüft, bevor sie gesendet werden.",
  "welcome.step.document.title": "Ihr Dokument",
  "welcome.step.document.body": "Reisepass, Personalausweis, Führerschein oder Aufenthaltstitel: Vorder- und Rückseite.",
  "welcome.step.selfie.title": "Ein Selfie",
  "welcome.step.selfie.body": "Halten Sie das Dokument lesbar neben Ihr Gesicht.",
  "welcome.step.review.title": "Die Prüfung",
  "welcome.step.review.body": "Meist in wenigen Minuten. Wir sagen Ihnen genau, wie es weitergeht.",
  "welcome.start": "Starten",
  "welcome.privacy": "Fotos bleiben nur im Arbeitsspeicher dieses Kiosks und werden am Ende der Sitzung gelöscht.",
  "profile.attendant": "Schalter",
  "profile.self_service": "Selbstbedienung",
  "profile.field": "Außendienst",
  "status.loading": "Wird gestartet…",
  "status.unavailable": "Der Kiosk konnte seine Dienste nicht starten. Bitte wenden Sie sich an das Personal.",
};

const es: Catalogue = {
  "language.name": "Español",
  "language.choose": "Idioma",
  "product.name": "Onboard Kiosk",
  "training.title": "Modo de formación",
  "training.body": "Nada sale de este ordenador: la verificación se simula localmente y la cámara muestra imágenes de ejemplo.",
  "welcome.title": "Verifique su identidad en pocos minutos",
  "welcome.lead": "Fotografiaremos su documento de identidad y haremos un selfie con él. Las fotos se comprueban aquí antes de enviarse.",
  "welcome.step.document.title": "Su documento",
  "welcome.step.document.body": "Pasaporte, documento de identidad, permiso de conducir o permiso de residencia: anverso y reverso.",
  "welcome.step.selfie.title": "Un selfie",
  "welcome.step.selfie.body": "Sostenga el documento junto a su cara de forma legible.",
  "welcome.step.review.title": "La revisión",
  "welcome.step.review.body": "Normalmente en minutos. Le diremos exactamente qué hacer a continuación.",
  "welcome.start": "Empezar",
  "welcome.privacy": "Las fotos permanecen solo en la memoria de este quiosco y se borran al terminar la sesión.",
  "profile.attendant": "Mostrador",
  "profile.self_service": "Autoservicio",
  "profile.field": "Campo",
  "status.loading": "Iniciando…",
  "status.unavailable": "El quiosco no pudo iniciar sus servicios. Por favor, pida ayuda al personal.",
};

export const catalogues: Record<Language, Catalogue> = { en, de, es };
