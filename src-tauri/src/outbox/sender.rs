//! Sending what waits in the outbox, oldest first, one recorded step at a time.

use serde::Serialize;
use specta::Type;
use zeroize::Zeroize;

use crate::verification::models::DocMetadata;
use crate::verification::{ApiError, Client};

use super::{Destination, Entry, Outbox, OutboxError};

/// A session that reached the service: what the recent-applicants list keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Sent {
    pub applicant_id: String,
    pub external_user_id: String,
}

/// What one drain did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Drained {
    pub sent: u32,
    /// Sessions still waiting afterwards.
    pub remaining: u32,
    /// Why sending stopped or skipped a session, if it did.
    pub error: Option<String>,
}

enum Failed {
    /// The service cannot be reached now: stop, try again later.
    Transient(String),
    /// This session cannot be sent as it is: keep it for staff, go on with the next.
    Entry(String),
    /// The outbox itself failed.
    Outbox(OutboxError),
}

impl From<OutboxError> for Failed {
    fn from(e: OutboxError) -> Self {
        match e {
            OutboxError::Damaged(_) | OutboxError::Altered(_) => Self::Entry(e.to_string()),
            other => Self::Outbox(other),
        }
    }
}

/// The message kept with the entry names the step and the kind of failure,
/// never the service's own wording (which may repeat personal data).
fn api(step: &str, e: ApiError) -> Failed {
    let message = format!("{step} failed: {}", e.without_details());
    if e.is_transient() {
        Failed::Transient(message)
    } else {
        Failed::Entry(message)
    }
}

/// Sends every waiting session in the order they were queued, each only to the
/// service and account it was queued for (`client`'s must match; others are
/// kept, with the mismatch named). `on_sent` runs for each session the service
/// took, before its data is deleted here (so it may run twice for one session
/// after a crash, never zero times).
pub async fn drain(
    outbox: &Outbox,
    client: &Client,
    mut on_sent: impl FnMut(&Sent),
) -> Result<Drained, OutboxError> {
    let _one_at_a_time = outbox.sending.lock().await;
    outbox.purge_expired()?;
    let mut after = 0;
    let mut sent = 0;
    let mut error = None;
    let target = outbox.destination(client.base_url(), client.app_token());
    while let Some(entry) = outbox.next_entry(after)? {
        after = entry.id;
        match send(outbox, client, &entry, &target).await {
            Ok(done) => {
                on_sent(&done);
                outbox.finish(&entry)?;
                sent += 1;
                tracing::info!(applicant = %done.applicant_id, "a waiting session was sent");
            }
            Err(Failed::Outbox(e)) => return Err(e),
            Err(Failed::Entry(message)) => {
                tracing::warn!("a waiting session could not be sent: {message}");
                outbox.record_failure(&entry, &message)?;
                error = Some(message);
            }
            Err(Failed::Transient(message)) => {
                tracing::warn!("sending the outbox stopped: {message}");
                outbox.record_failure(&entry, &message)?;
                error = Some(message);
                break;
            }
        }
    }
    outbox.record_attempt(error.is_none())?;
    Ok(Drained {
        sent,
        remaining: outbox.status()?.waiting,
        error,
    })
}

async fn send(
    outbox: &Outbox,
    client: &Client,
    entry: &Entry,
    target: &Destination,
) -> Result<Sent, Failed> {
    outbox.verify(entry)?;
    match &entry.destination {
        Some(queued_for) => {
            if let Some(differs) = queued_for.mismatch(target) {
                return Err(Failed::Entry(format!(
                    "not sent: this session was queued for {queued_for}; this kiosk now sends to {target}. It differs in {differs}. Nothing was sent or deleted: send it with the credentials it was queued with"
                )));
            }
        }
        None => outbox.record_destination(entry, target)?,
    }
    let applicant_id = match &entry.applicant_id {
        Some(id) => id.clone(),
        None => {
            let mut applicant = outbox.applicant(entry)?;
            let created = client.create_applicant(&entry.level_name, &applicant).await;
            wipe_applicant(&mut applicant);
            let created = created.map_err(|e| api("creating the applicant", e))?;
            outbox.record_applicant(entry, &created.id)?;
            created.id
        }
    };
    for idx in outbox.unsent_images(entry)? {
        let mut image = outbox.image(entry, idx)?;
        let metadata = DocMetadata {
            id_doc_type: image.doc_type.clone(),
            id_doc_sub_type: image.side.clone(),
            country: Some(image.country.clone()),
        };
        let uploaded = client
            .add_document_image(
                &applicant_id,
                &metadata,
                &image.filename,
                &image.content_type,
                &image.bytes,
                None,
            )
            .await;
        image.bytes.zeroize();
        let uploaded =
            uploaded.map_err(|e| api(&format!("uploading the {}", image.doc_type), e))?;
        outbox.record_image(entry, idx, &uploaded.image_id)?;
    }
    if !entry.check_requested {
        client
            .request_check(&applicant_id)
            .await
            .map_err(|e| api("requesting the check", e))?;
        outbox.record_check_requested(entry)?;
    }
    Ok(Sent {
        applicant_id,
        external_user_id: entry.external_user_id.clone(),
    })
}

fn wipe_applicant(a: &mut crate::verification::models::NewApplicant) {
    for v in [&mut a.email, &mut a.phone] {
        if let Some(s) = v.as_mut() {
            s.zeroize();
        }
    }
    if let Some(info) = a.fixed_info.as_mut() {
        for v in [
            &mut info.first_name,
            &mut info.last_name,
            &mut info.dob,
            &mut info.country,
            &mut info.nationality,
        ] {
            if let Some(s) = v.as_mut() {
                s.zeroize();
            }
        }
    }
}
