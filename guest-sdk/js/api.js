// Host calls for JavaScript bots: chat, channels, kv, timers and log.
//
// Each wraps the binding the toolchain generates from `wit/`. The two
// toolchains differ in small ways (componentize-js throws a `ComponentError`
// whose `payload` is the WIT error, QuickJS throws the error itself; an
// empty option is `undefined` in one and `null` in the other), so every
// call goes through `call` and every option through `orNull`.

import * as wchat from "bothost:bot/chat@0.2.2";
import * as wchannels from "bothost:bot/channels@0.2.2";
import * as wkv from "bothost:bot/kv@0.2.2";
import * as wtimers from "bothost:bot/timers@0.2.2";
import * as wlog from "bothost:bot/log@0.2.2";

/** A host call failed; `kind` is the WIT case (`not-found`, `rate-limited`, ...). */
export class BotHostError extends Error {
  constructor(call, err) {
    const wit = err && err.payload !== undefined ? err.payload : err;
    const kind = wit && wit.tag !== undefined ? wit.tag : String(wit);
    const detail = wit && wit.val !== undefined ? `: ${wit.val}` : "";
    super(`${call} failed: ${kind}${detail}`);
    this.kind = kind;
    this.detail = wit ? wit.val : undefined;
  }
}

function call(name, fn, ...args) {
  try {
    return fn(...args);
  } catch (err) {
    throw new BotHostError(name, err);
  }
}

/**
 * How the toolchain passes WIT `s64`: componentize-js (StarlingMonkey) as a
 * BigInt, componentize-qjs (QuickJS) as a number; the wrong one traps. The
 * engines differ in web APIs too: StarlingMonkey has TextEncoder, QuickJS
 * does not.
 */
const S64 = typeof TextEncoder === "function" ? BigInt : Number;

export function orNull(value) {
  return value === undefined ? null : value;
}

/** UTF-8 without TextEncoder, which QuickJS lacks. */
function encode(text) {
  const bin = unescape(encodeURIComponent(text));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function decode(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return decodeURIComponent(escape(bin));
}

/** Talk to the bot's own team (no call takes a team id). */
export const chat = {
  /** Post `text` in a channel or DM; returns `{channel, ts}`. */
  post: (channel, text) => call("post", wchat.postMessage, channel, text),
  /** Reply in the thread of the message `threadTs`. */
  reply: (channel, threadTs, text) => call("reply", wchat.postReply, channel, threadTs, text),
  update: (channel, ts, text) => call("update", wchat.updateMessage, channel, ts, text),
  /** Add a reaction; colons around `name` are removed. */
  react: (channel, ts, name) =>
    call("react", wchat.addReaction, channel, ts, name.replace(/^:|:$/g, "")),
  typing: (channel) => call("typing", wchat.typing, channel),
  /** The id of the DM with `user`. */
  openDirect: (user) => call("openDirect", wchat.openDirect, user),
  userInfo: (user) => call("userInfo", wchat.userInfo, user),
  channelInfo: (channel) => call("channelInfo", wchat.channelInfo, channel),
  /** A user by name (a leading `@` is removed), or null. */
  findUser: (name) => orNull(call("findUser", wchat.findUser, name.replace(/^@/, ""))),
  /** A channel by name (a leading `#` is removed), or null. */
  findChannel: (name) => orNull(call("findChannel", wchat.findChannel, name.replace(/^#/, ""))),
  // Since contract 0.2.2.
  /** Post with `{blocks, threadTs, replyBroadcast}`; blocks an array or JSON text. */
  postWith: (channel, text, options = {}) =>
    call("postWith", wchat.postWith, channel, text, postOptions(options)),
  /** A message only `user` sees. */
  postEphemeral: (channel, user, text, blocks = null) =>
    call("postEphemeral", wchat.postEphemeral, channel, user, text, blocksJson(blocks)),
  delete: (channel, ts) => call("delete", wchat.deleteMessage, channel, ts),
  permalink: (channel, ts) => call("permalink", wchat.permalink, channel, ts),
  /** Post at the unix time `postAt` (seconds); returns the scheduled id. */
  schedule: (channel, postAt, text, options = {}) =>
    call("schedule", wchat.scheduleMessage, channel, S64(postAt), text, postOptions(options)),
  scheduled: (channel = null) =>
    call("scheduled", wchat.listScheduled, channel).map((m) => ({ ...m, postAt: Number(m.postAt) })),
  unschedule: (channel, id) => call("unschedule", wchat.deleteScheduled, channel, id),
};

function blocksJson(blocks) {
  return blocks === null || blocks === undefined || typeof blocks === "string"
    ? orNull(blocks)
    : JSON.stringify(blocks);
}

function postOptions({ blocks = null, threadTs = null, replyBroadcast = false } = {}) {
  return { blocks: blocksJson(blocks), threadTs, replyBroadcast };
}

/** Manage the team's channels and read their history (contract 0.2.2). */
export const channels = {
  create: (name, isPrivate = false) => call("channels.create", wchannels.create, name, isPrivate),
  rename: (channel, name) => call("channels.rename", wchannels.rename, channel, name),
  archive: (channel) => call("channels.archive", wchannels.archive, channel),
  unarchive: (channel) => call("channels.unarchive", wchannels.unarchive, channel),
  setTopic: (channel, topic) => call("channels.setTopic", wchannels.setTopic, channel, topic),
  setPurpose: (channel, purpose) => call("channels.setPurpose", wchannels.setPurpose, channel, purpose),
  invite: (channel, users) => call("channels.invite", wchannels.invite, channel, users),
  kick: (channel, user) => call("channels.kick", wchannels.kick, channel, user),
  /** Every member id, page after page. */
  members: (channel) => {
    const all = [];
    let cursor = null;
    do {
      const page = call("channels.members", wchannels.members, channel, cursor, 200);
      all.push(...page.members);
      cursor = orNull(page.nextCursor);
    } while (cursor !== null);
    return all;
  },
  join: (channel) => call("channels.join", wchannels.join, channel),
  leave: (channel) => call("channels.leave", wchannels.leave, channel),
  /** The DM (one user) or group DM (2 to 8) with `users`. */
  open: (users) => call("channels.open", wchannels.openConversation, users),
  /**
   * One page `{messages, nextCursor}`: a channel's newest first, a thread's
   * oldest first; `oldest` is the stop point.
   */
  history: (channel, { limit = 100, threadTs = null, oldest = null, latest = null, cursor = null } = {}) => {
    const page = call("channels.history", wchannels.history, {
      channel, threadTs, limit, oldest, latest, cursor,
    });
    return { messages: page.messages, nextCursor: orNull(page.nextCursor) };
  },
};

/** The team's own key-value state; it survives restarts and upgrades. */
export const kv = {
  /** The value as a Uint8Array, or null. */
  get: (key) => {
    const value = orNull(call("kv.get", wkv.get, key));
    return value === null ? null : Uint8Array.from(value);
  },
  /** Store bytes, or a string as UTF-8. */
  set: (key, value) => call("kv.set", wkv.set, key, typeof value === "string" ? encode(value) : value),
  getString: (key, fallback = null) => {
    const value = kv.get(key);
    return value === null ? fallback : decode(value);
  },
  getJson: (key, fallback = null) => {
    const value = kv.getString(key);
    return value === null ? fallback : JSON.parse(value);
  },
  setJson: (key, value) => kv.set(key, JSON.stringify(value)),
  /** Returns whether the key existed. */
  delete: (key) => call("kv.delete", wkv.delete, key),
  /** Keys starting with `prefix`, sorted: the first 1,000 (see `keysPage`). */
  keys: (prefix = "") => call("kv.keys", wkv.listKeys, prefix),
  /**
   * Up to `limit` keys starting with `prefix` that sort after `after`, as
   * `{ keys, next }`; pass `next` as `after` until it is null.
   */
  keysPage: (prefix = "", after = null, limit = 100) => {
    const page = call("kv.keysPage", wkv.listKeysPage, prefix, after ?? null, limit);
    return { keys: page.keys, next: orNull(page.next) };
  },
  /** Add `delta` to the integer under `key` (missing counts as 0), atomically; returns the sum. */
  increment: (key, delta = 1) => Number(call("kv.increment", wkv.increment, key, S64(delta))),
  /**
   * Set `key` to `next` (bytes or a string; null deletes) only if it now
   * holds `expected` (null: absent); returns whether it did.
   */
  compareAndSwap: (key, expected, next) => {
    const raw = (v) => (v === null || v === undefined ? null : typeof v === "string" ? encode(v) : v);
    return call("kv.compareAndSwap", wkv.compareAndSwap, key, raw(expected), raw(next));
  },
};

/** Named timers kept by the host; setting a name again replaces it. */
export const timers = {
  every: (name, seconds) => call("timers.every", wtimers.every, name, seconds),
  once: (name, seconds) => call("timers.once", wtimers.once, name, seconds),
  cancel: (name) => wtimers.cancel(name),
};

/** Log lines the host tags with the team id (`console.log` works too). */
export const log = {
  debug: (message) => wlog.log("debug", String(message)),
  info: (message) => wlog.log("info", String(message)),
  warn: (message) => wlog.log("warn", String(message)),
  error: (message) => wlog.log("error", String(message)),
};
