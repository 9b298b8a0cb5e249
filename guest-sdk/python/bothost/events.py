"""WIT events as the dicts python-rtmbot plugins were handed: Slack's own
event shapes (`data["channel"]`, `data["item"]["ts"]`, ...), so a ported
plugin's handlers keep working. Two keys are ours: `direct` and
`mentions_bot` on messages, which the host computes."""

import json

from wit_world.imports import types as t


def _message(m):
    data = {"type": "message", "channel": m.channel, "user": m.user, "text": m.text,
            "ts": m.ts, "direct": m.direct, "mentions_bot": m.mentions_bot}
    # Slack omits these when unset; plugins test `"subtype" in data`.
    if m.thread_ts is not None:
        data["thread_ts"] = m.thread_ts
    if m.subtype is not None:
        data["subtype"] = m.subtype
    return data


def _mention(m):
    data = {"type": "app_mention", "channel": m.channel, "user": m.user,
            "text": m.text, "ts": m.ts}
    if m.thread_ts is not None:
        data["thread_ts"] = m.thread_ts
    return data


def _reaction(kind, r):
    return {"type": kind, "user": r.user, "reaction": r.name,
            "item": {"type": "message", "channel": r.channel, "ts": r.item_ts}}


def to_dict(event):
    """The Slack-shaped dict of a WIT `event`."""
    v = event.value
    if isinstance(event, t.Event_Message):
        return _message(v)
    if isinstance(event, t.Event_AppMention):
        return _mention(v)
    if isinstance(event, t.Event_ReactionAdded):
        return _reaction("reaction_added", v)
    if isinstance(event, t.Event_ReactionRemoved):
        return _reaction("reaction_removed", v)
    if isinstance(event, t.Event_MemberJoinedChannel):
        return {"type": "member_joined_channel", "user": v.user, "channel": v.channel}
    if isinstance(event, t.Event_MemberLeftChannel):
        return {"type": "member_left_channel", "user": v.user, "channel": v.channel}
    if isinstance(event, t.Event_ChannelCreated):
        return {"type": "channel_created",
                "channel": {"id": v.channel, "name": v.name, "creator": v.creator}}
    if isinstance(event, t.Event_ChannelRenamed):
        return {"type": "channel_rename", "channel": {"id": v.channel, "name": v.name}}
    if isinstance(event, t.Event_TeamJoin):
        return {"type": "team_join", "user": {"id": v.user}}
    if isinstance(event, t.Event_SlashCommand):
        return {"type": "slash_command", "command": v.command, "text": v.text,
                "channel": v.channel, "user": v.user}
    data = json.loads(v.raw_json or "{}")
    if not isinstance(data, dict):
        data = {"raw": data}
    data["type"] = v.type_name
    return data
