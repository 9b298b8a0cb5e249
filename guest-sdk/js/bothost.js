// bothost SDK for JavaScript bots, in the shape of a python-rtmbot plugin
// (the Python SDK's twin):
//
//   import { Plugin, exportBot } from "./bothost.js";
//   class Repeat extends Plugin {
//     processMessage(data) {
//       if (this.isPlain(data)) this.outputs.push([data.channel, data.text]);
//     }
//   }
//   export const handler = exportBot(Repeat);
//
// `process<Type>(data)` handlers get Slack-shaped objects (events.js),
// `this.outputs` is posted after every handler, `this.crontable` holds
// `[seconds, "method"]` pairs kept as host timers, `this.config` is the
// team's config. Throw `ConfigError` from `setup` to refuse a config.

import { BotHostError, channels, chat, kv, log, timers } from "./api.js";
import { toData } from "./events.js";

export { BotHostError, channels, chat, kv, log, timers };

const CRON = "cron:";
const JOB = "job:";

/** The team's config is unusable; `init`/`reconfigure` refuse it. */
export class ConfigError extends Error {}

/** rtmbot's `Job`: `run(plugin)` every `interval` seconds; may return `[channel, text]` pairs. */
export class Job {
  constructor(interval) {
    this.interval = interval;
  }
  run(_plugin) {
    return [];
  }
}

/** `message` → `processMessage`, `reaction_added` → `processReactionAdded`. */
function handlerName(type) {
  return "process" + String(type).split("_").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
}

export class Plugin {
  constructor() {
    this.outputs = [];
    this.crontable = [];
    this.jobs = [];
    this.config = {};
    this.team = {};
    this.botUserId = "";
    this.timerNames = new Set();
  }

  // Hooks a plugin may override.
  /** Read `this.config`, fill `this.crontable`; runs on init and every reconfigure. */
  setup() {}
  /** rtmbot's name for adding `Job`s to `this.jobs`. */
  registerJobs() {}
  /** Called for every event after its `process<Type>` handler. */
  catchAll(_data) {}
  /** A timer set with `timers` directly fired. */
  onTimer(_name) {}
  /** The team is being removed (bounded in time). */
  shutdown() {}

  // Helpers.
  /** A message from a person: no subtype, not the bot's own. */
  isPlain(data) {
    return data.subtype === undefined && data.user !== this.botUserId;
  }
  /** `text` without the bot's `<@ID>` mention, trimmed. */
  stripMention(text) {
    return text.split(`<@${this.botUserId}>`).join("").trim();
  }
  say(channel, text) {
    return chat.post(channel, text);
  }
  /** Answer where `data` happened: in its thread if it is in one. */
  reply(data, text) {
    return data.thread_ts ? chat.reply(data.channel, data.thread_ts, text) : chat.post(data.channel, text);
  }
  react(data, name) {
    const item = data.item || data;
    chat.react(item.channel, item.ts, name);
  }

  // Driven by the exports.
  apply(config) {
    this.config = config;
    this.crontable = [];
    this.jobs = [];
    this.setup();
    this.registerJobs();
    const wanted = new Map();
    for (const [secs, fn] of this.crontable) wanted.set(CRON + fn, secs);
    this.jobs.forEach((job, i) => wanted.set(JOB + i, job.interval));
    for (const [name, secs] of wanted) timers.every(name, secs);
    for (const gone of this.timerNames) if (!wanted.has(gone)) timers.cancel(gone);
    this.timerNames = new Set(wanted.keys());
  }

  event(data) {
    const handler = this[handlerName(data.type)];
    if (typeof handler === "function") handler.call(this, data);
    this.catchAll(data);
    this.flush();
  }

  timer(name) {
    if (name.startsWith(CRON)) {
      this[name.slice(CRON.length)]();
    } else if (name.startsWith(JOB) && this.jobs[Number(name.slice(JOB.length))]) {
      this.outputs.push(...(this.jobs[Number(name.slice(JOB.length))].run(this) || []));
    } else {
      this.onTimer(name);
    }
    this.flush();
  }

  /** Posts `outputs` (`[channel, text]` or `[channel, text, threadTs]`). */
  flush() {
    const pending = this.outputs;
    this.outputs = [];
    for (const [channel, text, thread] of pending) {
      if (thread) chat.reply(channel, thread, text);
      else if (text) chat.post(channel, text);
    }
  }
}

/** Runs an export body; JS errors become `bot-error` values, so the
 * instance survives a bad event instead of trapping. */
function guard(fn) {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) throw { tag: "invalid-config", val: err.message };
    if (err && err.stack) log.debug(err.stack);
    const name = err && err.name ? `${err.name}: ` : "";
    throw { tag: "failed", val: `${name}${err && err.message !== undefined ? err.message : err}` };
  }
}

function configOf(entries) {
  const config = {};
  for (const { key, value } of entries) config[key] = value;
  return config;
}

/** The WIT `handler` interface, driving one `PluginClass` instance:
 * `export const handler = exportBot(MyBot);` */
export function exportBot(PluginClass) {
  let plugin = null;
  return {
    init(team, config) {
      plugin = new PluginClass();
      plugin.team = { ...team };
      plugin.botUserId = team.botUserId;
      guard(() => plugin.apply(configOf(config)));
    },
    reconfigure(config) {
      const old = [plugin.config, plugin.crontable, plugin.jobs];
      try {
        guard(() => plugin.apply(configOf(config)));
      } catch (err) {
        // A refused config leaves the bot as it was (timers are only
        // touched once `setup` succeeded).
        [plugin.config, plugin.crontable, plugin.jobs] = old;
        throw err;
      }
    },
    onEvent(event) {
      guard(() => plugin.event(toData(event)));
    },
    onTimer(name) {
      guard(() => plugin.timer(name));
    },
    shutdown() {
      try {
        if (plugin) plugin.shutdown();
      } catch (err) {
        log.warn(`shutdown: ${err}`);
      }
    },
  };
}
