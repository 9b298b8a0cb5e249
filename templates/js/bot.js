// {{name}}: greets whoever mentions it or writes to it directly.

import { Plugin, exportBot } from "./bothost/bothost.js";

class Greeter extends Plugin {
  processMessage(data) {
    if (this.isPlain(data) && (data.direct || data.mentions_bot)) {
      const text = this.stripMention(data.text);
      this.reply(data, `hello <@${data.user}>, you said: ${text}`);
    }
  }
}

export const handler = exportBot(Greeter);
