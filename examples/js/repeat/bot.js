// Repeat bot, python-rtmbot's `repeat` plugin ported: every plain message
// (no subtype, not from the bot) in a channel or a DM is posted back in the
// same conversation, prefixed with config `prefix` (default empty).

import { Plugin, exportBot } from "../../../guest-sdk/js/bothost.js";

class Repeat extends Plugin {
  setup() {
    this.prefix = this.config.prefix ?? "";
  }

  processMessage(data) {
    if (this.isPlain(data)) this.outputs.push([data.channel, this.prefix + data.text]);
  }
}

export const handler = exportBot(Repeat);
