//! The spam guard on a bot's posts, shaped like Slack's own limits so that
//! it refuses only what Slack would not take for long: about one message a
//! second per channel (with short bursts) and a workspace-wide rate.
//!
//! It is not the pacing: the team's rate scheduler queues posts and sends
//! them at Slack's pace (a burst, then one a second per channel), and the
//! bot waits for its post's answer without being charged CPU for the wait.
//! The guard only keeps a runaway bot from filling that queue: a post is
//! refused at the door (`rate-limited`) when its channel's burst is spent
//! faster than it refills (a queue that could not drain within the post's
//! wait), or when the bot as a whole posts faster than the workspace rate.

use std::collections::HashMap;

use tokio::time::Instant;

use super::PostBudget;
use crate::ids::ChannelId;
use crate::limits::BotLimits;

/// Channel buckets remembered before full ones are forgotten. A bucket
/// exists only while its channel's burst is being refilled, and the
/// workspace bucket bounds how many channels can be in that state.
const REMEMBERED_CHANNELS: usize = 256;

/// Why a post was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Faster than one channel takes posts.
    Channel,
    /// Faster than the workspace rate.
    Workspace,
}

#[derive(Debug, Clone)]
pub struct PostGuard {
    workspace: PostBudget,
    channels: HashMap<ChannelId, PostBudget>,
    channel_per_minute: u32,
    channel_burst: u32,
}

impl PostGuard {
    pub fn new(limits: &BotLimits) -> Self {
        Self {
            workspace: PostBudget::new(limits.posts_per_minute, limits.post_burst),
            channels: HashMap::new(),
            channel_per_minute: limits.channel_posts_per_minute,
            channel_burst: limits.channel_post_burst,
        }
    }

    /// Takes one post to `channel` from both budgets, or neither.
    ///
    /// # Errors
    /// Which budget is spent.
    pub fn try_take(&mut self, channel: &ChannelId) -> Result<(), Refused> {
        let now = Instant::now();
        if !self.workspace.ready(now) {
            return Err(Refused::Workspace);
        }
        if !self.channels.contains_key(channel) && self.channels.len() >= REMEMBERED_CHANNELS {
            self.channels.retain(|_, bucket| {
                bucket.ready(now);
                !bucket.is_full()
            });
        }
        let (per_minute, burst) = (self.channel_per_minute, self.channel_burst);
        let lane = self
            .channels
            .entry(channel.clone())
            .or_insert_with(|| PostBudget::new(per_minute, burst));
        if !lane.ready(now) {
            return Err(Refused::Channel);
        }
        lane.take();
        self.workspace.take();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limits() -> BotLimits {
        BotLimits {
            posts_per_minute: 600,
            post_burst: 30,
            channel_posts_per_minute: 60,
            channel_post_burst: 5,
            ..BotLimits::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn one_post_in_each_of_many_channels_goes_at_once() {
        let mut guard = PostGuard::new(&limits());
        for i in 0..20 {
            assert_eq!(guard.try_take(&ChannelId::new(format!("C{i}"))), Ok(()));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn one_channel_bursts_then_takes_one_a_second() {
        let mut guard = PostGuard::new(&limits());
        let c = ChannelId::new("C1");
        assert!((0..5).all(|_| guard.try_take(&c).is_ok()));
        assert_eq!(guard.try_take(&c), Err(Refused::Channel));
        assert_eq!(
            guard.try_take(&ChannelId::new("C2")),
            Ok(()),
            "another channel is not held up"
        );
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(guard.try_take(&c), Ok(()));
        assert_eq!(guard.try_take(&c), Err(Refused::Channel));
    }

    #[tokio::test(start_paused = true)]
    async fn the_workspace_rate_bounds_posts_spread_over_channels() {
        let mut guard = PostGuard::new(&limits());
        let taken = (0..100)
            .filter(|i| guard.try_take(&ChannelId::new(format!("C{i}"))).is_ok())
            .count();
        assert_eq!(taken, 30, "the workspace burst");
        assert_eq!(
            guard.try_take(&ChannelId::new("C0")),
            Err(Refused::Workspace)
        );
        tokio::time::advance(Duration::from_millis(100)).await;
        assert_eq!(
            guard.try_take(&ChannelId::new("C200")),
            Ok(()),
            "10 a second"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_post_spends_nothing() {
        let mut guard = PostGuard::new(&BotLimits {
            post_burst: 1,
            ..limits()
        });
        let c = ChannelId::new("C1");
        assert_eq!(guard.try_take(&c), Ok(()));
        assert_eq!(guard.try_take(&c), Err(Refused::Workspace));
        tokio::time::advance(Duration::from_millis(100)).await;
        // The channel's burst was not touched by the refusal.
        assert_eq!(guard.try_take(&c), Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn channels_remembered_stay_bounded() {
        let mut guard = PostGuard::new(&BotLimits {
            posts_per_minute: 60_000,
            post_burst: 100_000,
            ..limits()
        });
        for i in 0..10_000 {
            let _ = guard.try_take(&ChannelId::new(format!("C{i}")));
            if i % 100 == 0 {
                tokio::time::advance(Duration::from_secs(10)).await;
            }
        }
        assert!(
            guard.channels.len() <= REMEMBERED_CHANNELS + 100,
            "{}",
            guard.channels.len()
        );
    }
}
