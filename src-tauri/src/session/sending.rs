//! Sending a session: to the service at once, or into the outbox when a
//! first submission cannot reach it (or a field kiosk queues first).

use crate::submission::{request_check, submit, upload, Receipt, Submission, SubmitProgress};
use crate::verification::Client;

use super::error::KioskError;
use super::field::Field;

/// Where a submission went.
pub(super) enum Sent {
    /// The service has it: the review can be followed.
    Received(Receipt),
    /// Kept in the outbox, with this many waiting.
    Queued(u32),
}

/// What is sent, and for whom.
pub(super) struct Sending<'a> {
    pub submission: &'a Submission,
    /// A retry: the applicant (if known) and the images the review rejected.
    pub retry: Option<(Option<String>, Vec<String>)>,
    /// The applicant created when the session started, if it was.
    pub known_applicant: Option<String>,
}

/// Sends `what`. Only a first submission ever goes to the outbox: a retry
/// belongs to a review in progress and fails with the reason instead.
pub(super) async fn send(
    client: &Client,
    field: &Field,
    queue_first: bool,
    what: Sending<'_>,
    progress: impl Fn(SubmitProgress) + Send + Sync + 'static,
) -> Result<Sent, KioskError> {
    let Sending {
        submission,
        retry,
        known_applicant,
    } = what;
    let keep = |applicant| field.keep(submission, applicant).map(Sent::Queued);
    let receipt = match retry {
        None if field.goes_offline(queue_first) => return keep(known_applicant),
        None => {
            let sent = match &known_applicant {
                // Created when the session started: only the pictures and the check are left.
                Some(id) => resubmit(client, id, &[], submission, progress).await,
                None => submit(client, submission, progress)
                    .await
                    .map_err(KioskError::from),
            };
            match sent {
                Err(KioskError::Unreachable(reason)) if field.has_outbox() => {
                    tracing::warn!(
                        "the service cannot be reached; the session goes to the outbox: {reason}"
                    );
                    field.note_unreachable();
                    return keep(known_applicant);
                }
                other => other?,
            }
        }
        Some((applicant_id, rejected)) => {
            let applicant_id = applicant_id.ok_or(KioskError::NoSession)?;
            resubmit(client, &applicant_id, &rejected, submission, progress).await?
        }
    };
    field.note_reachable();
    Ok(Sent::Received(receipt))
}

/// To an applicant the service has: the rejected pictures are set aside, the
/// new ones uploaded, and the check requested (again).
async fn resubmit(
    client: &Client,
    applicant_id: &str,
    rejected: &[String],
    submission: &Submission,
    progress: impl Fn(SubmitProgress) + Send + Sync + 'static,
) -> Result<Receipt, KioskError> {
    for image_id in rejected {
        if let Err(e) = client.deactivate_image(applicant_id, image_id).await {
            // The review only looks at the newest image of a side: going on is safe.
            tracing::warn!("a rejected image could not be set aside: {e}");
        }
    }
    let images = upload(client, applicant_id, &submission.images, progress).await?;
    request_check(client, applicant_id).await?;
    Ok(Receipt {
        applicant_id: applicant_id.to_owned(),
        inspection_id: None,
        external_user_id: submission.applicant.external_user_id.clone(),
        images,
    })
}
