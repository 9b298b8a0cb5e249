//! Control never waits behind a guest. While the actor awaits a call into
//! its bot, an update, a removal or the host's shutdown can arrive; the
//! call is given a moment to finish, then interrupted (the guest traps at
//! the next epoch tick), and if it still has not ended (it is waiting in a
//! host call) the call is dropped. Either way the instance is gone and the
//! control operation goes ahead, within a bound whatever the bot does.

use std::future::Future;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::supervisor::Control;
use crate::deadline::sleep_until;
use crate::runtime::Interrupter;

/// How long a call may go on after control arrived, before it is
/// interrupted.
const LET_FINISH: Duration = Duration::from_millis(100);
/// How long an interrupted call has to end before it is dropped.
const DROP_AFTER: Duration = Duration::from_millis(200);

/// What arrived while a call ran, to handle once it is over.
#[derive(Debug)]
pub(super) enum Held {
    Control(Control),
    /// Every control sender is gone.
    ControlClosed,
    Cancelled,
}

/// Awaits `call` unless control arrives first (see the module doc).
/// `None`: the call was dropped before it ended.
pub(super) async fn interruptible<F: Future>(
    call: F,
    interrupter: Interrupter,
    control: &mut mpsc::Receiver<Control>,
    cancel: &CancellationToken,
    held: &mut Option<Held>,
) -> Option<F::Output> {
    let mut call = std::pin::pin!(call);
    let mut deadline: Option<Instant> = None;
    let mut interrupted = false;
    loop {
        tokio::select! {
            biased;
            out = &mut call => return Some(out),
            () = cancel.cancelled(), if !matches!(held, Some(Held::Cancelled)) => {
                // Shutting down: no reason to let the call finish.
                *held = Some(Held::Cancelled);
                interrupter.interrupt();
                interrupted = true;
                deadline = Some(Instant::now() + DROP_AFTER);
            }
            cmd = control.recv(), if held.is_none() => {
                *held = Some(match cmd {
                    Some(cmd) => Held::Control(cmd),
                    None => Held::ControlClosed,
                });
                deadline = Some(Instant::now() + LET_FINISH);
            }
            () = sleep_until(deadline), if deadline.is_some() => {
                if interrupted {
                    return None;
                }
                interrupter.interrupt();
                interrupted = true;
                deadline = Some(Instant::now() + DROP_AFTER);
            }
        }
    }
}
