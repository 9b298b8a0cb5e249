//! The first part of a team actor's life: getting the team running. Boot
//! (load the bot, connect the team, start the bot) is tried until it
//! works; a passing problem (the chat unreachable, the bot file not there
//! yet) is retried with a growing backoff, a mistake (an invalid
//! component, a refused token) waits for an update. Either way the team
//! stays registered and its status says why it is not running, so no team
//! is ever silently lost. Removal and updates are served while waiting.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::error::TeamError;
use super::inbox::Inbox;
use super::status::BotStatus;
use super::supervisor::{Control, Drive, Mail, Supervisor, TeamDeps, TeamState};
use crate::backoff::Backoff;
use crate::counters::TeamCounters;
use crate::deadline::sleep_until;
use crate::spec::TeamSpec;

/// The channels a team's actor is driven by.
pub(super) struct Channels {
    pub control: mpsc::Receiver<Control>,
    pub mail: mpsc::Receiver<Mail>,
    pub inbox: Inbox,
    pub state: watch::Sender<TeamState>,
    pub counters: Arc<TeamCounters>,
}

/// Who is waiting for the outcome of the next boot attempt.
type Answer = oneshot::Sender<Result<(), TeamError>>;

/// The whole life of a team's actor. `started` learns how the first boot
/// attempt went; an update made while the team is not running learns how
/// the attempt it caused went.
pub(super) async fn actor(
    spec: TeamSpec,
    deps: Arc<TeamDeps>,
    channels: Channels,
    started: Answer,
    cancel: CancellationToken,
) {
    let Channels {
        control,
        mut mail,
        inbox,
        state,
        counters,
    } = channels;
    let mut drive = Drive {
        control,
        cancel: cancel.clone(),
    };
    let mut spec = spec;
    let mut waiting: Option<Answer> = Some(started);
    // Jittered: teams that failed together (Slack down at boot) do not
    // all come back in the same instant.
    let mut backoff = Backoff::default().jittered();
    loop {
        let published = spec.clone();
        state.send_modify(|s| {
            s.spec = published;
            s.bot = BotStatus::Starting;
        });
        // Boxed: the boot future is large and needed once; the task that
        // outlives it stays small.
        let attempt = Box::pin(Supervisor::boot(
            spec.clone(),
            deps.clone(),
            inbox.clone(),
            state.clone(),
            counters.clone(),
            drive,
        ));
        let booted = tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            booted = attempt => booted,
        };
        let error = match booted {
            Ok((supervisor, result)) => {
                answer(&mut waiting, result);
                supervisor.run(mail).await;
                return;
            }
            Err((error, back)) => {
                drive = back;
                error
            }
        };
        let retry_at = error
            .is_retryable()
            .then(|| Instant::now() + backoff.fail());
        let reason = error.to_string();
        let status = match retry_at {
            Some(at) => BotStatus::Pending {
                attempts: backoff.failures(),
                last_error: reason.clone(),
                retry_in_ms: u64::try_from(at.duration_since(Instant::now()).as_millis())
                    .unwrap_or(u64::MAX),
            },
            None => BotStatus::Failed {
                reason: reason.clone(),
            },
        };
        tracing::warn!(team = %spec.id, error = %reason, status = status.name(), "team not started");
        state.send_modify(|s| s.bot = status);
        answer(&mut waiting, Err(error));
        // Wait for the retry time or an update, answering flushes (events
        // cannot arrive before the link exists; any that do are dropped).
        loop {
            tokio::select! {
                biased;
                () = cancel.cancelled() => {
                    state.send_modify(|s| s.bot = BotStatus::Stopped);
                    return;
                }
                cmd = drive.control.recv() => match cmd {
                    Some(Control::Update { spec: new, done }) => {
                        spec = *new;
                        waiting = Some(done);
                        backoff.succeed();
                        break;
                    }
                    Some(Control::Release { done }) => {
                        let _ = done.send(false);
                    }
                    None => return,
                },
                () = sleep_until(retry_at), if retry_at.is_some() => break,
                mail = mail.recv() => match mail {
                    Some(Mail::Flush(done)) => {
                        let _ = done.send(());
                    }
                    Some(Mail::Event(event)) => {
                        tracing::debug!(team = %spec.id, event = event.type_name(), "team not started; event dropped");
                    }
                    None => return,
                },
            }
        }
    }
    state.send_modify(|s| s.bot = BotStatus::Stopped);
}

fn answer(waiting: &mut Option<Answer>, result: Result<(), TeamError>) {
    if let Some(done) = waiting.take() {
        let _ = done.send(result);
    }
}
