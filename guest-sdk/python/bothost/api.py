"""Host calls for Python bots: chat, channels, kv, timers and log.

Each wraps the binding componentize-py generates from `wit/` and turns the
binding's `Err(...)` into a plain exception with a readable message, so a
bot can catch `BotHostError` without knowing the generated variant classes.
"""

import json

from componentize_py_types import Err
from wit_world.imports import channels as _channels
from wit_world.imports import chat as _chat
from wit_world.imports import kv as _kv
from wit_world.imports import log as _log
from wit_world.imports import timers as _timers


class BotHostError(Exception):
    """A host call failed. `kind` is the WIT case in snake case
    (`not_found`, `too_long`, `rate_limited`, `refused`, `unavailable`,
    `quota_exceeded`, `invalid_key`, `too_many`, `invalid`)."""

    def __init__(self, call, err):
        case = type(err).__name__.split("_", 1)[-1]
        self.kind = "".join("_" + c.lower() if c.isupper() else c for c in case).lstrip("_")
        self.detail = getattr(err, "value", None)
        detail = "" if self.detail is None else f": {self.detail}"
        super().__init__(f"{call} failed: {self.kind}{detail}")


def _call(name, fn, *args):
    try:
        return fn(*args)
    except Err as e:
        raise BotHostError(name, e.value) from None


def _record(value):
    """A generated record (dataclass) as a plain dict, or None."""
    return None if value is None else dict(vars(value))


class chat:
    """Talk to the bot's own team (no call takes a team id)."""

    @staticmethod
    def post(channel, text):
        """Post `text` in a channel or DM; returns `{"channel", "ts"}`."""
        return _record(_call("post", _chat.post_message, channel, text))

    @staticmethod
    def reply(channel, thread_ts, text):
        """Reply in the thread of the message `thread_ts`."""
        return _record(_call("reply", _chat.post_reply, channel, thread_ts, text))

    @staticmethod
    def update(channel, ts, text):
        _call("update", _chat.update_message, channel, ts, text)

    @staticmethod
    def react(channel, ts, name):
        """Add a reaction; colons around `name` are removed."""
        _call("react", _chat.add_reaction, channel, ts, name.strip(":"))

    @staticmethod
    def typing(channel):
        _call("typing", _chat.typing, channel)

    @staticmethod
    def open_direct(user):
        """The id of the DM with `user`."""
        return _call("open_direct", _chat.open_direct, user)

    @staticmethod
    def user_info(user):
        return _record(_call("user_info", _chat.user_info, user))

    @staticmethod
    def channel_info(channel):
        return _record(_call("channel_info", _chat.channel_info, channel))

    @staticmethod
    def find_user(name):
        """A user by name (a leading `@` is removed), or None."""
        return _record(_call("find_user", _chat.find_user, name.lstrip("@")))

    @staticmethod
    def find_channel(name):
        """A channel by name (a leading `#` is removed), or None."""
        return _record(_call("find_channel", _chat.find_channel, name.lstrip("#")))

    # Since contract 0.2.2.

    @staticmethod
    def post_with(channel, text, blocks=None, thread_ts=None, reply_broadcast=False):
        """Post with Block Kit `blocks` (a list of dicts, or JSON text), in
        a thread, broadcast to the channel; returns `{"channel", "ts"}`."""
        options = _options(blocks, thread_ts, reply_broadcast)
        return _record(_call("post_with", _chat.post_with, channel, text, options))

    @staticmethod
    def post_ephemeral(channel, user, text, blocks=None):
        """A message only `user` sees."""
        _call("post_ephemeral", _chat.post_ephemeral, channel, user, text, _blocks(blocks))

    @staticmethod
    def delete(channel, ts):
        _call("delete", _chat.delete_message, channel, ts)

    @staticmethod
    def permalink(channel, ts):
        return _call("permalink", _chat.permalink, channel, ts)

    @staticmethod
    def schedule(channel, post_at, text, blocks=None, thread_ts=None):
        """Post at the unix time `post_at`; returns the scheduled id."""
        options = _options(blocks, thread_ts, False)
        return _call("schedule", _chat.schedule_message, channel, int(post_at), text, options)

    @staticmethod
    def scheduled(channel=None):
        return [_record(m) for m in _call("scheduled", _chat.list_scheduled, channel)]

    @staticmethod
    def unschedule(channel, scheduled_id):
        _call("unschedule", _chat.delete_scheduled, channel, scheduled_id)


def _blocks(blocks):
    """Blocks as the JSON text the host takes (a list is encoded)."""
    if blocks is None or isinstance(blocks, str):
        return blocks
    return json.dumps(blocks)


def _options(blocks, thread_ts, reply_broadcast):
    return _chat.PostOptions(
        blocks=_blocks(blocks), thread_ts=thread_ts, reply_broadcast=reply_broadcast
    )


class channels:
    """Manage the team's channels and read their history (contract 0.2.2)."""

    @staticmethod
    def create(name, is_private=False):
        return _record(_call("channels.create", _channels.create, name, is_private))

    @staticmethod
    def rename(channel, name):
        return _record(_call("channels.rename", _channels.rename, channel, name))

    @staticmethod
    def archive(channel):
        _call("channels.archive", _channels.archive, channel)

    @staticmethod
    def unarchive(channel):
        _call("channels.unarchive", _channels.unarchive, channel)

    @staticmethod
    def set_topic(channel, topic):
        _call("channels.set_topic", _channels.set_topic, channel, topic)

    @staticmethod
    def set_purpose(channel, purpose):
        _call("channels.set_purpose", _channels.set_purpose, channel, purpose)

    @staticmethod
    def invite(channel, users):
        _call("channels.invite", _channels.invite, channel, list(users))

    @staticmethod
    def kick(channel, user):
        _call("channels.kick", _channels.kick, channel, user)

    @staticmethod
    def members(channel):
        """Every member id, page after page."""
        found, cursor = [], None
        while True:
            page = _call("channels.members", _channels.members, channel, cursor, 200)
            found.extend(page.members)
            cursor = page.next_cursor
            if cursor is None:
                return found

    @staticmethod
    def join(channel):
        return _record(_call("channels.join", _channels.join, channel))

    @staticmethod
    def leave(channel):
        _call("channels.leave", _channels.leave, channel)

    @staticmethod
    def open(users):
        """The DM (one user) or group DM (2 to 8) with `users`."""
        return _call("channels.open", _channels.open_conversation, list(users))

    @staticmethod
    def history(channel, limit=100, thread_ts=None, oldest=None, latest=None, cursor=None):
        """One page: `{"messages": [dict, ...], "next_cursor"}`. A channel's
        newest first, a thread's oldest first; `oldest` is the stop point."""
        query = _channels.HistoryQuery(
            channel=channel, thread_ts=thread_ts, limit=limit,
            oldest=oldest, latest=latest, cursor=cursor,
        )
        page = _call("channels.history", _channels.history, query)
        return {"messages": [_record(m) for m in page.messages], "next_cursor": page.next_cursor}


class kv:
    """The team's own key-value state; it survives restarts and upgrades."""

    @staticmethod
    def get(key):
        """The value as bytes, or None."""
        return _call("kv.get", _kv.get, key)

    @staticmethod
    def set(key, value):
        """Store bytes, or a str as UTF-8."""
        if isinstance(value, str):
            value = value.encode()
        _call("kv.set", _kv.set, key, bytes(value))

    @staticmethod
    def get_str(key, default=None):
        value = kv.get(key)
        return default if value is None else value.decode()

    @staticmethod
    def get_json(key, default=None):
        value = kv.get(key)
        return default if value is None else json.loads(value)

    @staticmethod
    def set_json(key, value):
        kv.set(key, json.dumps(value))

    @staticmethod
    def delete(key):
        """Returns whether the key existed."""
        return _call("kv.delete", _kv.delete, key)

    @staticmethod
    def keys(prefix=""):
        """Keys starting with `prefix`, sorted: the first 1,000 (see `keys_page`)."""
        return _call("kv.keys", _kv.list_keys, prefix)

    @staticmethod
    def keys_page(prefix="", after=None, limit=100):
        """Up to `limit` keys starting with `prefix` that sort after `after`,
        as `(keys, next)`; pass `next` as `after` until it is None."""
        page = _call("kv.keys_page", _kv.list_keys_page, prefix, after, limit)
        return list(page.keys), page.next

    @staticmethod
    def increment(key, delta=1):
        """Add `delta` to the integer under `key` (missing counts as 0) in
        one atomic step in the host; returns the sum."""
        return _call("kv.increment", _kv.increment, key, delta)

    @staticmethod
    def compare_and_swap(key, expected, new):
        """Set `key` to `new` (bytes or str; None deletes) only if it now
        holds `expected` (None: absent); returns whether it did."""
        def raw(value):
            return value.encode() if isinstance(value, str) else value
        return _call("kv.compare_and_swap", _kv.compare_and_swap, key, raw(expected), raw(new))


class timers:
    """Named timers kept by the host; setting a name again replaces it."""

    @staticmethod
    def every(name, seconds):
        _call("timers.every", _timers.every, name, int(seconds))

    @staticmethod
    def once(name, seconds):
        _call("timers.once", _timers.once, name, int(seconds))

    @staticmethod
    def cancel(name):
        return _timers.cancel(name)


def _logger(level):
    return staticmethod(lambda message: _log.log(level, str(message)))


class log:
    """Log lines the host tags with the team id (`print` works too)."""

    debug = _logger(_log.Level.DEBUG)
    info = _logger(_log.Level.INFO)
    warn = _logger(_log.Level.WARN)
    error = _logger(_log.Level.ERROR)
