"""A client for a running OpenClaw gateway (WebSocket protocol v4), without Textual.

``connection`` speaks one socket (challenge, ``connect``, requests, events); ``client`` keeps a
live view over reconnects (subscriptions, ``seq`` gaps healed from ``chat.history``, no message
twice); ``identity`` is this client's device key and its device tokens; ``credentials`` finds
the URL and secret the way OpenClaw reads them. ``websockets`` and ``cryptography`` come with
the ``claw-tui[gateway]`` extra and are imported only here.
"""
