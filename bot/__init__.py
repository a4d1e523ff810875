"""storywatch: watch live news stories and alert chats of each new update.

    core/       pure rules and values: extract, diff, filter, summarize, render
    edges/      I/O the core is fed from: fetch, config, local files, LLM
    platforms/  one folder per chat platform: messenger and command bindings
    app/        composition root, service loop, ticks, CLI

Storage (`storage/`) and the platform-neutral command layer (`handlers/`) sit
beside this package. `tests/test_layers.py` enforces the arrows.
"""
