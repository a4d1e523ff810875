"""The chat platforms, one folder each: its `Messenger` (core.ports) and the
bindings from its updates to the command layer in `handlers/`.

A platform may import the core, the edges' configuration, storage, the command
layer and its own client library; never another platform or the app. A third
platform is a third folder here.
"""
