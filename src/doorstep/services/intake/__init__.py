"""Order intake: reading order rows, checking their data, and the queue for what needs a person."""
