"""The platform-neutral command layer: command values (`command_values`), parsing
(`parse`), the layer itself (`commands`) with its flood throttle, and the
commands' logic by subject (`following`, `settings`, `context`).

May import the core, the edges and storage; never a platform, its library or the app.
The platforms' thin bindings live in `bot/platforms/<name>/`.
"""
