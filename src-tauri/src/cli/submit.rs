//! `kioskctl submit`: the whole submission from image files.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::credentials::ApiCredentials;
use crate::review::{self, ImageRef, PollPolicy, Waited};
use crate::submission::{self, DocumentImage, Submission, SubmitError};
use crate::verification::models::{DocSide, FixedInfo, IdDocType, NewApplicant, ReviewState};
use crate::verification::{api, files, ApiError, Client};

use super::Failure;

#[derive(clap::Args)]
pub struct Args {
    /// ID_CARD, PASSPORT, DRIVERS or RESIDENCE_PERMIT.
    #[arg(long)]
    doc_type: String,
    /// Issuing country, ISO 3166-1 alpha-3 (e.g. DEU).
    #[arg(long)]
    country: String,
    #[arg(long)]
    front: PathBuf,
    /// Required for two-sided documents.
    #[arg(long)]
    back: Option<PathBuf>,
    #[arg(long)]
    selfie: PathBuf,
    /// Verification level the applicant is created at.
    #[arg(long, env = "KIOSK_LEVEL_NAME", default_value = "id-and-liveness")]
    level: String,
    /// Your reference for the applicant (default: a new random one). Submitting again with the same id continues that applicant.
    #[arg(long)]
    external_user_id: Option<String>,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    /// The applicant's names as written on the document, checked against it.
    #[arg(long)]
    first_name: Option<String>,
    #[arg(long)]
    last_name: Option<String>,
    /// Wait for the review and print its outcome.
    #[arg(long, conflicts_with = "queue")]
    wait: bool,
    /// Put the submission in the encrypted outbox instead of sending it now;
    /// `kioskctl outbox flush` (or the running kiosk) sends it.
    #[arg(long)]
    queue: bool,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// The verification service's address.
    #[arg(long, env = "KIOSK_API_URL", default_value = api::DEFAULT_BASE_URL)]
    api_url: String,
}

fn read_image(path: &Path, what: &str) -> Result<(String, &'static str, Vec<u8>), Failure> {
    let bytes = std::fs::read(path).map_err(|e| {
        Failure::BadInput(format!(
            "cannot read the {what} image {}: {e}",
            path.display()
        ))
    })?;
    let content_type = files::inspect(&bytes).map_err(|r| {
        Failure::BadInput(format!(
            "the {what} image {} cannot be sent: {}",
            path.display(),
            r.description
        ))
    })?;
    let filename = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("image")
        .to_owned();
    Ok((filename, content_type, bytes))
}

/// `KIOSK_APP_TOKEN` and `KIOSK_SECRET_KEY` when set (automation), otherwise the keychain.
pub async fn credentials() -> Result<ApiCredentials, Failure> {
    if let Some(c) = ApiCredentials::from_env() {
        return Ok(c);
    }
    let keychain = super::credentials::keychain()?;
    let stored = tokio::task::spawn_blocking(move || keychain.api_credentials())
        .await
        .map_err(|e| Failure::Failed(e.to_string()))?
        .map_err(|e| Failure::Failed(e.to_string()))?;
    stored.ok_or_else(|| {
        Failure::Failed(
            "no API credentials: store them with `kioskctl credentials set`, or set KIOSK_APP_TOKEN and KIOSK_SECRET_KEY".into(),
        )
    })
}

pub(super) fn api_failure(e: ApiError) -> Failure {
    Failure::Failed(e.to_string())
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let doc_type = IdDocType::from(args.doc_type.trim().to_ascii_uppercase().as_str());
    if !matches!(
        doc_type,
        IdDocType::IdCard | IdDocType::Passport | IdDocType::Drivers | IdDocType::ResidencePermit
    ) {
        return Err(Failure::BadInput(format!(
            "unknown document type '{}': use ID_CARD, PASSPORT, DRIVERS or RESIDENCE_PERMIT",
            args.doc_type
        )));
    }
    if doc_type.is_two_sided() && args.back.is_none() {
        return Err(Failure::BadInput(format!(
            "a {doc_type} has two sides: give the back side with --back"
        )));
    }
    if !doc_type.is_two_sided() && args.back.is_some() {
        return Err(Failure::BadInput(format!(
            "a {doc_type} has one side: leave out --back"
        )));
    }
    let country = args.country.trim().to_ascii_uppercase();
    let mut images = Vec::new();
    let sides: Vec<(&Path, Option<DocSide>, &str)> = match &args.back {
        Some(back) => vec![
            (&args.front, Some(DocSide::FrontSide), "front"),
            (back, Some(DocSide::BackSide), "back"),
        ],
        None => vec![(&args.front, None, "front")],
    };
    for (path, side, what) in sides {
        let (filename, content_type, bytes) = read_image(path, what)?;
        images.push(DocumentImage {
            doc_type: doc_type.clone(),
            side,
            country: country.clone(),
            filename,
            content_type: content_type.into(),
            bytes,
        });
    }
    let (filename, content_type, bytes) = read_image(&args.selfie, "selfie")?;
    images.push(DocumentImage {
        doc_type: IdDocType::Selfie,
        side: None,
        country: country.clone(),
        filename,
        content_type: content_type.into(),
        bytes,
    });

    let external_user_id = args
        .external_user_id
        .unwrap_or_else(|| format!("kiosk-{:016x}", rand::random::<u64>()));
    let plan = Submission {
        level_name: args.level,
        applicant: NewApplicant {
            external_user_id,
            email: args.email,
            phone: args.phone,
            fixed_info: (args.first_name.is_some() || args.last_name.is_some()).then(|| {
                FixedInfo {
                    first_name: args.first_name,
                    last_name: args.last_name,
                    ..Default::default()
                }
            }),
            ..Default::default()
        },
        images,
    };
    submission::validate(&plan).map_err(|e| Failure::BadInput(e.to_string()))?;
    if args.queue {
        return super::outbox::queue(&plan, &args.api_url, args.json).await;
    }
    let client = Client::new(&args.api_url, credentials().await?)
        .map_err(|e| Failure::BadInput(e.to_string()))?;

    let quiet = args.json;
    let receipt = submission::submit(&client, &plan, move |p| {
        if !quiet {
            use submission::SubmitProgress::*;
            match p {
                Applicant { .. } => eprintln!("applicant ready"),
                Uploaded { index, .. } => eprintln!("image {} uploaded", index + 1),
                CheckRequested => eprintln!("check requested"),
                Uploading { .. } => {}
            }
        }
    })
    .await
    .map_err(|e| match e {
        SubmitError::Invalid(m) => Failure::BadInput(m),
        e @ SubmitError::Api { .. } => Failure::Failed(e.to_string()),
    })?;

    let mut out = json!({
        "applicant_id": receipt.applicant_id,
        "external_user_id": receipt.external_user_id,
        "images": receipt.images.iter().map(|i| json!({
            "doc_type": i.doc_type,
            "side": i.side,
            "image_id": i.image_id,
        })).collect::<Vec<_>>(),
    });
    if args.wait {
        if !quiet {
            eprintln!("waiting for the review…");
        }
        let waited =
            review::wait_for_review(&client, &receipt.applicant_id, PollPolicy::default(), |s| {
                if !quiet {
                    if let Some(status) = &s.review_status {
                        eprintln!("review status: {status}");
                    }
                }
            })
            .await
            .map_err(api_failure)?;
        let state = match waited {
            Waited::Completed(s) | Waited::StillWaiting(s) => s,
        };
        out["outcome"] = outcome(
            &client,
            &receipt.applicant_id,
            &state,
            &receipt.image_refs(),
        )
        .await?;
    }
    if args.json {
        println!("{out}");
    } else {
        println!(
            "applicant {} (external id {})",
            receipt.applicant_id, receipt.external_user_id
        );
        for i in &receipt.images {
            let side = i.side.as_ref().map(|s| format!(" {s}")).unwrap_or_default();
            println!("  {}{side}: image {}", i.doc_type, i.image_id);
        }
        if let Some(o) = out.get("outcome") {
            println!("review: {}", human_outcome(o));
        }
    }
    Ok(())
}

/// The `outcome` object `submit --wait` and `watch` print.
pub(super) async fn outcome(
    client: &Client,
    applicant_id: &str,
    state: &ReviewState,
    images: &[ImageRef],
) -> Result<serde_json::Value, Failure> {
    let steps = client
        .required_docs_status(applicant_id)
        .await
        .map_err(api_failure)?;
    let outcome = review::interpret(state, &steps, images);
    Ok(serde_json::to_value(review::report(state, &outcome)).expect("outcome serialises"))
}

pub(super) fn human_outcome(o: &serde_json::Value) -> String {
    let s = |k: &str| o.get(k).and_then(|v| v.as_str()).unwrap_or("");
    // The service's words, else the instruction for its labels (never the codes).
    let why = |fallback: &str| -> String {
        let comment = s("moderation_comment").trim().to_owned();
        if !comment.is_empty() {
            return comment;
        }
        o["retry"][0]["instruction"]
            .as_str()
            .unwrap_or(fallback)
            .to_owned()
    };
    match (s("answer"), s("reject_type")) {
        ("GREEN", _) => "approved".into(),
        ("RED", "FINAL") => format!(
            "rejected, final: {}",
            why(crate::review::labels::instruction_text("support"))
        ),
        ("RED", _) => format!(
            "please retake: {}",
            why(crate::review::labels::instruction_text(
                crate::review::labels::GENERIC
            ))
        ),
        _ => format!("status {}", s("review_status")),
    }
}
