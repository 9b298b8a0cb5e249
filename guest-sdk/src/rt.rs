//! Glue between the generated `Guest` trait and a [`Bot`]; used by
//! [`export_bot!`](crate::export_bot) only.
//!
//! The generated exports are associated functions without `self`, so the
//! bot instance has to live in guest-side storage. A component instance is
//! single-threaded and the host never re-enters it, so a thread-local
//! `RefCell` is enough. It holds a `Box<dyn Any>` rather than a `B` because
//! statics cannot be generic; the macro is the only writer, with one type.

use std::any::Any;
use std::cell::RefCell;
use std::marker::PhantomData;

use crate::bindings::exports::bothost::bot::handler::Guest;
use crate::{Bot, BotError, Config, ConfigEntry, Event, TeamInfo};

thread_local! {
    static INSTANCE: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

/// Implements the generated `Guest` trait by forwarding to the single
/// instance of `B`.
#[derive(Debug)]
pub struct Adapter<B>(PhantomData<B>);

/// Run `f` on the instance, creating it with `Default` on first use.
fn with_bot<B: Bot, R>(f: impl FnOnce(&mut B) -> R) -> R {
    INSTANCE.with(|slot| {
        let mut slot = slot.borrow_mut();
        let instance = slot.get_or_insert_with(|| {
            install_panic_hook();
            Box::new(B::default())
        });
        let bot = instance
            .downcast_mut::<B>()
            .expect("export_bot! used with more than one bot type");
        f(bot)
    })
}

/// Send panic messages to the host log before the instance traps, so the
/// operator sees them even if the host does not keep the guest's stderr.
fn install_panic_hook() {
    #[cfg(target_arch = "wasm32")]
    {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            crate::log::error(&format!("bot panicked: {info}"));
            previous(info);
        }));
    }
}

impl<B: Bot> Guest for Adapter<B> {
    fn init(team: TeamInfo, config: Vec<ConfigEntry>) -> Result<(), BotError> {
        let config = Config::from(config);
        with_bot(|bot: &mut B| bot.init(&team, &config))
    }

    fn reconfigure(config: Vec<ConfigEntry>) -> Result<(), BotError> {
        let config = Config::from(config);
        with_bot(|bot: &mut B| bot.reconfigure(&config))
    }

    fn on_event(event: Event) -> Result<(), BotError> {
        with_bot(|bot: &mut B| bot.on_event(event))
    }

    fn on_timer(name: String) -> Result<(), BotError> {
        with_bot(|bot: &mut B| bot.on_timer(&name))
    }

    fn shutdown() {
        with_bot(|bot: &mut B| bot.shutdown());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Counting {
        inits: u32,
        timers: Vec<String>,
        label: String,
    }

    impl Bot for Counting {
        fn init(&mut self, _: &TeamInfo, config: &Config) -> Result<(), BotError> {
            self.inits += 1;
            self.label = config.get_or("label", "none").to_owned();
            Ok(())
        }
        fn on_timer(&mut self, name: &str) -> Result<(), BotError> {
            self.timers.push(name.to_owned());
            Ok(())
        }
    }

    #[test]
    fn adapter_keeps_one_instance() {
        type A = Adapter<Counting>;
        // Before init the instance is the Default one.
        assert_eq!(A::on_timer("early".into()), Ok(()));
        with_bot(|b: &mut Counting| assert_eq!((b.inits, b.label.as_str()), (0, "")));
        let team = TeamInfo {
            id: "T1".into(),
            name: "team".into(),
            bot_user_id: "U0".into(),
            bot_user_name: "bot".into(),
        };
        let config = vec![ConfigEntry {
            key: "label".into(),
            value: "x".into(),
        }];
        assert_eq!(A::init(team, config), Ok(()));
        assert_eq!(A::on_timer("t".into()), Ok(()));
        A::shutdown();
        with_bot(|b: &mut Counting| {
            assert_eq!(b.inits, 1);
            assert_eq!(b.label, "x");
            assert_eq!(b.timers, ["early", "t"]);
        });
    }
}
