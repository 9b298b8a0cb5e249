"""Repeat bot, python-rtmbot's `repeat` plugin ported: every plain message
(no subtype, not from the bot) in a channel or a DM is posted back in the
same conversation, prefixed with config `prefix` (default empty).

The rtmbot original, for comparison:

    outputs = []
    def process_message(data):
        outputs.append([data['channel'], data['text']])
"""

import bothost


class Repeat(bothost.Plugin):
    def setup(self):
        self.prefix = self.config.get("prefix", "")

    def process_message(self, data):
        if self.is_plain(data):
            self.outputs.append([data["channel"], self.prefix + data["text"]])


Handler = bothost.export(Repeat)
