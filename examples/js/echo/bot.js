// Echo bot: in a DM it answers with the same text; in a channel only when
// mentioned, with the text minus the mention, in the message's thread if the
// message is in one. Its own messages and messages with a subtype are
// ignored. (The same bot as `examples/echo` in Rust and `examples/python/echo`.)

import { Plugin, exportBot } from "../../../guest-sdk/js/bothost.js";

class Echo extends Plugin {
  processMessage(data) {
    if (!this.isPlain(data)) return;
    if (data.direct) this.reply(data, data.text);
    else if (data.mentions_bot) this.answer(data);
  }

  processAppMention(data) {
    if (data.user !== this.botUserId) this.answer(data);
  }

  answer(data) {
    const text = this.stripMention(data.text);
    if (text) this.reply(data, text);
  }
}

export const handler = exportBot(Echo);
