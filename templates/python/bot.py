"""{{name}}: greets whoever mentions it or writes to it directly."""

import bothost


class Greeter(bothost.Plugin):
    def process_message(self, data):
        if self.is_plain(data) and (data["direct"] or data["mentions_bot"]):
            text = self.strip_mention(data["text"])
            self.reply(data, f"hello <@{data['user']}>, you said: {text}")


Handler = bothost.export(Greeter)
