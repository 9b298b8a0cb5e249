"""bothost SDK for Python bots, in the shape of a python-rtmbot plugin.

    import bothost

    class Repeat(bothost.Plugin):
        def process_message(self, data):
            if self.is_plain(data):
                self.outputs.append([data["channel"], data["text"]])

    Handler = bothost.export(Repeat)

`process_<type>(data)` handlers get Slack-shaped dicts (see `events.py`),
`self.outputs` is posted after every handler, `self.crontable` holds
`[seconds, "method"]` pairs kept as host timers, `self.config` is the team's
config. Raise `ConfigError` from `setup` to refuse a config.
"""

import traceback

from componentize_py_types import Err
from wit_world.imports import types as _t

from .api import BotHostError, channels, chat, kv, log, timers
from .events import to_dict

__all__ = [
    "BotHostError", "ConfigError", "Job", "Plugin", "channels", "chat", "export", "kv", "log",
    "timers",
]

_CRON = "cron:"
_JOB = "job:"


class ConfigError(Exception):
    """The team's config is unusable; `init`/`reconfigure` refuse it."""


class Job:
    """rtmbot's `Job`: `run(plugin)` is called every `interval` seconds and
    may return `[channel, text]` pairs to post."""

    def __init__(self, interval):
        self.interval = interval

    def run(self, plugin):
        return []


class Plugin:
    """Subclass and define `process_message(self, data)` and friends."""

    def __init__(self):
        self.outputs = []
        self.crontable = []
        self.jobs = []
        self.config = {}
        self.team = {}
        self.bot_user_id = ""
        self._timers = set()

    # Hooks a plugin may override.
    def setup(self):
        """Read `self.config`, fill `self.crontable`; runs on init and on
        every reconfigure (the crontable is emptied before)."""

    def register_jobs(self):
        """rtmbot's name for adding `Job`s to `self.jobs`."""

    def catch_all(self, data):
        """Called for every event after its `process_<type>` handler."""

    def on_timer(self, name):
        """A timer set with `bothost.timers` directly fired."""

    def shutdown(self):
        """The team is being removed (bounded in time)."""

    # Helpers.
    def is_plain(self, data):
        """A message from a person: no subtype, not the bot's own."""
        return "subtype" not in data and data.get("user") != self.bot_user_id

    def strip_mention(self, text):
        """`text` without the bot's `<@ID>` mention, trimmed."""
        return text.replace(f"<@{self.bot_user_id}>", "").strip()

    def say(self, channel, text):
        return chat.post(channel, text)

    def reply(self, data, text):
        """Answer where `data` happened: in its thread if it is in one."""
        thread = data.get("thread_ts")
        if thread:
            return chat.reply(data["channel"], thread, text)
        return chat.post(data["channel"], text)

    def react(self, data, name):
        item = data.get("item", data)
        chat.react(item["channel"], item["ts"], name)

    # Driven by the exports.
    def _apply(self, config):
        self.config = config
        self.crontable, self.jobs = [], []
        self.setup()
        self.register_jobs()
        wanted = {f"{_CRON}{fn}": secs for secs, fn in self.crontable}
        wanted.update({f"{_JOB}{i}": job.interval for i, job in enumerate(self.jobs)})
        for name, secs in wanted.items():
            timers.every(name, secs)
        for gone in self._timers - wanted.keys():
            timers.cancel(gone)
        self._timers = set(wanted)

    def _event(self, data):
        handler = getattr(self, "process_" + data.get("type", ""), None)
        if handler is not None:
            handler(data)
        self.catch_all(data)
        self._flush()

    def _timer(self, name):
        if name.startswith(_CRON):
            getattr(self, name[len(_CRON):])()
        elif name.startswith(_JOB) and name[len(_JOB):].isdigit():
            index = int(name[len(_JOB):])
            if index < len(self.jobs):
                self.outputs.extend(self.jobs[index].run(self) or [])
        else:
            self.on_timer(name)
        self._flush()

    def _flush(self):
        """Posts `outputs` (`[channel, text]` or `[channel, text, thread_ts]`)."""
        pending, self.outputs = self.outputs, []
        for out in pending:
            if len(out) > 2 and out[2]:
                chat.reply(out[0], out[2], out[1])
            elif out[1]:
                chat.post(out[0], out[1])


def _guard(fn, *args):
    """Runs an export body; Python errors become `bot-error` values, so the
    instance survives a bad event instead of trapping."""
    try:
        return fn(*args)
    except ConfigError as e:
        raise Err(_t.BotError_InvalidConfig(str(e))) from None
    except Exception as e:  # noqa: BLE001 - every error is reported, none traps
        log.debug(traceback.format_exc())
        raise Err(_t.BotError_Failed(f"{type(e).__name__}: {e}")) from None


def export(plugin_class):
    """The `Handler` class componentize-py exports (the WIT `handler`
    interface), driving one
    `plugin_class` instance (componentize-py may create `Handler` per call,
    so the plugin lives here, not in it)."""
    state = {}

    def config_of(entries):
        return {e.key: e.value for e in entries}

    class Handler:
        def init(self, team, config):
            plugin = plugin_class()
            plugin.team = dict(vars(team))
            plugin.bot_user_id = team.bot_user_id
            state["plugin"] = plugin
            _guard(plugin._apply, config_of(config))

        def reconfigure(self, config):
            plugin = state["plugin"]
            old = (plugin.config, plugin.crontable, plugin.jobs)
            try:
                _guard(plugin._apply, config_of(config))
            except Err:
                # A refused config leaves the bot as it was (timers are
                # only touched once `setup` succeeded).
                plugin.config, plugin.crontable, plugin.jobs = old
                raise

        def on_event(self, event):
            _guard(state["plugin"]._event, to_dict(event))

        def on_timer(self, name):
            _guard(state["plugin"]._timer, name)

        def shutdown(self):
            plugin = state.get("plugin")
            if plugin is not None:
                try:
                    plugin.shutdown()
                except Exception as e:  # noqa: BLE001 - shutdown cannot fail
                    log.warn(f"shutdown: {type(e).__name__}: {e}")

    return Handler
