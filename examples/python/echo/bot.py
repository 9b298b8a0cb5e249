"""Echo bot: in a DM it answers with the same text; in a channel only when
mentioned, with the text minus the mention, in the message's thread if the
message is in one. Its own messages and messages with a subtype are ignored.
(The same bot as `examples/echo` in Rust and `examples/js/echo`.)"""

import bothost


class Echo(bothost.Plugin):
    def process_message(self, data):
        if not self.is_plain(data):
            return
        if data["direct"]:
            self.reply(data, data["text"])
        elif data["mentions_bot"]:
            self.answer(data)

    def process_app_mention(self, data):
        if data["user"] != self.bot_user_id:
            self.answer(data)

    def answer(self, data):
        text = self.strip_mention(data["text"])
        if text:
            self.reply(data, text)


Handler = bothost.export(Echo)
