// WIT events as Slack-shaped objects, the same shapes the Python SDK hands
// to `process_message(data)`: `data.channel`, `data.item.ts`, `thread_ts`
// and `subtype` only when set. `direct` and `mentions_bot` are the host's.

import { orNull } from "./api.js";

function message(m) {
  const data = {
    type: "message", channel: m.channel, user: m.user, text: m.text, ts: m.ts,
    direct: m.direct, mentions_bot: m.mentionsBot,
  };
  if (orNull(m.threadTs) !== null) data.thread_ts = m.threadTs;
  if (orNull(m.subtype) !== null) data.subtype = m.subtype;
  return data;
}

function mention(m) {
  const data = { type: "app_mention", channel: m.channel, user: m.user, text: m.text, ts: m.ts };
  if (orNull(m.threadTs) !== null) data.thread_ts = m.threadTs;
  return data;
}

function reaction(type, r) {
  return {
    type, user: r.user, reaction: r.name,
    item: { type: "message", channel: r.channel, ts: r.itemTs },
  };
}

function other(o) {
  let data;
  try {
    data = JSON.parse(o.rawJson || "{}");
  } catch {
    data = {};
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) data = { raw: data };
  data.type = o.typeName;
  return data;
}

/** The Slack-shaped object of a WIT `event` (tags in either case style). */
export function toData(event) {
  const v = event.val;
  switch (event.tag.replace(/_/g, "-")) {
    case "message": return message(v);
    case "app-mention": return mention(v);
    case "reaction-added": return reaction("reaction_added", v);
    case "reaction-removed": return reaction("reaction_removed", v);
    case "member-joined-channel": return { type: "member_joined_channel", user: v.user, channel: v.channel };
    case "member-left-channel": return { type: "member_left_channel", user: v.user, channel: v.channel };
    case "channel-created":
      return { type: "channel_created", channel: { id: v.channel, name: v.name, creator: v.creator } };
    case "channel-renamed": return { type: "channel_rename", channel: { id: v.channel, name: v.name } };
    case "team-join": return { type: "team_join", user: { id: v.user } };
    case "slash-command":
      return { type: "slash_command", command: v.command, text: v.text, channel: v.channel, user: v.user };
    default: return other(v);
  }
}
